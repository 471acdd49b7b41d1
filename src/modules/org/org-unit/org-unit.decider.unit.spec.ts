import { describe, expect, it } from '@jest/globals';
import { deciderSpec } from '../../../../test/support/given-when-then.js';
import type { OrgLevel, OrgUnitEvent, OrgUnitKind } from '../../../events/org/org-unit-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import {
  decideOrgUnit,
  evolveOrgUnit,
  initialOrgUnitState,
  isActiveOn,
  nameOn,
  NO_CONTEXT,
  parentOn,
  type ExistingOrgUnit,
  type OrgUnitCommand,
  type OrgUnitContext,
  type OrgUnitState,
} from './org-unit.decider.js';

// ---- fixed ids -------------------------------------------------------------
const NATIONAL = '00000000-0000-4000-8000-000000000001';
const PROVINCE_A = '00000000-0000-4000-8000-000000000002';
const PROVINCE_B = '00000000-0000-4000-8000-000000000003';
const DISTRICT_A = '00000000-0000-4000-8000-000000000004';
const DISTRICT_B = '00000000-0000-4000-8000-000000000005';
const GRASSROOTS_A = '00000000-0000-4000-8000-000000000006';
const GRASSROOTS_B = '00000000-0000-4000-8000-000000000007';
const UNKNOWN = '00000000-0000-4000-8000-0000000000ff';

// ---- given / when / then ---------------------------------------------------

const fold = (events: readonly OrgUnitEvent[]): OrgUnitState => events.reduce(evolveOrgUnit, initialOrgUnitState());

function existing(events: readonly OrgUnitEvent[]): ExistingOrgUnit {
  const state = fold(events);
  if (!state.exists) throw new Error('test setup: the events do not establish a unit');
  return state;
}

/** Context naming `related` (folded from its events) and its ancestors on the date. */
const relatedTo = (events: readonly OrgUnitEvent[], relatedAncestorIds: readonly string[] = []): OrgUnitContext => ({
  related: fold(events),
  relatedAncestorIds,
});

const givenEvents = deciderSpec(fold, decideOrgUnit);
const given = (events: readonly OrgUnitEvent[]) => ({
  when: (command: OrgUnitCommand, context: OrgUnitContext = NO_CONTEXT) => givenEvents(events).when(command, context),
});

// ---- event builders ----------------------------------------------------------
const LEVEL_OF: Record<OrgUnitKind, OrgLevel> = {
  confederation: 'national',
  provincial_federation: 'provincial',
  central_sector_union: 'provincial',
  corporation_union: 'provincial',
  district_federation: 'district',
  local_sector_union: 'district',
  industrial_zone_union: 'district',
  commune_union: 'district',
  grassroots_union: 'grassroots',
};

const established = (
  unitId: string,
  kind: OrgUnitKind,
  parentId: string | null,
  establishedOn = '2020-01-01',
  name = `Unit ${unitId.slice(-2)}`,
): OrgUnitEvent => ({
  type: 'OrgUnitEstablished',
  data: { unitId, code: `C-${unitId.slice(-2)}`, name, kind, level: LEVEL_OF[kind], parentId, establishedOn },
});

const renamed = (unitId: string, name: string, previousName: string, effectiveOn: string): OrgUnitEvent => ({
  type: 'OrgUnitRenamed',
  data: { unitId, name, previousName, effectiveOn },
});

const transferred = (unitId: string, fromParentId: string | null, toParentId: string, effectiveOn: string): OrgUnitEvent => ({
  type: 'OrgUnitTransferred',
  data: { unitId, fromParentId, toParentId, effectiveOn },
});

const merged = (unitId: string, intoUnitId: string, effectiveOn: string): OrgUnitEvent => ({
  type: 'OrgUnitMerged',
  data: { unitId, intoUnitId, effectiveOn },
});

const terminated = (unitId: string, effectiveOn: string, reason = 'reorganisation'): OrgUnitEvent => ({
  type: 'OrgUnitTerminated',
  data: { unitId, effectiveOn, reason },
});

