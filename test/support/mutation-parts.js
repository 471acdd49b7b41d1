// Plain ESM: read by stryker.config.mjs, jest.mutation.config.js and mutation-testing.js.

/**
 * The parts of mutation testing: each mutates some files and runs only the tests aimed at
 * them. Every mutant runs the tests that executed its line, and an end-to-end test executes
 * nearly all the code: with every test in one run, each decider mutant would boot the
 * application for dozens of end-to-end tests (hours on two cores). The deciders have their
 * given/when/then specs; the route policies, the guard and the token checks their unit
 * tests; the runner and the scope rule their contract test and the end-to-end tests of
 * scope in time, mergers and concurrent reorganisations.
 *
 * `ignoreStatic`: mutants of code run once when a module loads (no test is known to cover
 * them, so Stryker would run every test of the part for each) are left out, except where
 * that code is what is tested (the route policies are applied as the modules load).
 */
export const MUTATION_PARTS = {
  rules: {
    mutate: ['src/modules/org/*/*.decider.ts'],
    tests: ['<rootDir>/src/modules/org/**/*.unit.spec.ts'],
    ignoreStatic: false,
  },
  campaign: {
    mutate: ['src/modules/campaign/*/*.decider.ts', 'src/modules/campaign/campaign-facts.ts'],
    tests: ['<rootDir>/src/modules/campaign/**/*.unit.spec.ts'],
    ignoreStatic: false,
  },
  access: {
    mutate: [
      'src/infrastructure/auth/access-policy.ts',
      'src/infrastructure/auth/auth.guard.ts',
      'src/infrastructure/auth/authentication.middleware.ts',
      'src/infrastructure/auth/principal.ts',
      'src/infrastructure/auth/token-verifier.ts',
    ],
    tests: ['<rootDir>/src/infrastructure/auth/*.unit.spec.ts'],
    ignoreStatic: false,
  },
  commands: {
    mutate: ['src/infrastructure/commands/command-runner.ts', 'src/infrastructure/commands/command-access.ts', 'src/modules/org/hierarchy/org-access.ts'],
    tests: [
      '<rootDir>/test/contract/command-runner.int.spec.ts',
      '<rootDir>/test/e2e/access-concurrency.e2e.spec.ts',
      '<rootDir>/test/e2e/access-merged-scope.e2e.spec.ts',
      '<rootDir>/test/e2e/access-scope-in-time.e2e.spec.ts',
    ],
    ignoreStatic: true,
  },
};

/** The part named by MUTATION_PART (set by mutation-testing.js for each Stryker run). */
export function mutationPart() {
  const name = process.env.MUTATION_PART;
  const part = name ? MUTATION_PARTS[name] : undefined;
  if (!part) throw new Error(`MUTATION_PART must be one of ${Object.keys(MUTATION_PARTS).join(', ')} (got ${name ?? 'nothing'}): run npm run test:mutation`);
  return { name, ...part };
}
