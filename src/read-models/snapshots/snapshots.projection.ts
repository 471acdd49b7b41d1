import type { EntityManager } from 'typeorm';
import type { EventOfType } from '../../events/event-catalogue.js';
import type { StoredDomainEvent } from '../../infrastructure/event-store/domain-events.js';
import type { Projection } from '../../infrastructure/projections/projection.js';
import { unappliedEvents } from '../shared/stream-revisions.js';

export const SNAPSHOTS_PROJECTION = 'snapshots';
const STREAM_REVISIONS = 'snapshots_stream_revisions';
const HANDLES = ['PeriodSnapshotSealed'] as const;

/** Each sealed snapshot as its event has it, with who sealed it and when. */
export class SnapshotsProjection implements Projection<(typeof HANDLES)[number]> {
  readonly name = SNAPSHOTS_PROJECTION;
  readonly handles = HANDLES;
  readonly tables = ['period_snapshots', STREAM_REVISIONS];

  async apply(events: readonly StoredDomainEvent<EventOfType<(typeof HANDLES)[number]>>[], m: EntityManager): Promise<void> {
    for (const e of await unappliedEvents(m, STREAM_REVISIONS, events)) {
      const d = e.data;
      await m.query(
        `INSERT INTO period_snapshots (snapshot_id, campaign_id, unit_id, as_of, known_at, position, log_cursor, content_hash, hash_algorithm, document,
                                       sealed_at, sealed_by, sealed_position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING`,
        [
          d.snapshotId,
          d.campaignId,
          d.unitId,
          d.asOf,
          d.knownAt,
          d.position,
          d.logCursor,
          d.contentHash,
          d.hashAlgorithm,
          JSON.stringify(d.document),
          e.recordedAt,
          JSON.stringify(e.metadata.actor),
          e.position.toString(),
        ],
      );
    }
  }
}
