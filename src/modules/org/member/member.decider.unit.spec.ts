import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '../../../../test/support/given-when-then.js';
import type { MemberEvent } from '../../../events/org/member-events.js';
import type { OrgUnitEvent, OrgUnitKind } from '../../../events/org/org-unit-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import {
  decideMember,
  evolveMember,
  initialMemberState,
  type MemberCommand,
  type MemberContext,
  type MemberState,
} from './member.decider.js';
import { evolveOrgUnit, initialOrgUnitState, type OrgUnitState } from '../org-unit/org-unit.decider.js';

// ---- fixed ids -------------------------------------------------------------
const MEMBER = '10000000-0000-4000-8000-000000000001';
const PROVINCE = '20000000-0000-4000-8000-000000000001';
const DISTRICT = '20000000-0000-4000-8000-000000000002';
const GRASSROOTS_A = '20000000-0000-4000-8000-000000000003';
const GRASSROOTS_B = '20000000-0000-4000-8000-000000000004';
const GRASSROOTS_C = '20000000-0000-4000-8000-000000000005';
const UNKNOWN = '20000000-0000-4000-8000-0000000000ff';

// ---- org unit fixtures ---------------------------------------------------------
const unit = (events: readonly OrgUnitEvent[]): OrgUnitState => events.reduce(evolveOrgUnit, initialOrgUnitState());

const establishedUnit = (unitId: string, kind: OrgUnitKind, level: 'district' | 'grassroots', establishedOn = '2020-01-01'): OrgUnitEvent => ({
  type: 'OrgUnitEstablished',
  data: { unitId, code: `U-${unitId.slice(-2)}`, name: `Unit ${unitId.slice(-2)}`, kind, level, parentId: PROVINCE, establishedOn },
});

const grassroots = (unitId: string, establishedOn = '2020-01-01'): OrgUnitEvent => establishedUnit(unitId, 'grassroots_union', 'grassroots', establishedOn);

const unitTerminated = (unitId: string, effectiveOn: string): OrgUnitEvent => ({
  type: 'OrgUnitTerminated',
  data: { unitId, effectiveOn, reason: 'dissolved' },
});

const unitMerged = (unitId: string, intoUnitId: string, effectiveOn: string): OrgUnitEvent => ({
  type: 'OrgUnitMerged',
  data: { unitId, intoUnitId, effectiveOn },
});

const NO_UNIT: OrgUnitState = { exists: false };

/** Context: the target unit, and the member's own unit as resolved on the date. */
const ctx = (targetUnit: OrgUnitState, membershipUnitId = GRASSROOTS_A, endedOn: string | null = null): MemberContext => ({
  targetUnit,
  membership: { unitId: membershipUnitId, endedOn },
});

// ---- member event builders -----------------------------------------------------
const enrolled = (unitId = GRASSROOTS_A, joinedOn = '2024-05-01'): MemberEvent => ({
  type: 'MemberEnrolled',
  data: { memberId: MEMBER, unitId, fullName: 'Nguyễn Văn A', memberCode: 'M-0001', joinedOn },
});

const memberTransferred = (fromUnitId: string, toUnitId: string, effectiveOn: string): MemberEvent => ({
  type: 'MemberTransferred',
  data: { memberId: MEMBER, fromUnitId, toUnitId, effectiveOn },
});

const left = (unitId: string, effectiveOn: string, reason = 'retired'): MemberEvent => ({
  type: 'MemberLeft',
  data: { memberId: MEMBER, unitId, effectiveOn, reason },
});

// ---- given / when / then ---------------------------------------------------

const fold = (events: readonly MemberEvent[]): MemberState => events.reduce(evolveMember, initialMemberState());

const given = deciderSpec(fold, decideMember);

