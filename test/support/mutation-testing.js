// Plain ESM: runs before anything is compiled.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import globalSetup from './global-setup.js';
import globalTeardown from './global-teardown.js';
import { MUTATION_PARTS } from './mutation-parts.js';

/**
 * `npm run test:mutation [-- <part>… <stryker option>…]`: one embedded PostgreSQL for the
 * whole run (named to every test run through TEST_DATABASE_ADMIN_URL, as `npm test` has one
 * for its run), then one Stryker run per part of test/support/mutation-parts.js (all of them,
 * or those named), then the mutation score of each part and of all of them together. The
 * server is stopped and deleted afterwards, whatever the outcome; the exit code is the first
 * failing Stryker run's, else 0.
 */
const stryker = join(dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core/package.json')), 'bin', 'stryker.js');
const args = process.argv.slice(2);
const named = args.filter((a) => a in MUTATION_PARTS);
const options = args.filter((a) => !(a in MUTATION_PARTS));
const parts = named.length > 0 ? named : Object.keys(MUTATION_PARTS);

let child = null;
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopping = true;
    child?.kill(signal);
  });
}

/** Runs Stryker for one part; resolves with its exit code. */
function runPart(part) {
  return new Promise((resolve, reject) => {
    child = spawn(process.execPath, [stryker, 'run', 'stryker.config.mjs', ...options], {
      stdio: 'inherit',
      env: { ...process.env, MUTATION_PART: part },
    });
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => {
      child = null;
      resolve(exitCode ?? (signal ? 1 : 0));
    });
  });
}

/** Counts of a Stryker JSON report (mutation-testing-report-schema), by status. */
function countsOf(part) {
  const report = JSON.parse(readFileSync(`reports/mutation/${part}/mutation.json`, 'utf8'));
  const counts = {};
  for (const file of Object.values(report.files)) for (const m of file.mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
  return counts;
}

/** Stryker's score: mutants detected (killed or timed out) among those the tests could run. */
function score(c) {
  const detected = (c.Killed ?? 0) + (c.Timeout ?? 0);
  const valid = detected + (c.Survived ?? 0) + (c.NoCoverage ?? 0);
  return { detected, valid, survived: c.Survived ?? 0, noCoverage: c.NoCoverage ?? 0, percent: valid === 0 ? 100 : (100 * detected) / valid };
}

await globalSetup();
let code = 0;
const lines = [];
const total = {};
try {
  for (const part of parts) {
    if (stopping) break;
    const started = Date.now();
    const exit = await runPart(part);
    const minutes = ((Date.now() - started) / 60000).toFixed(1);
    if (exit !== 0) {
      code ||= exit;
      lines.push(`${part}: Stryker failed (exit ${exit}) after ${minutes} min`);
      continue;
    }
    const counts = countsOf(part);
    for (const [status, n] of Object.entries(counts)) total[status] = (total[status] ?? 0) + n;
    const s = score(counts);
    lines.push(`${part}: ${s.percent.toFixed(2)}% (${s.detected} of ${s.valid} detected, ${s.survived} survived, ${s.noCoverage} not covered) in ${minutes} min`);
  }
} finally {
  await globalTeardown().catch((error) => console.error(`stopping the test PostgreSQL: ${error}`));
}
if (lines.length > 0) {
  const s = score(total);
  console.log(['', 'Mutation score by part:', ...lines.map((l) => `  ${l}`), `  all: ${s.percent.toFixed(2)}% (${s.detected} of ${s.valid} detected)`].join('\n'));
}
process.exit(code);
