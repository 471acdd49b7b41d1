import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../infrastructure/event-store/event-store.port.js';

/**
 * Drops the events a projection has already applied (by stream revision) and records the
 * new high-water marks, so replaying an event is a no-op even outside checkpoint order. One
 * statement: it reads the marks as they were and raises them (never lowers them) at once.
 */
export async function unappliedEvents<E extends Pick<StoredEvent, 'stream' | 'streamRevision'>>(
  manager: EntityManager,
  projection: string,
  events: readonly E[],
): Promise<E[]> {
  if (events.length === 0) return [];
  const rows: { stream: string; revision: string }[] = await manager.query(
    `WITH prior AS (
       SELECT stream, revision FROM projected_stream_revisions WHERE projection = $1 AND stream = ANY($2::text[])),
     raised AS (
       INSERT INTO projected_stream_revisions (projection, stream, revision)
       SELECT $1, u.s, max(u.r) FROM unnest($2::text[], $3::bigint[]) AS u(s, r) GROUP BY u.s
       ON CONFLICT (projection, stream) DO UPDATE SET revision = excluded.revision
        WHERE projected_stream_revisions.revision < excluded.revision)
     SELECT stream, revision FROM prior`,
    [projection, events.map((e) => e.stream), events.map((e) => e.streamRevision.toString())],
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

export async function forgetStreamRevisions(manager: EntityManager, projection: string): Promise<void> {
  await manager.query(`DELETE FROM projected_stream_revisions WHERE projection = $1`, [projection]);
}
