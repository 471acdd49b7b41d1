/** Dependency rules of the layout (STYLE.md), checked by `npm run lint:deps` in `npm test`. */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Circular imports between decorated classes break under ESM.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'Deciders import no framework, no database and no infrastructure.',
      from: { path: '^src/modules/[^/]+/domain/', pathNot: '\\.spec\\.ts$' },
      to: { path: ['^src/infrastructure/', '^src/read-models/', 'node_modules/(@nestjs|typeorm|pg)/'] },
    },
    {
      name: 'events-stand-alone',
      severity: 'error',
      comment: 'Event types are plain data shared by writers and readers.',
      from: { path: '^src/events/' },
      to: { path: ['^src/modules/', '^src/read-models/', '^src/infrastructure/', 'node_modules/'] },
    },
    {
      name: 'read-models-not-modules',
      severity: 'error',
      comment: 'Read models import events, never the write side.',
      from: { path: '^src/read-models/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'modules-not-read-models',
      severity: 'error',
      comment: 'Commands decide from the event store, never from eventually consistent views.',
      from: { path: '^src/modules/(?!operations/)' },
      to: { path: '^src/read-models/' },
    },
    {
      name: 'infrastructure-below-features',
      severity: 'error',
      comment: 'Shared infrastructure knows no feature module or view.',
      from: { path: '^src/infrastructure/' },
      to: { path: ['^src/modules/', '^src/read-models/'], pathNot: '^src/read-models/read-model-entities\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
