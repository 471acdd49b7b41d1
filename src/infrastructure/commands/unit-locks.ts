import pg from 'pg';
import { keepaliveOptions } from '../database/connection-options.js';

/** Advisory lock class ('OU') of commands whose rules span several org units. */
export const UNIT_LOCK_CLASS = 0x4f55;
const LOCK_CLASS = UNIT_LOCK_CLASS;
/** The longest a command waits for the units it needs. */
const LOCK_TIMEOUT_MS = 5000;
/** SQLSTATE of a lock wait that ran past lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';

/** The units a command needs stayed held by other commands past the lock timeout (503, retry). */
export class UnitsBusyError extends Error {
  readonly code = 'command.units_busy';
  readonly retryAfterSeconds = 1;

  constructor() {
    super(`the org units this command needs are held by other commands for more than ${LOCK_TIMEOUT_MS / 1000} s; retry`);
    this.name = 'UnitsBusyError';
  }
}

/**
 * Serialises commands whose rules read another aggregate: placing a unit under a parent and
 * terminating that parent, enrolling into a unit and terminating it. Each command holds the
 * locks of the units its rule reads, from loading to appending, on a connection of its own
 * (shared by every instance through PostgreSQL).
 */
export class UnitLocks {
  private readonly pool: pg.Pool;
  private readonly readsStreamRevisions: boolean;

  /**
   * `options`: the pool's size, or the size and whether to read stream revisions. With
   * `readsStreamRevisions` (the events live in this same database), taking the locks also
   * reads the current revisions of the streams a command names, right after the locks are
   * granted, in the same round trip.
   */
  constructor(connectionString: string, options: number | { readonly size?: number; readonly readsStreamRevisions?: boolean } = {}) {
    const { size = 20, readsStreamRevisions = false } = typeof options === 'number' ? { size: options } : options;
    this.readsStreamRevisions = readsStreamRevisions;
    // A command waits for its units at most LOCK_TIMEOUT: a unit held long by another cannot
    // make every waiting command hold a connection of this pool indefinitely.
    // Keepalive: the locks of a command whose instance silently lost the network are released
    // once the server notices, not hours later.
    this.pool = new pg.Pool({
      ...keepaliveOptions(connectionString, { lock_timeout: LOCK_TIMEOUT_MS }),
      max: size,
      connectionTimeoutMillis: 10_000,
    });
    this.pool.on('error', () => undefined);
  }

  /**
   * Runs `work` holding `unitIds` exclusively and `sharedIds` shared (a unit in both is held
   * exclusively): commands that only read where a unit stands share its lock; commands that
   * move it take it alone. `work` is handed the revisions of `streams` as they stand once the
   * locks are held (null for an absent stream), when this database can tell them; else null.
   */
  async withLocks<T>(
    unitIds: readonly string[],
    work: (revisions: Map<string, bigint | null> | null) => Promise<T>,
    sharedIds: readonly string[] = [],
    streams: readonly string[] = [],
  ): Promise<T> {
    const exclusive = new Set(unitIds);
    const all = [...new Set([...unitIds, ...sharedIds])].sort();
    if (all.length === 0) return work(null);
    const readRevisions = this.readsStreamRevisions && streams.length > 0;
    const client = await this.pool.connect();
    let healthy = true;
    let revisions: Map<string, bigint | null> | null = null;
    try {
      // Always in the order of the lock keys (ids sharing a key are one lock, exclusive if any
      // is), so that two commands locking the same units cannot deadlock; one statement
      // (command_lock) takes them one after the other. A wait past lock_timeout ends in UnitsBusyError.
      const rows = await client.query<{ stream: string; revision: string }>('SELECT stream, revision FROM command_lock($1, $2, $3, $4)', [
        LOCK_CLASS,
        all,
        all.map((id) => exclusive.has(id)),
        readRevisions ? [...new Set(streams)] : [],
      ]);
      if (readRevisions) {
        revisions = new Map<string, bigint | null>(streams.map((s) => [s, null]));
        for (const row of rows.rows) revisions.set(row.stream, BigInt(row.revision));
      }
    } catch (error) {
      healthy = false;
      client.release(true);
      if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) throw new UnitsBusyError();
      throw error;
    }
    try {
      return await work(revisions);
    } finally {
      try {
        await client.query('SELECT pg_advisory_unlock_all()');
      } catch {
        healthy = false;
      }
      // A connection whose unlock failed is dropped: closing it releases whatever it held.
      client.release(healthy ? undefined : true);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