// frequently used histories
const national = [established(NATIONAL, 'confederation', null)];
const provinceA = [established(PROVINCE_A, 'provincial_federation', NATIONAL)];
const provinceB = [established(PROVINCE_B, 'provincial_federation', NATIONAL)];
const districtA = [established(DISTRICT_A, 'district_federation', PROVINCE_A, '2020-01-01', 'District A')];
const districtB = [established(DISTRICT_B, 'commune_union', PROVINCE_A)];
const grassrootsA = [established(GRASSROOTS_A, 'grassroots_union', DISTRICT_A)];

// ---- establish ---------------------------------------------------------------
describe('EstablishOrgUnit', () => {
  const establish = (unitId: string, kind: OrgUnitKind, parentId: string | null, establishedOn = '2024-05-01'): OrgUnitCommand => ({
    type: 'EstablishOrgUnit',
    unitId,
    code: 'NEW-01',
    name: 'New unit',
    kind,
    parentId,
    establishedOn,
  });
  const establishedNew = (unitId: string, kind: OrgUnitKind, level: OrgLevel, parentId: string | null): OrgUnitEvent => ({
    type: 'OrgUnitEstablished',
    data: { unitId, code: 'NEW-01', name: 'New unit', kind, level, parentId, establishedOn: '2024-05-01' },
  });

  it('establishes a root unit without a parent', () => {
    given([])
      .when(establish(NATIONAL, 'confederation', null))
      .then([establishedNew(NATIONAL, 'confederation', 'national', null)]);
  });

  it('establishes a district unit under an active provincial parent', () => {
    given([])
      .when(establish(DISTRICT_A, 'district_federation', PROVINCE_A), relatedTo(provinceA))
      .then([establishedNew(DISTRICT_A, 'district_federation', 'district', PROVINCE_A)]);
  });

  it('establishes a grassroots unit directly under a provincial parent (variable depth)', () => {
    given([])
      .when(establish(GRASSROOTS_A, 'grassroots_union', PROVINCE_A), relatedTo(provinceA))
      .then([establishedNew(GRASSROOTS_A, 'grassroots_union', 'grassroots', PROVINCE_A)]);
  });

  it('establishes under a parent established on the same date', () => {
    given([])
      .when(establish(DISTRICT_A, 'commune_union', PROVINCE_A), relatedTo([established(PROVINCE_A, 'provincial_federation', NATIONAL, '2024-05-01')]))
      .then([establishedNew(DISTRICT_A, 'commune_union', 'district', PROVINCE_A)]);
  });

  it.each<[OrgUnitKind, OrgLevel]>([
    ['confederation', 'national'],
    ['provincial_federation', 'provincial'],
    ['central_sector_union', 'provincial'],
    ['corporation_union', 'provincial'],
    ['district_federation', 'district'],
    ['local_sector_union', 'district'],
    ['industrial_zone_union', 'district'],
    ['commune_union', 'district'],
    ['grassroots_union', 'grassroots'],
  ])('derives the level of a %s unit: %s', (kind, level) => {
    const parentId = kind === 'confederation' ? null : NATIONAL;
    const context = parentId === null ? NO_CONTEXT : relatedTo(national);
    given([]).when(establish(PROVINCE_B, kind, parentId), context).then([establishedNew(PROVINCE_B, kind, level, parentId)]);
  });

  it('refuses an unknown parent', () => {
    given([])
      .when(establish(DISTRICT_A, 'district_federation', UNKNOWN), NO_CONTEXT)
      .thenThrows(RuleViolation, 'org_unit.unknown_unit', 'parentId');
  });

  it('refuses a parent terminated before the date', () => {
    given([])
      .when(establish(DISTRICT_A, 'district_federation', PROVINCE_A), relatedTo([...provinceA, terminated(PROVINCE_A, '2024-01-01')]))
      .thenThrows(RuleViolation, 'org_unit.parent_not_active', 'parentId');
  });

  it('refuses a parent terminated on the date', () => {
    given([])
      .when(establish(DISTRICT_A, 'district_federation', PROVINCE_A), relatedTo([...provinceA, terminated(PROVINCE_A, '2024-05-01')]))
      .thenThrows(RuleViolation, 'org_unit.parent_not_active', 'parentId');
  });

  it('refuses a parent merged into another unit', () => {
    given([])
      .when(establish(DISTRICT_A, 'district_federation', PROVINCE_A), relatedTo([...provinceA, merged(PROVINCE_A, PROVINCE_B, '2024-03-01')]))
      .thenThrows(RuleViolation, 'org_unit.parent_not_active', 'parentId');
  });

  it('refuses a parent not yet established on the date', () => {
    given([])
      .when(establish(DISTRICT_A, 'district_federation', PROVINCE_A), relatedTo([established(PROVINCE_A, 'provincial_federation', NATIONAL, '2025-07-01')]))
      .thenThrows(RuleViolation, 'org_unit.parent_not_active', 'parentId');
  });

  it.each<[string, OrgUnitKind, readonly OrgUnitEvent[]]>([
    ['grassroots under grassroots', 'grassroots_union', grassrootsA],
    ['district under district', 'local_sector_union', districtA],
    ['provincial under provincial', 'central_sector_union', provinceA],
    ['national under national', 'confederation', national],
    ['district under grassroots (lower level)', 'commune_union', grassrootsA],
    ['provincial under district (lower level)', 'provincial_federation', districtA],
  ])('refuses a parent of the same or a lower level: %s', (_label, kind, parentEvents) => {
    const parent = existing(parentEvents);
    given([])
      .when(establish(GRASSROOTS_B, kind, parent.unitId), relatedTo(parentEvents))
      .thenThrows(RuleViolation, 'org_unit.parent_level', 'parentId');
  });

  it('refuses a unit that already exists', () => {
    given(districtA)
      .when(establish(DISTRICT_A, 'district_federation', PROVINCE_A), relatedTo(provinceA))
      .thenThrows(RuleViolation, 'org_unit.already_exists', 'unitId');
  });
});

