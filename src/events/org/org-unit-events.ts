import { z } from 'zod';
import { businessDate, defineEvent, type EventOf, id, text } from '../event-definition.js';

/** Levels of the union hierarchy, from the top. */
export const ORG_LEVELS = ['national', 'provincial', 'district', 'grassroots'] as const;
export type OrgLevel = (typeof ORG_LEVELS)[number];

/** Kinds of unit and the level each stands at (DOMAIN.md §2). */
export const ORG_UNIT_KIND_LEVELS = {
  confederation: 'national',
  provincial_federation: 'provincial',
  central_sector_union: 'provincial',
  corporation_union: 'provincial',
  district_federation: 'district',
  local_sector_union: 'district',
  industrial_zone_union: 'district',
  commune_union: 'district',
  grassroots_union: 'grassroots',
} as const satisfies Record<string, OrgLevel>;
export type OrgUnitKind = keyof typeof ORG_UNIT_KIND_LEVELS;
export const ORG_UNIT_KINDS = Object.keys(ORG_UNIT_KIND_LEVELS) as OrgUnitKind[];

export function levelOfKind(kind: OrgUnitKind): OrgLevel {
  return ORG_UNIT_KIND_LEVELS[kind];
}

/** Rank of a level: 0 for national, growing downwards. */
export function levelRank(level: OrgLevel): number {
  return ORG_LEVELS.indexOf(level);
}

export const ORG_UNIT_CATEGORY = 'orgUnit';
export const orgUnitStream = (unitId: string): string => `${ORG_UNIT_CATEGORY}-${unitId}`;

/** A unit comes into being under a parent (or at the top), on `establishedOn`. */
export const OrgUnitEstablished = defineEvent({
  type: 'OrgUnitEstablished',
  schemaVersion: 2,
  schema: z.strictObject({
    unitId: id(),
    code: text(64),
    name: text(300),
    kind: z.enum(ORG_UNIT_KINDS as [OrgUnitKind, ...OrgUnitKind[]]),
    level: z.enum(ORG_LEVELS),
    parentId: id().nullable(),
    establishedOn: businessDate(),
  }),
  occurredOn: (d) => d.establishedOn,
  // Version 2 always carries the level; a version 1 payload without one takes its kind's.
  upcasters: [(v1) => ({ ...v1, level: v1['level'] ?? levelOfKind(v1['kind'] as OrgUnitKind) })],
});
export type OrgUnitEstablished = EventOf<typeof OrgUnitEstablished>;

export const OrgUnitRenamed = defineEvent({
  type: 'OrgUnitRenamed',
  schemaVersion: 1,
  schema: z.strictObject({ unitId: id(), name: text(300), previousName: z.string().max(300), effectiveOn: businessDate() }),
  occurredOn: (d) => d.effectiveOn,
  upcasters: [],
});
export type OrgUnitRenamed = EventOf<typeof OrgUnitRenamed>;

export const OrgUnitTransferred = defineEvent({
  type: 'OrgUnitTransferred',
  schemaVersion: 1,
  schema: z.strictObject({ unitId: id(), fromParentId: id().nullable(), toParentId: id(), effectiveOn: businessDate() }),
  occurredOn: (d) => d.effectiveOn,
  upcasters: [],
});
export type OrgUnitTransferred = EventOf<typeof OrgUnitTransferred>;

/** The unit ceases on `effectiveOn`; its members and child units continue under `intoUnitId`. */
export const OrgUnitMerged = defineEvent({
  type: 'OrgUnitMerged',
  schemaVersion: 1,
  schema: z.strictObject({ unitId: id(), intoUnitId: id(), effectiveOn: businessDate() }),
  occurredOn: (d) => d.effectiveOn,
  upcasters: [],
});
export type OrgUnitMerged = EventOf<typeof OrgUnitMerged>;

/** The unit ceases on `effectiveOn`; the membership of its members ends with it. */
export const OrgUnitTerminated = defineEvent({
  type: 'OrgUnitTerminated',
  schemaVersion: 1,
  schema: z.strictObject({ unitId: id(), effectiveOn: businessDate(), reason: text(2000) }),
  occurredOn: (d) => d.effectiveOn,
  upcasters: [],
});
export type OrgUnitTerminated = EventOf<typeof OrgUnitTerminated>;

export const ORG_UNIT_EVENTS = [OrgUnitEstablished, OrgUnitRenamed, OrgUnitTransferred, OrgUnitMerged, OrgUnitTerminated] as const;
export type OrgUnitEvent = EventOf<(typeof ORG_UNIT_EVENTS)[number]>;
