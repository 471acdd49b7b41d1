import base from './jest.config.js';
import { mutationPart } from './test/support/mutation-parts.js';

/**
 * The tests of one part of mutation testing (`npm run test:mutation`): those aimed at the
 * files it mutates, not the whole suite. The embedded PostgreSQL is started once for the whole
 * run by test/support/mutation-testing.js (TEST_DATABASE_ADMIN_URL), so the global setup of
 * each test run has nothing to do.
 */
export default { ...base, testMatch: mutationPart().tests };
