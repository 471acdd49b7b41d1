import { type MemberEvent, MEMBER_EVENT_TYPES, memberEventDate } from './org/member-events.js';
import { type OrgUnitEvent, ORG_UNIT_EVENT_TYPES, orgUnitEventDate } from './org/org-unit-events.js';

/** Every domain event the service writes. */
export type DomainEvent = OrgUnitEvent | MemberEvent;

/** Current schema version of each stored type string; an upcaster lifts older versions. */
export const SCHEMA_VERSIONS: Record<DomainEvent['type'], number> = {
  OrgUnitEstablished: 1,
  OrgUnitRenamed: 1,
  OrgUnitTransferred: 1,
  OrgUnitMerged: 1,
  OrgUnitTerminated: 1,
  MemberEnrolled: 1,
  MemberTransferred: 1,
  MemberLeft: 1,
};

const ORG = new Set<string>(ORG_UNIT_EVENT_TYPES);
const MEMBER = new Set<string>(MEMBER_EVENT_TYPES);

export function isOrgUnitEvent(event: { type: string }): event is OrgUnitEvent {
  return ORG.has(event.type);
}

export function isMemberEvent(event: { type: string }): event is MemberEvent {
  return MEMBER.has(event.type);
}

/** The business date of a domain event (`occurredOn` of its envelope). */
export function occurredOn(event: DomainEvent): string | null {
  if (isOrgUnitEvent(event)) return orgUnitEventDate(event);
  if (isMemberEvent(event)) return memberEventDate(event);
  return null;
}
