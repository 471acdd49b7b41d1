import pg from 'pg';

/** Advisory lock class ('OU') of commands whose rules span several org units. */
const LOCK_CLASS = 0x4f55;
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

  constructor(connectionString: string, size = 20) {
    // A command waits for its units at most LOCK_TIMEOUT: a unit held long by another cannot
    // make every waiting command hold a connection of this pool indefinitely.
    this.pool = new pg.Pool({ connectionString, max: size, connectionTimeoutMillis: 10_000, options: `-c lock_timeout=${LOCK_TIMEOUT_MS}` });
    this.pool.on('error', () => undefined);
  }

  /**
   * Runs `work` holding `unitIds` exclusively and `sharedIds` shared (a unit in both is held
   * exclusively): commands that only read where a unit stands share its lock; commands that
   * move it take it alone.
   */
  async withLocks<T>(unitIds: readonly string[], work: () => Promise<T>, sharedIds: readonly string[] = []): Promise<T> {
    const exclusive = new Set(unitIds);
    const all = [...new Set([...unitIds, ...sharedIds])].sort();
    if (all.length === 0) return work();
    const client = await this.pool.connect();
    let healthy = true;
    try {
      // Always in the order of the lock keys (ids sharing a key are one lock, exclusive if any
      // is), so that two commands locking the same units cannot deadlock; one statement takes
      // them one after the other. A wait past lock_timeout ends in UnitsBusyError.
      await client.query(
        `SELECT CASE WHEN k.exclusive THEN pg_advisory_lock($1, k.key) ELSE pg_advisory_lock_shared($1, k.key) END
           FROM (SELECT hashtext(t.id) AS key, bool_or(t.exclusive) AS exclusive
                   FROM unnest($2::text[], $3::boolean[]) AS t(id, exclusive)
                  GROUP BY 1 ORDER BY 1) k`,
        [LOCK_CLASS, all, all.map((id) => exclusive.has(id))],
      );
    } catch (error) {
      healthy = false;
      client.release(true);
      if ((error as { code?: unknown }).code === LOCK_NOT_AVAILABLE) throw new UnitsBusyError();
      throw error;
    }
    try {
      return await work();
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