// ---- rename ------------------------------------------------------------------
describe('RenameOrgUnit', () => {
  const rename = (name: string, effectiveOn: string, unitId = DISTRICT_A): OrgUnitCommand => ({
    type: 'RenameOrgUnit',
    unitId,
    name,
    effectiveOn,
  });

  it('renames, recording the previous name', () => {
    given(districtA)
      .when(rename('District A (new)', '2024-05-01'))
      .then([renamed(DISTRICT_A, 'District A (new)', 'District A', '2024-05-01')]);
  });

  it('records the latest name as previous after earlier renames', () => {
    given([...districtA, renamed(DISTRICT_A, 'Second', 'District A', '2024-05-01')])
      .when(rename('Third', '2025-07-01'))
      .then([renamed(DISTRICT_A, 'Third', 'Second', '2025-07-01')]);
  });

  it('refuses the name the unit already has', () => {
    given(districtA).when(rename('District A', '2024-05-01')).thenThrows(RuleViolation, 'org_unit.same_name', 'name');
  });

  it('reports an unknown unit as NotFound', () => {
    given([]).when(rename('Anything', '2024-05-01', UNKNOWN)).thenThrows(NotFound, 'org_unit.not_found');
  });

  it('refuses a date before the latest recorded change', () => {
    given([...districtA, renamed(DISTRICT_A, 'Second', 'District A', '2025-07-01')])
      .when(rename('Third', '2024-05-01'))
      .thenThrows(RuleViolation, 'org_unit.change_predates_history', 'effectiveOn');
  });

  it('refuses a date before the establishment', () => {
    given(districtA).when(rename('Early', '2019-12-31')).thenThrows(RuleViolation, 'org_unit.change_predates_history', 'effectiveOn');
  });

  it('accepts a rename dated on the establishment day (not before the latest change)', () => {
    given(districtA)
      .when(rename('District A (new)', '2020-01-01'))
      .then([renamed(DISTRICT_A, 'District A (new)', 'District A', '2020-01-01')]);
  });

  it('accepts a rename dated on the day of the latest recorded change', () => {
    given([...districtA, renamed(DISTRICT_A, 'Second', 'District A', '2025-07-01')])
      .when(rename('Third', '2025-07-01'))
      .then([renamed(DISTRICT_A, 'Third', 'Second', '2025-07-01')]);
  });

  it('refuses a rename on or after termination', () => {
    given([...districtA, terminated(DISTRICT_A, '2025-07-01')])
      .when(rename('Too late', '2025-07-01'))
      .thenThrows(RuleViolation, 'org_unit.not_active', 'effectiveOn');
  });
});