// ---- enrol -------------------------------------------------------------------
describe('EnrolMember', () => {
  const enrol = (unitId = GRASSROOTS_A, joinedOn = '2024-05-01'): MemberCommand => ({
    type: 'EnrolMember',
    memberId: MEMBER,
    unitId,
    fullName: 'Nguyễn Văn A',
    memberCode: 'M-0001',
    joinedOn,
  });

  it('enrols into an active grassroots unit', () => {
    given([])
      .when(enrol(), ctx(unit([grassroots(GRASSROOTS_A)])))
      .then([enrolled(GRASSROOTS_A, '2024-05-01')]);
  });

  it('enrols on the day the unit is established', () => {
    given([])
      .when(enrol(GRASSROOTS_A, '2024-05-01'), ctx(unit([grassroots(GRASSROOTS_A, '2024-05-01')])))
      .then([enrolled(GRASSROOTS_A, '2024-05-01')]);
  });

  it('refuses an unknown unit', () => {
    given([]).when(enrol(UNKNOWN), ctx(NO_UNIT)).thenThrows(RuleViolation, 'org_unit.unknown_unit', 'unitId');
  });

  it('refuses a district unit', () => {
    given([])
      .when(enrol(DISTRICT), ctx(unit([establishedUnit(DISTRICT, 'commune_union', 'district')])))
      .thenThrows(RuleViolation, 'member.unit_not_grassroots', 'unitId');
  });

  it('refuses a unit not yet established on joinedOn', () => {
    given([])
      .when(enrol(GRASSROOTS_A, '2024-05-01'), ctx(unit([grassroots(GRASSROOTS_A, '2025-07-01')])))
      .thenThrows(RuleViolation, 'member.unit_not_active', 'unitId');
  });

  it('refuses a unit terminated on or before joinedOn', () => {
    given([])
      .when(enrol(GRASSROOTS_A, '2025-07-01'), ctx(unit([grassroots(GRASSROOTS_A), unitTerminated(GRASSROOTS_A, '2025-07-01')])))
      .thenThrows(RuleViolation, 'member.unit_not_active', 'unitId');
  });

  it('refuses a unit merged away before joinedOn', () => {
    given([])
      .when(enrol(GRASSROOTS_A, '2025-07-01'), ctx(unit([grassroots(GRASSROOTS_A), unitMerged(GRASSROOTS_A, GRASSROOTS_B, '2025-01-01')])))
      .thenThrows(RuleViolation, 'member.unit_not_active', 'unitId');
  });

  it('refuses a member that already exists', () => {
    given([enrolled()])
      .when(enrol(GRASSROOTS_B), ctx(unit([grassroots(GRASSROOTS_B)])))
      .thenThrows(RuleViolation, 'member.already_exists', 'memberId');
  });
});

