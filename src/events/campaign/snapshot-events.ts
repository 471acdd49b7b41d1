import { z } from 'zod';
import { businessDate, defineEvent, type EventOf, id } from '../event-definition.js';

export const PERIOD_SNAPSHOT_CATEGORY = 'periodSnapshot';
export const periodSnapshotStream = (snapshotId: string): string => `${PERIOD_SNAPSHOT_CATEGORY}-${snapshotId}`;

/** How `contentHash` is computed: SHA-256 over the RFC 8785 canonical JSON of `document`, in lower-case hex. */
export const SNAPSHOT_HASH_ALGORITHM = 'sha256-jcs';

/**
 * The compliance of a subtree as of a date and as known at a position, sealed: the document
 * itself, its hash, the position it reflects. The document can be recomputed from the events
 * up to that position and must come out identical.
 */
export const PeriodSnapshotSealed = defineEvent({
  type: 'PeriodSnapshotSealed',
  schemaVersion: 1,
  schema: z.strictObject({
    snapshotId: id(),
    campaignId: id(),
    unitId: id(),
    asOf: businessDate(),
    /** The knowledge time asked for; null: as known when sealed. */
    knownAt: z.iso.datetime({ offset: true }).nullable(),
    /** The log position the document reflects. */
    position: z.string().regex(/^\d{1,19}$/),
    /** Where to resume reading the log right after that position (null when not known). */
    logCursor: z.string().min(1).max(100).nullable(),
    sealedOn: businessDate(),
    hashAlgorithm: z.literal(SNAPSHOT_HASH_ALGORITHM),
    contentHash: z.string().regex(/^[0-9a-f]{64}$/),
    document: z.record(z.string(), z.unknown()),
  }),
  occurredOn: (d) => d.sealedOn,
  upcasters: [],
});
export type PeriodSnapshotSealed = EventOf<typeof PeriodSnapshotSealed>;

export const PERIOD_SNAPSHOT_EVENTS = [PeriodSnapshotSealed] as const;
export type PeriodSnapshotEvent = EventOf<(typeof PERIOD_SNAPSHOT_EVENTS)[number]>;
