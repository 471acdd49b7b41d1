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
      from: { path: '\\.decider\\.ts$' },
      to: { path: ['^src/infrastructure/', '^src/read-models/', 'node_modules/(@nestjs|typeorm|pg)/', '\\.(handler|controller|requests)\\.ts$'] },
    },
    {
      name: 'events-stand-alone',
      severity: 'error',
      comment: 'Event types are plain data shared by writers and readers; their payload schemas are zod.',
      from: { path: '^src/events/' },
      to: { path: ['^src/modules/', '^src/read-models/', '^src/infrastructure/', 'node_modules/'], pathNot: 'node_modules/zod/' },
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
    {
      name: 'hierarchy-through-its-module',
      severity: 'error',
      comment: 'The hierarchy on a date is answered in one place, modules/org/hierarchy; no other module walks unit streams.',
      from: { path: '^src/modules/', pathNot: '^src/modules/org/' },
      to: { path: '^src/modules/org/.*\\.decider\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