// ---- transfer ----------------------------------------------------------------
describe('TransferMember', () => {
  const transfer = (toUnitId: string, effectiveOn = '2025-07-01', memberId = MEMBER): MemberCommand => ({
    type: 'TransferMember',
    memberId,
    toUnitId,
    effectiveOn,
  });

  it('transfers to an active grassroots unit', () => {
    given([enrolled(GRASSROOTS_A)])
      .when(transfer(GRASSROOTS_B), ctx(unit([grassroots(GRASSROOTS_B)]), GRASSROOTS_A))
      .then([memberTransferred(GRASSROOTS_A, GRASSROOTS_B, '2025-07-01')]);
  });

  it('names as fromUnitId the unit the member reached through a merger', () => {
    // the member enrolled in A; A was merged into B on 2025-01-01, so on 2025-07-01 the member is in B
    given([enrolled(GRASSROOTS_A)])
      .when(transfer(GRASSROOTS_C), ctx(unit([grassroots(GRASSROOTS_C)]), GRASSROOTS_B))
      .then([memberTransferred(GRASSROOTS_B, GRASSROOTS_C, '2025-07-01')]);
  });

  it('allows a transfer when the own unit is terminated only after the date', () => {
    given([enrolled(GRASSROOTS_A)])
      .when(transfer(GRASSROOTS_B, '2025-06-30'), ctx(unit([grassroots(GRASSROOTS_B)]), GRASSROOTS_A, '2025-07-01'))
      .then([memberTransferred(GRASSROOTS_A, GRASSROOTS_B, '2025-06-30')]);
  });

  it('refuses a target that is not grassroots', () => {
    given([enrolled()])
      .when(transfer(DISTRICT), ctx(unit([establishedUnit(DISTRICT, 'district_federation', 'district')])))
      .thenThrows(RuleViolation, 'member.unit_not_grassroots', 'toUnitId');
  });

  it('refuses a terminated target', () => {
    given([enrolled()])
      .when(transfer(GRASSROOTS_B), ctx(unit([grassroots(GRASSROOTS_B), unitTerminated(GRASSROOTS_B, '2025-01-01')])))
      .thenThrows(RuleViolation, 'member.unit_not_active', 'toUnitId');
  });

  it('refuses an unknown target', () => {
    given([enrolled()]).when(transfer(UNKNOWN), ctx(NO_UNIT)).thenThrows(RuleViolation, 'org_unit.unknown_unit', 'toUnitId');
  });

  it('refuses the unit the member is already in', () => {
    given([enrolled(GRASSROOTS_A)])
      .when(transfer(GRASSROOTS_A), ctx(unit([grassroots(GRASSROOTS_A)]), GRASSROOTS_A))
      .thenThrows(RuleViolation, 'member.same_unit', 'toUnitId');
  });

  it('refuses the unit the member already reached through a merger', () => {
    given([enrolled(GRASSROOTS_A)])
      .when(transfer(GRASSROOTS_B), ctx(unit([grassroots(GRASSROOTS_B)]), GRASSROOTS_B))
      .thenThrows(RuleViolation, 'member.same_unit', 'toUnitId');
  });

  it('refuses a member who left', () => {
    given([enrolled(), left(GRASSROOTS_A, '2025-01-01')])
      .when(transfer(GRASSROOTS_B), ctx(unit([grassroots(GRASSROOTS_B)])))
      .thenThrows(RuleViolation, 'member.already_left');
  });

  it('refuses when the membership ended by termination on the date', () => {
    given([enrolled()])
      .when(transfer(GRASSROOTS_B, '2025-07-01'), ctx(unit([grassroots(GRASSROOTS_B)]), GRASSROOTS_A, '2025-07-01'))
      .thenThrows(RuleViolation, 'member.unit_terminated', 'effectiveOn');
  });

  it('refuses when the membership ended by termination before the date', () => {
    given([enrolled()])
      .when(transfer(GRASSROOTS_B, '2025-07-01'), ctx(unit([grassroots(GRASSROOTS_B)]), GRASSROOTS_A, '2025-01-01'))
      .thenThrows(RuleViolation, 'member.unit_terminated', 'effectiveOn');
  });

  it('refuses a date before the latest recorded change', () => {
    given([enrolled(GRASSROOTS_A), memberTransferred(GRASSROOTS_A, GRASSROOTS_B, '2025-07-01')])
      .when(transfer(GRASSROOTS_C, '2024-05-01'), ctx(unit([grassroots(GRASSROOTS_C)]), GRASSROOTS_B))
      .thenThrows(RuleViolation, 'member.change_predates_history', 'effectiveOn');
  });

  it('refuses a date before joining', () => {
    given([enrolled(GRASSROOTS_A, '2024-05-01')])
      .when(transfer(GRASSROOTS_B, '2024-04-30'), ctx(unit([grassroots(GRASSROOTS_B)]), GRASSROOTS_A))
      .thenThrows(RuleViolation, 'member.change_predates_history', 'effectiveOn');
  });

  it('accepts a transfer dated on the joining day (not before the latest change)', () => {
    given([enrolled(GRASSROOTS_A, '2024-05-01')])
      .when(transfer(GRASSROOTS_B, '2024-05-01'), ctx(unit([grassroots(GRASSROOTS_B)]), GRASSROOTS_A))
      .then([memberTransferred(GRASSROOTS_A, GRASSROOTS_B, '2024-05-01')]);
  });

  it('accepts a transfer dated on the day of the latest recorded change', () => {
    given([enrolled(GRASSROOTS_A), memberTransferred(GRASSROOTS_A, GRASSROOTS_B, '2025-07-01')])
      .when(transfer(GRASSROOTS_C, '2025-07-01'), ctx(unit([grassroots(GRASSROOTS_C)]), GRASSROOTS_B))
      .then([memberTransferred(GRASSROOTS_B, GRASSROOTS_C, '2025-07-01')]);
  });

  it('reports an unknown member as NotFound', () => {
    given([])
      .when(transfer(GRASSROOTS_B), ctx(unit([grassroots(GRASSROOTS_B)])))
      .thenThrows(NotFound, 'member.not_found');
  });
});