// ---- transfer ----------------------------------------------------------------
describe('TransferOrgUnit', () => {
  const transfer = (newParentId: string, effectiveOn = '2025-07-01', unitId = DISTRICT_A): OrgUnitCommand => ({
    type: 'TransferOrgUnit',
    unitId,
    newParentId,
    effectiveOn,
  });

  it('transfers to an active parent of a higher level, naming the parent as of the date', () => {
    given([...districtA, transferred(DISTRICT_A, PROVINCE_A, PROVINCE_B, '2024-05-01')])
      .when(transfer(NATIONAL), relatedTo(national))
      .then([transferred(DISTRICT_A, PROVINCE_B, NATIONAL, '2025-07-01')]);
  });

  it('moves a grassroots unit up from a district to a provincial unit', () => {
    given(grassrootsA)
      .when(transfer(PROVINCE_A, '2025-07-01', GRASSROOTS_A), relatedTo(provinceA, [NATIONAL]))
      .then([transferred(GRASSROOTS_A, DISTRICT_A, PROVINCE_A, '2025-07-01')]);
  });

  it('records fromParentId null when a root unit is placed under a parent', () => {
    given([established(PROVINCE_A, 'provincial_federation', null)])
      .when(transfer(NATIONAL, '2024-05-01', PROVINCE_A), relatedTo(national))
      .then([transferred(PROVINCE_A, null, NATIONAL, '2024-05-01')]);
  });

  it('accepts a transfer dated on the establishment day (not before the latest change)', () => {
    given(districtA)
      .when(transfer(PROVINCE_B, '2020-01-01'), relatedTo(provinceB, [NATIONAL]))
      .then([transferred(DISTRICT_A, PROVINCE_A, PROVINCE_B, '2020-01-01')]);
  });

  it('accepts a transfer dated on the day of the latest recorded change', () => {
    given([...districtA, transferred(DISTRICT_A, PROVINCE_A, PROVINCE_B, '2024-05-01')])
      .when(transfer(NATIONAL, '2024-05-01'), relatedTo(national))
      .then([transferred(DISTRICT_A, PROVINCE_B, NATIONAL, '2024-05-01')]);
  });

  it('refuses a date before the latest recorded change', () => {
    given([...districtA, transferred(DISTRICT_A, PROVINCE_A, PROVINCE_B, '2024-05-01')])
      .when(transfer(NATIONAL, '2024-04-30'), relatedTo(national))
      .thenThrows(RuleViolation, 'org_unit.change_predates_history', 'effectiveOn');
  });

  it('refuses a terminated parent', () => {
    given(districtA)
      .when(transfer(PROVINCE_B), relatedTo([...provinceB, terminated(PROVINCE_B, '2025-07-01')]))
      .thenThrows(RuleViolation, 'org_unit.parent_not_active', 'newParentId');
  });

  it('refuses a merged parent', () => {
    given(districtA)
      .when(transfer(PROVINCE_B), relatedTo([...provinceB, merged(PROVINCE_B, PROVINCE_A, '2025-06-30')]))
      .thenThrows(RuleViolation, 'org_unit.parent_not_active', 'newParentId');
  });

  it('refuses an unknown parent', () => {
    given(districtA).when(transfer(UNKNOWN), NO_CONTEXT).thenThrows(RuleViolation, 'org_unit.unknown_unit', 'newParentId');
  });

  it('refuses a parent of the same level', () => {
    given(districtA).when(transfer(DISTRICT_B), relatedTo(districtB)).thenThrows(RuleViolation, 'org_unit.parent_level', 'newParentId');
  });

  it('refuses a parent of a lower level', () => {
    given(districtA)
      .when(transfer(GRASSROOTS_B), relatedTo([established(GRASSROOTS_B, 'grassroots_union', DISTRICT_B)]))
      .thenThrows(RuleViolation, 'org_unit.parent_level', 'newParentId');
  });

  it('refuses the unit itself as parent', () => {
    given(districtA).when(transfer(DISTRICT_A), relatedTo(districtA)).thenThrows(RuleViolation, 'org_unit.cycle', 'newParentId');
  });

  it('refuses a parent whose ancestors include the unit (cycle)', () => {
    given(districtA)
      .when(transfer(PROVINCE_B), relatedTo(provinceB, [DISTRICT_A, NATIONAL]))
      .thenThrows(RuleViolation, 'org_unit.cycle', 'newParentId');
  });

  it('refuses the parent the unit already has', () => {
    given(districtA).when(transfer(PROVINCE_A), relatedTo(provinceA, [NATIONAL])).thenThrows(RuleViolation, 'org_unit.same_parent', 'newParentId');
  });

  it('refuses a unit that is no longer active', () => {
    given([...districtA, terminated(DISTRICT_A, '2025-07-01')])
      .when(transfer(PROVINCE_B), relatedTo(provinceB))
      .thenThrows(RuleViolation, 'org_unit.not_active', 'effectiveOn');
  });

  it('refuses a unit that was merged away', () => {
    given([...districtA, merged(DISTRICT_A, DISTRICT_B, '2025-01-01')])
      .when(transfer(PROVINCE_B), relatedTo(provinceB))
      .thenThrows(RuleViolation, 'org_unit.not_active', 'effectiveOn');
  });

  it('reports an unknown unit as NotFound', () => {
    given([]).when(transfer(PROVINCE_B), relatedTo(provinceB)).thenThrows(NotFound, 'org_unit.not_found');
  });
});

