import { mutationPart } from './test/support/mutation-parts.js';

const part = mutationPart();

/**
 * Mutation testing (`npm run test:mutation`, not part of `npm test`): Stryker puts small
 * faults into the rules and the access checks, one at a time, and runs with Jest the tests
 * that executed the changed line; a fault that no test notices survives. One run per part
 * (test/support/mutation-parts.js); reports in reports/mutation/<part>/.
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  mutate: part.mutate,
  testRunner: 'jest',
  // The project is native ESM under Jest.
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  jest: { configFile: 'jest.mutation.config.js' },
  // Each mutant runs only the tests that executed its line in the first run.
  coverageAnalysis: 'perTest',
  ignoreStatic: part.ignoreStatic,
  // The machine is shared: two test processes at most.
  concurrency: 2,
  timeoutMS: 5000,
  dryRunTimeoutMinutes: 20,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${part.name}/mutation.html` },
  jsonReporter: { fileName: `reports/mutation/${part.name}/mutation.json` },
  // Only what the tests need is copied to the sandbox.
  ignorePatterns: ['dist', '.data', 'coverage', 'reports', '*.log'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