// ---- remove ------------------------------------------------------------------
describe('LeaveMember', () => {
  const remove = (effectiveOn = '2025-07-01', memberId = MEMBER): MemberCommand => ({
    type: 'LeaveMember',
    memberId,
    effectiveOn,
    reason: 'public-sector union dissolved',
  });

  it('removes the member from their own unit', () => {
    given([enrolled(GRASSROOTS_A)])
      .when(remove(), ctx(NO_UNIT, GRASSROOTS_A))
      .then([left(GRASSROOTS_A, '2025-07-01', 'public-sector union dissolved')]);
  });

  it('names in MemberLeft the unit resolved through mergers', () => {
    given([enrolled(GRASSROOTS_A)])
      .when(remove(), ctx(NO_UNIT, GRASSROOTS_B))
      .then([left(GRASSROOTS_B, '2025-07-01', 'public-sector union dissolved')]);
  });

  it('refuses removing twice', () => {
    given([enrolled(), left(GRASSROOTS_A, '2025-07-01')])
      .when(remove('2025-08-01'), ctx(NO_UNIT, GRASSROOTS_A))
      .thenThrows(RuleViolation, 'member.already_left');
  });

  it('refuses a date before the latest recorded change', () => {
    given([enrolled(GRASSROOTS_A), memberTransferred(GRASSROOTS_A, GRASSROOTS_B, '2025-07-01')])
      .when(remove('2024-05-01'), ctx(NO_UNIT, GRASSROOTS_B))
      .thenThrows(RuleViolation, 'member.change_predates_history', 'effectiveOn');
  });

  it('accepts leaving on the joining day (not before the latest change)', () => {
    given([enrolled(GRASSROOTS_A, '2024-05-01')])
      .when(remove('2024-05-01'), ctx(NO_UNIT, GRASSROOTS_A))
      .then([left(GRASSROOTS_A, '2024-05-01', 'public-sector union dissolved')]);
  });

  it('accepts leaving on the day of the latest recorded change', () => {
    given([enrolled(GRASSROOTS_A), memberTransferred(GRASSROOTS_A, GRASSROOTS_B, '2025-07-01')])
      .when(remove('2025-07-01'), ctx(NO_UNIT, GRASSROOTS_B))
      .then([left(GRASSROOTS_B, '2025-07-01', 'public-sector union dissolved')]);
  });

  it('reports an unknown member as NotFound', () => {
    given([]).when(remove(), ctx(NO_UNIT)).thenThrows(NotFound, 'member.not_found');
  });
});

// ---- evolve ------------------------------------------------------------------
describe('evolveMember', () => {
  it('folds enrolment, transfer and leaving', () => {
    expect(fold([enrolled(GRASSROOTS_A, '2024-05-01'), memberTransferred(GRASSROOTS_A, GRASSROOTS_B, '2025-01-01'), left(GRASSROOTS_B, '2025-07-01')])).toEqual({
      exists: true,
      memberId: MEMBER,
      unitId: GRASSROOTS_B,
      fullName: 'Nguyễn Văn A',
      memberCode: 'M-0001',
      joinedOn: '2024-05-01',
      leftOn: '2025-07-01',
      lastChangeOn: '2025-07-01',
    });
  });

  it.each<[string, MemberEvent]>([
    ['MemberTransferred', memberTransferred(GRASSROOTS_A, GRASSROOTS_B, '2025-01-01')],
    ['MemberLeft', left(GRASSROOTS_A, '2025-01-01')],
  ])('never throws on %s for a member that does not exist', (_type, event) => {
    expect(evolveMember(initialMemberState(), event)).toEqual({ exists: false });
  });
});