// ---- merge -------------------------------------------------------------------
describe('MergeOrgUnit', () => {
  const merge = (intoUnitId: string, effectiveOn = '2025-07-01', unitId = PROVINCE_A): OrgUnitCommand => ({
    type: 'MergeOrgUnit',
    unitId,
    intoUnitId,
    effectiveOn,
  });

  it('merges into an active unit of the same level', () => {
    given(provinceA).when(merge(PROVINCE_B), relatedTo(provinceB)).then([merged(PROVINCE_A, PROVINCE_B, '2025-07-01')]);
  });

  it('merges units of the same level but different kinds', () => {
    given(districtA)
      .when(merge(DISTRICT_B, '2025-07-01', DISTRICT_A), relatedTo(districtB))
      .then([merged(DISTRICT_A, DISTRICT_B, '2025-07-01')]);
  });

  it('accepts a merger dated on the establishment day (not before the latest change)', () => {
    given(provinceA).when(merge(PROVINCE_B, '2020-01-01'), relatedTo(provinceB)).then([merged(PROVINCE_A, PROVINCE_B, '2020-01-01')]);
  });

  it('accepts a merger dated on the day of the latest recorded change', () => {
    given([...provinceA, renamed(PROVINCE_A, 'Renamed', 'Unit 02', '2025-07-01')])
      .when(merge(PROVINCE_B, '2025-07-01'), relatedTo(provinceB))
      .then([merged(PROVINCE_A, PROVINCE_B, '2025-07-01')]);
  });

  it('refuses a target of another level', () => {
    given(provinceA).when(merge(DISTRICT_B), relatedTo(districtB)).thenThrows(RuleViolation, 'org_unit.merge_across_levels', 'intoUnitId');
  });

  it('refuses merging into itself', () => {
    given(provinceA).when(merge(PROVINCE_A), relatedTo(provinceA)).thenThrows(RuleViolation, 'org_unit.merge_into_self', 'intoUnitId');
  });

  it('refuses a target terminated before the date', () => {
    given(provinceA)
      .when(merge(PROVINCE_B), relatedTo([...provinceB, terminated(PROVINCE_B, '2025-01-01')]))
      .thenThrows(RuleViolation, 'org_unit.target_not_active', 'intoUnitId');
  });

  it('refuses a target not yet established on the date', () => {
    given(provinceA)
      .when(merge(PROVINCE_B, '2024-05-01'), relatedTo([established(PROVINCE_B, 'provincial_federation', NATIONAL, '2025-07-01')]))
      .thenThrows(RuleViolation, 'org_unit.target_not_active', 'intoUnitId');
  });

  it('refuses an unknown target', () => {
    given(provinceA).when(merge(UNKNOWN), NO_CONTEXT).thenThrows(RuleViolation, 'org_unit.unknown_unit', 'intoUnitId');
  });

  it('refuses a target that itself ceases later (no merger cycles, no merging into a unit that ends)', () => {
    // B merges into A on 2025-06-01 (recorded); A into B on 2025-03-01 would make a cycle.
    given(provinceA)
      .when(merge(PROVINCE_B, '2025-03-01'), relatedTo([...provinceB, merged(PROVINCE_B, PROVINCE_A, '2025-06-01')]))
      .thenThrows(RuleViolation, 'org_unit.target_ends', 'intoUnitId');
    given(provinceA)
      .when(merge(PROVINCE_B, '2025-03-01'), relatedTo([...provinceB, terminated(PROVINCE_B, '2025-12-31')]))
      .thenThrows(RuleViolation, 'org_unit.target_ends', 'intoUnitId');
  });

  it('refuses merging a unit that was already merged', () => {
    given([...provinceA, merged(PROVINCE_A, PROVINCE_B, '2025-07-01')])
      .when(merge(PROVINCE_B, '2025-08-01'), relatedTo(provinceB))
      .thenThrows(RuleViolation, 'org_unit.not_active', 'effectiveOn');
  });
});

