import pg from 'pg';

/** Advisory lock class ('OU') of commands whose rules span several org units. */
const LOCK_CLASS = 0x4f55;

/**
 * Serialises commands whose rules read another aggregate: placing a unit under a parent and
 * terminating that parent, enrolling into a unit and terminating it. Each command holds the
 * locks of the units its rule reads, from loading to appending, on a connection of its own
 * (shared by every instance through PostgreSQL).
 */
export class UnitLocks {
  private readonly pool: pg.Pool;

  constructor(connectionString: string, size = 20) {
    this.pool = new pg.Pool({ connectionString, max: size, connectionTimeoutMillis: 10_000 });
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
      // Always in the same order, so that two commands locking the same units cannot deadlock:
      // one statement takes them one after the other, in the order of the sorted array.
      await client.query(
        `SELECT CASE WHEN t.exclusive THEN pg_advisory_lock($1, hashtext(t.id)) ELSE pg_advisory_lock_shared($1, hashtext(t.id)) END
           FROM unnest($2::text[], $3::boolean[]) WITH ORDINALITY AS t(id, exclusive, n)
          ORDER BY t.n`,
        [LOCK_CLASS, all, all.map((id) => exclusive.has(id))],
      );
    } catch (error) {
      healthy = false;
      client.release(true);
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
