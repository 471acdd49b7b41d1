import type { MemberEvent } from '../../../events/org/member-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { isActiveOn, type OrgUnitState } from '../org-unit/org-unit.decider.js';

export interface ExistingMember {
  readonly exists: true;
  readonly memberId: string;
  /** The unit named by the member's own latest event (a merger may have moved it since). */
  readonly unitId: string;
  readonly fullName: string;
  readonly memberCode: string;
  readonly joinedOn: string;
  readonly leftOn: string | null;
  readonly lastChangeOn: string;
}

export type MemberState = { readonly exists: false } | ExistingMember;

export const initialMemberState = (): MemberState => ({ exists: false });

export function evolveMember(state: MemberState, event: MemberEvent): MemberState {
  switch (event.type) {
    case 'MemberEnrolled':
      return {
        exists: true,
        memberId: event.data.memberId,
        unitId: event.data.unitId,
        fullName: event.data.fullName,
        memberCode: event.data.memberCode,
        joinedOn: event.data.joinedOn,
        leftOn: null,
        lastChangeOn: event.data.joinedOn,
      };
    case 'MemberTransferred':
      if (!state.exists) return state;
      return { ...state, unitId: event.data.toUnitId, lastChangeOn: event.data.effectiveOn };
    case 'MemberLeft':
      if (!state.exists) return state;
      return { ...state, leftOn: event.data.effectiveOn, lastChangeOn: event.data.effectiveOn };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export interface EnrolMember {
  readonly type: 'EnrolMember';
  readonly memberId: string;
  readonly unitId: string;
  readonly fullName: string;
  readonly memberCode: string;
  readonly joinedOn: string;
}

export interface TransferMember {
  readonly type: 'TransferMember';
  readonly memberId: string;
  readonly toUnitId: string;
  readonly effectiveOn: string;
}

export interface LeaveMember {
  readonly type: 'LeaveMember';
  readonly memberId: string;
  readonly effectiveOn: string;
  readonly reason: string;
}

export type MemberCommand = EnrolMember | TransferMember | LeaveMember;

/**
 * Org facts a member decision needs, loaded by the handler:
 * - `targetUnit`: the unit enrolled into or transferred to;
 * - `membership`: where the member's own unit stands on the effective date after mergers
 *   (`unitId`), or that the membership ended with a termination of the unit (`endedOn`).
 */
export interface MemberContext {
  readonly targetUnit: OrgUnitState;
  readonly membership: { readonly unitId: string; readonly endedOn: string | null };
}

export function decideMember(command: MemberCommand, state: MemberState, context: MemberContext): MemberEvent[] {
  if (command.type === 'EnrolMember') return enrol(command, state, context.targetUnit);
  if (!state.exists) throw new NotFound('member.not_found', `member ${command.memberId} does not exist`);
  const date = command.effectiveOn;
  if (state.leftOn !== null) {
    throw new RuleViolation('member.already_left', `member ${state.memberId} left on ${state.leftOn}`);
  }
  if (context.membership.endedOn !== null && context.membership.endedOn <= date) {
    throw new RuleViolation(
      'member.unit_terminated',
      `the membership of ${state.memberId} ended on ${context.membership.endedOn} with the termination of unit ${context.membership.unitId}`,
      'effectiveOn',
    );
  }
  if (date < state.lastChangeOn) {
    throw new RuleViolation(
      'member.change_predates_history',
      `effectiveOn ${date} is before the member's latest recorded change (${state.lastChangeOn})`,
      'effectiveOn',
    );
  }
  switch (command.type) {
    case 'TransferMember': {
      requireGrassrootsActive(context.targetUnit, command.toUnitId, date, 'toUnitId');
      if (context.membership.unitId === command.toUnitId) {
        throw new RuleViolation('member.same_unit', `member ${state.memberId} is already in unit ${command.toUnitId}`, 'toUnitId');
      }
      return [
        {
          type: 'MemberTransferred',
          data: { memberId: state.memberId, fromUnitId: context.membership.unitId, toUnitId: command.toUnitId, effectiveOn: date },
        },
      ];
    }
    case 'LeaveMember':
      return [
        {
          type: 'MemberLeft',
          data: { memberId: state.memberId, unitId: context.membership.unitId, effectiveOn: date, reason: command.reason },
        },
      ];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function enrol(command: EnrolMember, state: MemberState, unit: OrgUnitState): MemberEvent[] {
  if (state.exists) throw new RuleViolation('member.already_exists', `member ${command.memberId} already exists`, 'memberId');
  requireGrassrootsActive(unit, command.unitId, command.joinedOn, 'unitId');
  return [
    {
      type: 'MemberEnrolled',
      data: {
        memberId: command.memberId,
        unitId: command.unitId,
        fullName: command.fullName,
        memberCode: command.memberCode,
        joinedOn: command.joinedOn,
      },
    },
  ];
}

function requireGrassrootsActive(unit: OrgUnitState, unitId: string, date: string, field: string): void {
  if (!unit.exists) throw new RuleViolation('org_unit.unknown_unit', `org unit ${unitId} does not exist`, field);
  if (unit.level !== 'grassroots') {
    throw new RuleViolation(
      'member.unit_not_grassroots',
      `members belong to grassroots units; ${unitId} is a ${unit.level} unit`,
      field,
    );
  }
  if (!isActiveOn(unit, date)) {
    throw new RuleViolation('member.unit_not_active', `org unit ${unitId} is not active on ${date}`, field);
  }
}