// ---- terminate ---------------------------------------------------------------
describe('TerminateOrgUnit', () => {
  const terminate = (effectiveOn: string, unitId = DISTRICT_A): OrgUnitCommand => ({
    type: 'TerminateOrgUnit',
    unitId,
    effectiveOn,
    reason: 'district level abolished',
  });

  it('terminates an active unit', () => {
    given(districtA).when(terminate('2025-07-01')).then([terminated(DISTRICT_A, '2025-07-01', 'district level abolished')]);
  });

  it('accepts a termination dated on the establishment day (not before the latest change)', () => {
    given(districtA).when(terminate('2020-01-01')).then([terminated(DISTRICT_A, '2020-01-01', 'district level abolished')]);
  });

  it('accepts a termination dated on the day of the latest recorded change', () => {
    given([...districtA, transferred(DISTRICT_A, PROVINCE_A, PROVINCE_B, '2025-07-01')])
      .when(terminate('2025-07-01'))
      .then([terminated(DISTRICT_A, '2025-07-01', 'district level abolished')]);
  });

  it('refuses placing a unit under a parent terminated later (it would be left under a terminated unit)', () => {
    given([])
      .when(
        { type: 'EstablishOrgUnit', unitId: DISTRICT_A, code: 'D', name: 'D', kind: 'district_federation', parentId: PROVINCE_A, establishedOn: '2024-01-01' },
        relatedTo([...provinceA, terminated(PROVINCE_A, '2025-07-01')]),
      )
      .thenThrows(RuleViolation, 'org_unit.parent_terminated', 'parentId');
  });

  it('refuses placing a unit under a parent whose mergers lead to a terminated unit', () => {
    given([])
      .when(
        { type: 'EstablishOrgUnit', unitId: DISTRICT_A, code: 'D', name: 'D', kind: 'district_federation', parentId: PROVINCE_A, establishedOn: '2024-01-01' },
        { ...relatedTo([...provinceA, merged(PROVINCE_A, PROVINCE_B, '2025-03-01')]), relatedTerminatedOn: '2025-06-01' },
      )
      .thenThrows(RuleViolation, 'org_unit.parent_terminated', 'parentId');
  });

  it('refuses terminating a unit with child units on or after the date, naming them', () => {
    given(districtA)
      .when(terminate('2025-07-01'), { ...NO_CONTEXT, childIds: ['11111111-1111-4111-8111-111111111111'] })
      .thenThrows(RuleViolation, 'org_unit.has_children', 'effectiveOn');
  });

  it('refuses terminating twice', () => {
    given([...districtA, terminated(DISTRICT_A, '2025-07-01')])
      .when(terminate('2025-08-01'))
      .thenThrows(RuleViolation, 'org_unit.not_active', 'effectiveOn');
  });

  it('refuses terminating twice on the same date', () => {
    given([...districtA, terminated(DISTRICT_A, '2025-07-01')])
      .when(terminate('2025-07-01'))
      .thenThrows(RuleViolation, 'org_unit.not_active', 'effectiveOn');
  });

  it('refuses a termination dated before the first one', () => {
    given([...districtA, terminated(DISTRICT_A, '2025-07-01')])
      .when(terminate('2024-05-01'))
      .thenThrows(RuleViolation, 'org_unit.change_predates_history', 'effectiveOn');
  });

  it('reports an unknown unit as NotFound', () => {
    given([]).when(terminate('2025-07-01', UNKNOWN)).thenThrows(NotFound, 'org_unit.not_found');
  });
});

