import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../infrastructure/event-store/event-store.port.js';

/** A projection's table of stream revisions: a plain identifier (it is written into the SQL). */
const TABLE_NAME = /^[a-z_][a-z0-9_]*_stream_revisions$/;

/**
 * Drops the events a projection has already applied (by stream revision) and records the
 * new high-water marks, so replaying an event is a no-op even outside checkpoint order. One
 * statement: it reads the marks as they were and raises them (never lowers them) at once.
 * `table` is the projection's own table of marks (`stream`, `revision`), one of its tables,
 * named unqualified so that a rebuild reads and writes its copy.
 */
export async function unappliedEvents<E extends Pick<StoredEvent, 'stream' | 'streamRevision'>>(
  manager: EntityManager,
  table: string,
  events: readonly E[],
): Promise<E[]> {
  if (!TABLE_NAME.test(table)) throw new Error(`"${table}" is not a table of stream revisions (<projection>_stream_revisions)`);
  if (events.length === 0) return [];
  const rows: { stream: string; revision: string }[] = await manager.query(
    `WITH prior AS (
       SELECT stream, revision FROM ${table} WHERE stream = ANY($1::text[])),
     raised AS (
       INSERT INTO ${table} AS marks (stream, revision)
       SELECT u.s, max(u.r) FROM unnest($1::text[], $2::bigint[]) AS u(s, r) GROUP BY u.s
       ON CONFLICT (stream) DO UPDATE SET revision = excluded.revision
        WHERE marks.revision < excluded.revision)
     SELECT stream, revision FROM prior`,
    [events.map((e) => e.stream), events.map((e) => e.streamRevision.toString())],
  );
  const applied = new Map(rows.map((r) => [r.stream, BigInt(r.revision)]));
  const fresh: E[] = [];
  for (const event of events) {
    const last = applied.get(event.stream);
    if (last !== undefined && event.streamRevision <= last) continue;
    applied.set(event.stream, event.streamRevision);
    fresh.push(event);
  }
  return fresh;
}
