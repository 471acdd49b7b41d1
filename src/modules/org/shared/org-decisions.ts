import type { MemberEvent } from '../../../events/org/member-events.js';
import { memberStream } from '../../../events/org/member-events.js';
import { orgUnitStream, type OrgUnitEvent } from '../../../events/org/org-unit-events.js';
import type { StreamDecision } from '../../../infrastructure/commands/command-executor.js';
import { evolveMember, initialMemberState, type MemberState } from '../domain/member.decider.js';
import { evolveOrgUnit, initialOrgUnitState, type OrgUnitState } from '../domain/org-unit.decider.js';

type Decide<S, E> = (state: S) => Promise<E[]> | E[];

/** A decision on one org unit's stream. */
export function onOrgUnit(unitId: string, decide: Decide<OrgUnitState, OrgUnitEvent>): StreamDecision<OrgUnitState, OrgUnitEvent> {
  return { stream: orgUnitStream(unitId), id: unitId, initialState: initialOrgUnitState, evolve: evolveOrgUnit, decide };
}

/** A decision on one member's stream. */
export function onMember(memberId: string, decide: Decide<MemberState, MemberEvent>): StreamDecision<MemberState, MemberEvent> {
  return { stream: memberStream(memberId), id: memberId, initialState: initialMemberState, evolve: evolveMember, decide };
}
