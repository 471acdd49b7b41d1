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

export interface OrgUnitEstablished {
  readonly type: 'OrgUnitEstablished';
  readonly data: {
    readonly unitId: string;
    readonly code: string;
    readonly name: string;
    readonly kind: OrgUnitKind;
    readonly level: OrgLevel;
    readonly parentId: string | null;
    readonly establishedOn: string;
  };
}

export interface OrgUnitRenamed {
  readonly type: 'OrgUnitRenamed';
  readonly data: { readonly unitId: string; readonly name: string; readonly previousName: string; readonly effectiveOn: string };
}

export interface OrgUnitTransferred {
  readonly type: 'OrgUnitTransferred';
  readonly data: {
    readonly unitId: string;
    readonly fromParentId: string | null;
    readonly toParentId: string;
    readonly effectiveOn: string;
  };
}

/** The unit ceases on `effectiveOn`; its members and child units continue under `intoUnitId`. */
export interface OrgUnitMerged {
  readonly type: 'OrgUnitMerged';
  readonly data: { readonly unitId: string; readonly intoUnitId: string; readonly effectiveOn: string };
}

/** The unit ceases on `effectiveOn`; the membership of its members ends with it. */
export interface OrgUnitTerminated {
  readonly type: 'OrgUnitTerminated';
  readonly data: { readonly unitId: string; readonly effectiveOn: string; readonly reason: string };
}

export type OrgUnitEvent = OrgUnitEstablished | OrgUnitRenamed | OrgUnitTransferred | OrgUnitMerged | OrgUnitTerminated;

export const ORG_UNIT_EVENT_TYPES = [
  'OrgUnitEstablished',
  'OrgUnitRenamed',
  'OrgUnitTransferred',
  'OrgUnitMerged',
  'OrgUnitTerminated',
] as const satisfies readonly OrgUnitEvent['type'][];

/** The business date an org unit event takes effect on. */
export function orgUnitEventDate(event: OrgUnitEvent): string {
  switch (event.type) {
    case 'OrgUnitEstablished':
      return event.data.establishedOn;
    case 'OrgUnitRenamed':
    case 'OrgUnitTransferred':
    case 'OrgUnitMerged':
    case 'OrgUnitTerminated':
      return event.data.effectiveOn;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}