// ---- what a refusal says ------------------------------------------------------------
describe('refusals name what stands in the way', () => {
  /** The message of the refusal of `command` on a unit with these events, in this context. */
  function messageOf(events: readonly OrgUnitEvent[], command: OrgUnitCommand, context: OrgUnitContext): string {
    try {
      decideOrgUnit(command, fold(events), context);
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the command was not refused');
  }
  const establishUnder = (parentId: string, establishedOn = '2024-05-01'): OrgUnitCommand => ({
    type: 'EstablishOrgUnit',
    unitId: DISTRICT_B,
    code: 'D',
    name: 'D',
    kind: 'district_federation',
    parentId,
    establishedOn,
  });
  const terminate: OrgUnitCommand = { type: 'TerminateOrgUnit', unitId: DISTRICT_A, effectiveOn: '2025-07-01', reason: 'abolished' };
  const child = (n: number): string => `11111111-1111-4111-8111-${String(n).padStart(12, '0')}`;

  it('names the children of a unit that may not be terminated: all of a few, the first five of more', () => {
    const one = messageOf(districtA, terminate, { ...NO_CONTEXT, childIds: [child(1)] });
    expect(one).toBe(`org unit ${DISTRICT_A} has 1 child unit(s) on or after 2025-07-01 (${child(1)}); transfer or merge them first`);
    const five = messageOf(districtA, terminate, { ...NO_CONTEXT, childIds: [1, 2, 3, 4, 5].map(child) });
    expect(five).toContain(`(${[1, 2, 3, 4, 5].map(child).join(', ')});`);
    const six = messageOf(districtA, terminate, { ...NO_CONTEXT, childIds: [1, 2, 3, 4, 5, 6].map(child) });
    expect(six).toContain(`has 6 child unit(s) on or after 2025-07-01 (${[1, 2, 3, 4, 5].map(child).join(', ')}, …);`);
    expect(six).not.toContain(child(6));
  });

  it('says whether a parent has ended or is not established yet on the date', () => {
    expect(messageOf([], establishUnder(PROVINCE_A), relatedTo([...provinceA, terminated(PROVINCE_A, '2024-05-01')]))).toBe(
      `org unit ${PROVINCE_A} was terminated on 2024-05-01: nothing can be placed under it`,
    );
    expect(messageOf([], establishUnder(PROVINCE_A), relatedTo([...provinceA, merged(PROVINCE_A, PROVINCE_B, '2024-01-01')]))).toBe(
      `org unit ${PROVINCE_A} was merged on 2024-01-01: nothing can be placed under it`,
    );
    expect(messageOf([], establishUnder(PROVINCE_A, '2019-12-31'), relatedTo(provinceA))).toBe(
      `org unit ${PROVINCE_A} is not established on 2019-12-31: nothing can be placed under it`,
    );
  });

  it('says whether a parent is terminated later itself or through the unit its mergers lead to', () => {
    expect(messageOf([], establishUnder(PROVINCE_A), relatedTo([...provinceA, terminated(PROVINCE_A, '2025-07-01')]))).toBe(
      `org unit ${PROVINCE_A} is terminated on 2025-07-01: a unit placed under it would be left under a terminated unit`,
    );
    expect(
      messageOf([], establishUnder(PROVINCE_A), { ...relatedTo([...provinceA, merged(PROVINCE_A, PROVINCE_B, '2025-03-01')]), relatedTerminatedOn: '2025-06-01' }),
    ).toBe(`org unit ${PROVINCE_A} is merged into a unit terminated on 2025-06-01: a unit placed under it would be left under a terminated unit`);
  });
});

// ---- evolve ------------------------------------------------------------------
describe('evolveOrgUnit', () => {
  const history: OrgUnitEvent[] = [
    established(GRASSROOTS_A, 'grassroots_union', DISTRICT_A, '2020-01-01', 'Old name'),
    renamed(GRASSROOTS_A, 'New name', 'Old name', '2024-05-01'),
    transferred(GRASSROOTS_A, DISTRICT_A, PROVINCE_A, '2025-07-01'),
    terminated(GRASSROOTS_A, '2025-12-31'),
  ];

  it('folds the full state, with dated histories of names and parents', () => {
    expect(fold(history)).toEqual({
      exists: true,
      unitId: GRASSROOTS_A,
      code: 'C-06',
      kind: 'grassroots_union',
      level: 'grassroots',
      establishedOn: '2020-01-01',
      names: [
        { from: '2020-01-01', value: 'Old name' },
        { from: '2024-05-01', value: 'New name' },
      ],
      parents: [
        { from: '2020-01-01', value: DISTRICT_A },
        { from: '2025-07-01', value: PROVINCE_A },
      ],
      end: { on: '2025-12-31', kind: 'terminated', intoUnitId: null },
      lastChangeOn: '2025-12-31',
    });
  });

  it('records a merger as the end, with the unit merged into', () => {
    expect(existing([...provinceA, merged(PROVINCE_A, PROVINCE_B, '2025-07-01')]).end).toEqual({
      on: '2025-07-01',
      kind: 'merged',
      intoUnitId: PROVINCE_B,
    });
  });

  it.each<[string, string | undefined]>([
    ['2019-12-31', undefined],
    ['2020-01-01', 'Old name'],
    ['2024-04-30', 'Old name'],
    ['2024-05-01', 'New name'],
    ['2030-01-01', 'New name'],
  ])('nameOn %s is %s', (date, name) => {
    expect(nameOn(existing(history), date)).toBe(name);
  });

  it.each<[string, string | undefined]>([
    ['2019-12-31', undefined],
    ['2020-01-01', DISTRICT_A],
    ['2025-06-30', DISTRICT_A],
    ['2025-07-01', PROVINCE_A],
    ['2026-01-01', PROVINCE_A],
  ])('parentOn %s is %s', (date, parent) => {
    expect(parentOn(existing(history), date)).toBe(parent);
  });

  it('parentOn is null for a root unit', () => {
    expect(parentOn(existing(national), '2024-05-01')).toBeNull();
  });

  it.each<[string, boolean]>([
    ['2019-12-31', false],
    ['2020-01-01', true],
    ['2025-07-01', true],
    ['2025-12-30', true],
    ['2025-12-31', false],
    ['2026-01-01', false],
  ])('isActiveOn %s is %s', (date, active) => {
    expect(isActiveOn(fold(history), date)).toBe(active);
  });

  it('isActiveOn is false for a unit that does not exist', () => {
    expect(isActiveOn(initialOrgUnitState(), '2024-05-01')).toBe(false);
  });

  it.each<[string, OrgUnitEvent]>([
    ['OrgUnitRenamed', renamed(UNKNOWN, 'X', 'Y', '2024-05-01')],
    ['OrgUnitTransferred', transferred(UNKNOWN, null, PROVINCE_A, '2024-05-01')],
    ['OrgUnitMerged', merged(UNKNOWN, PROVINCE_A, '2024-05-01')],
    ['OrgUnitTerminated', terminated(UNKNOWN, '2024-05-01')],
  ])('never throws on %s for a unit that does not exist', (_type, event) => {
    expect(evolveOrgUnit(initialOrgUnitState(), event)).toEqual({ exists: false });
  });

  it('replays odd history (a rename after termination) without throwing', () => {
    const state = existing([...districtA, terminated(DISTRICT_A, '2025-01-01'), renamed(DISTRICT_A, 'Ghost', 'District A', '2025-07-01')]);
    expect(state.names).toEqual([
      { from: '2020-01-01', value: 'District A' },
      { from: '2025-07-01', value: 'Ghost' },
    ]);
    expect(state.end).toEqual({ on: '2025-01-01', kind: 'terminated', intoUnitId: null });
    expect(state.lastChangeOn).toBe('2025-07-01');
  });
});
