import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../infrastructure/event-store/event-store.port.js';

/**
 * Drops the events a projection has already applied (by stream revision) and records the
 * new high-water marks, so replaying an event is a no-op even outside checkpoint order.
 */
export async function unappliedEvents<E extends Pick<StoredEvent, 'stream' | 'streamRevision'>>(
  manager: EntityManager,
  projection: string,
  events: readonly E[],
): Promise<E[]> {
  const streams = [...new Set(events.map((e) => e.stream))];
  const rows: { stream: string; revision: string }[] = await manager.query(
    `SELECT stream, revision FROM projected_stream_revisions WHERE projection = $1 AND stream = ANY($2)`,
    [projection, streams],
  );
  const applied = new Map(rows.map((r) => [r.stream, BigInt(r.revision)]));
  const fresh: E[] = [];
  for (const event of events) {
    const last = applied.get(event.stream);
    if (last !== undefined && event.streamRevision <= last) continue;
    applied.set(event.stream, event.streamRevision);
    fresh.push(event);
  }
  if (fresh.length > 0) {
    const latest = new Map(fresh.map((e) => [e.stream, e.streamRevision]));
    await manager.query(
      `INSERT INTO projected_stream_revisions (projection, stream, revision)
       SELECT $1, s, r FROM unnest($2::text[], $3::bigint[]) AS u(s, r)
       ON CONFLICT (projection, stream) DO UPDATE SET revision = excluded.revision`,
      [projection, [...latest.keys()], [...latest.values()].map(String)],
    );
  }
  return fresh;
}

export async function forgetStreamRevisions(manager: EntityManager, projection: string): Promise<void> {
  await manager.query(`DELETE FROM projected_stream_revisions WHERE projection = $1`, [projection]);
}
