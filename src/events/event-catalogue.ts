import { CAMPAIGN_PLAN_EVENTS, type CampaignPlanEvent } from './campaign/campaign-events.js';
import { COMMENDATION_EVENTS, type CommendationEvent } from './campaign/commendation-events.js';
import { PLEDGE_EVENTS, PLEDGE_SLOT_EVENTS, type PledgeEvent, type PledgeSlotEvent } from './campaign/pledge-events.js';
import { REPORT_EVENTS, REPORT_SLOT_EVENTS, type ReportEvent, type ReportSlotEvent } from './campaign/report-events.js';
import { PERIOD_SNAPSHOT_EVENTS, type PeriodSnapshotEvent } from './campaign/snapshot-events.js';
import { STUDY_SESSION_EVENTS, type StudySessionEvent } from './campaign/study-session-events.js';
import {
  ACTION_PLAN_EVENTS,
  type ActionPlanEvent,
  CLASSIFICATION_EVENTS,
  type ClassificationEvent,
  IMPLEMENTATION_PLAN_EVENTS,
  type ImplementationPlanEvent,
  INSPECTION_EVENTS,
  type InspectionEvent,
} from './campaign/unit-record-events.js';
import { MEMBER_EVENTS, type MemberEvent } from './org/member-events.js';
import { ORG_UNIT_EVENTS, type OrgUnitEvent } from './org/org-unit-events.js';
import type { AnyEventDefinition } from './event-definition.js';

/** The events of the campaign year. */
export type CampaignEvent =
  | CampaignPlanEvent
  | ImplementationPlanEvent
  | StudySessionEvent
  | PledgeEvent
  | PledgeSlotEvent
  | ActionPlanEvent
  | ReportEvent
  | ReportSlotEvent
  | CommendationEvent
  | ClassificationEvent
  | InspectionEvent
  | PeriodSnapshotEvent;

/** Every domain event the service writes. */
export type DomainEvent = OrgUnitEvent | MemberEvent | CampaignEvent;
export type DomainEventType = DomainEvent['type'];
/** The event of one type string: its payload type follows from the type. */
export type EventOfType<T extends DomainEventType> = Extract<DomainEvent, { type: T }>;

const DEFINITIONS = [
  ...ORG_UNIT_EVENTS,
  ...MEMBER_EVENTS,
  ...CAMPAIGN_PLAN_EVENTS,
  ...IMPLEMENTATION_PLAN_EVENTS,
  ...STUDY_SESSION_EVENTS,
  ...PLEDGE_EVENTS,
  ...PLEDGE_SLOT_EVENTS,
  ...ACTION_PLAN_EVENTS,
  ...REPORT_EVENTS,
  ...REPORT_SLOT_EVENTS,
  ...COMMENDATION_EVENTS,
  ...CLASSIFICATION_EVENTS,
  ...INSPECTION_EVENTS,
  ...PERIOD_SNAPSHOT_EVENTS,
] as const;

/**
 * The catalogue: one definition for every type of `DomainEvent`, and none for anything else
 * (a missing or extra entry does not compile).
 */
export const EVENT_CATALOGUE = Object.fromEntries(DEFINITIONS.map((d) => [d.type, d])) as {
  readonly [T in DomainEventType]: Extract<(typeof DEFINITIONS)[number], { readonly type: T }>;
};

const BY_TYPE: ReadonlyMap<string, AnyEventDefinition> = new Map(DEFINITIONS.map((d) => [d.type, d as AnyEventDefinition]));
if (BY_TYPE.size !== DEFINITIONS.length) throw new Error('two event definitions share one stored type string');
const definitionOf = (type: string): AnyEventDefinition | undefined => BY_TYPE.get(type);

/** A stored payload that cannot be read as its type's current version (an unknown type, a version from the future, a failing upcaster). */
export class UnreadableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableEventError';
  }
}

/** A writer produced a payload its type's schema refuses: a bug, stopped before it reaches the log. */
export class MalformedEventError extends Error {
  constructor(
    readonly type: string,
    readonly problems: readonly string[],
  ) {
    super(`refused to store a malformed ${type} event: ${problems.join('; ')}`);
    this.name = 'MalformedEventError';
  }
}

/** The current schema version of an event type. */
export const schemaVersionOf = (type: DomainEventType): number => EVENT_CATALOGUE[type].schemaVersion;

/** The business date of a domain event (`occurredOn` of its envelope). */
export function occurredOn(event: DomainEvent): string | null {
  return definitionOf(event.type)!.occurredOn(event.data);
}

/** Checks a payload against its type's schema before it is stored. */
export function assertWellFormed(event: DomainEvent): void {
  const result = definitionOf(event.type)!.schema.safeParse(event.data);
  if (!result.success) {
    throw new MalformedEventError(
      event.type,
      result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : 'data'}: ${i.message}`),
    );
  }
}

/**
 * Reads a stored payload as its type's current version: lifts it through the upcasters from
 * the version it was stored at, and checks the result against the current schema. The one
 * way stored events become domain events, for commands, loaders and projections alike.
 */
export function upcast(type: string, schemaVersion: number, data: object): DomainEvent {
  const definition = definitionOf(type);
  if (!definition) throw new UnreadableEventError(`stored event type "${type}" is not in the event catalogue`);
  const current = definition.schemaVersion;
  if (!Number.isInteger(schemaVersion) || schemaVersion < 1 || schemaVersion > current) {
    throw new UnreadableEventError(`${type} is stored at schema version ${schemaVersion}; this service reads versions 1 to ${current}`);
  }
  if (schemaVersion === current) return { type, data } as DomainEvent;
  let lifted = data as Record<string, unknown>;
  for (let version = schemaVersion; version < current; version++) lifted = definition.upcasters[version - 1]!(lifted);
  const result = definition.schema.safeParse(lifted);
  if (!result.success) {
    throw new UnreadableEventError(`${type} version ${schemaVersion} does not read as version ${current}: ${result.error.issues[0]?.message}`);
  }
  return { type, data: result.data } as DomainEvent;
}
