import {
  levelOfKind,
  levelRank,
  type OrgLevel,
  type OrgUnitEvent,
  type OrgUnitKind,
} from '../../../events/org/org-unit-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';

export interface Dated<T> {
  readonly from: string;
  readonly value: T;
}

export interface OrgUnitEnd {
  readonly on: string;
  readonly kind: 'terminated' | 'merged';
  readonly intoUnitId: string | null;
}

export interface ExistingOrgUnit {
  readonly exists: true;
  readonly unitId: string;
  readonly code: string;
  readonly kind: OrgUnitKind;
  readonly level: OrgLevel;
  readonly establishedOn: string;
  readonly names: readonly Dated<string>[];
  readonly parents: readonly Dated<string | null>[];
  readonly end: OrgUnitEnd | null;
  /** The latest effective date in the unit's history; later changes may not predate it. */
  readonly lastChangeOn: string;
}

export type OrgUnitState = { readonly exists: false } | ExistingOrgUnit;

export const initialOrgUnitState = (): OrgUnitState => ({ exists: false });

function valueOn<T>(history: readonly Dated<T>[], date: string): T | undefined {
  let found: T | undefined;
  for (const entry of history) if (entry.from <= date) found = entry.value;
  return found;
}

export const nameOn = (unit: ExistingOrgUnit, date: string): string | undefined => valueOn(unit.names, date);
export const parentOn = (unit: ExistingOrgUnit, date: string): string | null | undefined => valueOn(unit.parents, date);
export const currentName = (unit: ExistingOrgUnit): string => unit.names[unit.names.length - 1]!.value;

/** Established on or before `date` and not yet ended on it. */
export function isActiveOn(unit: OrgUnitState, date: string): boolean {
  return unit.exists && unit.establishedOn <= date && (unit.end === null || date < unit.end.on);
}

/** Replaying history never fails: evolve accepts whatever was stored. */
export function evolveOrgUnit(state: OrgUnitState, event: OrgUnitEvent): OrgUnitState {
  switch (event.type) {
    case 'OrgUnitEstablished': {
      const d = event.data;
      return {
        exists: true,
        unitId: d.unitId,
        code: d.code,
        kind: d.kind,
        level: d.level,
        establishedOn: d.establishedOn,
        names: [{ from: d.establishedOn, value: d.name }],
        parents: [{ from: d.establishedOn, value: d.parentId }],
        end: null,
        lastChangeOn: d.establishedOn,
      };
    }
    case 'OrgUnitRenamed':
      if (!state.exists) return state;
      return {
        ...state,
        names: [...state.names, { from: event.data.effectiveOn, value: event.data.name }],
        lastChangeOn: event.data.effectiveOn,
      };
    case 'OrgUnitTransferred':
      if (!state.exists) return state;
      return {
        ...state,
        parents: [...state.parents, { from: event.data.effectiveOn, value: event.data.toParentId }],
        lastChangeOn: event.data.effectiveOn,
      };
    case 'OrgUnitMerged':
      if (!state.exists) return state;
      return {
        ...state,
        end: { on: event.data.effectiveOn, kind: 'merged', intoUnitId: event.data.intoUnitId },
        lastChangeOn: event.data.effectiveOn,
      };
    case 'OrgUnitTerminated':
      if (!state.exists) return state;
      return {
        ...state,
        end: { on: event.data.effectiveOn, kind: 'terminated', intoUnitId: null },
        lastChangeOn: event.data.effectiveOn,
      };
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export interface EstablishOrgUnit {
  readonly type: 'EstablishOrgUnit';
  readonly unitId: string;
  readonly code: string;
  readonly name: string;
  readonly kind: OrgUnitKind;
  readonly parentId: string | null;
  readonly establishedOn: string;
}

export interface RenameOrgUnit {
  readonly type: 'RenameOrgUnit';
  readonly unitId: string;
  readonly name: string;
  readonly effectiveOn: string;
}

export interface TransferOrgUnit {
  readonly type: 'TransferOrgUnit';
  readonly unitId: string;
  readonly newParentId: string;
  readonly effectiveOn: string;
}

export interface MergeOrgUnit {
  readonly type: 'MergeOrgUnit';
  readonly unitId: string;
  readonly intoUnitId: string;
  readonly effectiveOn: string;
}

export interface TerminateOrgUnit {
  readonly type: 'TerminateOrgUnit';
  readonly unitId: string;
  readonly effectiveOn: string;
  readonly reason: string;
}

export type OrgUnitCommand = EstablishOrgUnit | RenameOrgUnit | TransferOrgUnit | MergeOrgUnit | TerminateOrgUnit;

/**
 * What a decision about one unit needs to know of other units, loaded by the handler:
 * the other unit named by the command (parent, new parent or merge target) and the ids of
 * that unit's ancestors on the effective date, nearest first.
 */
export interface OrgUnitContext {
  readonly related: OrgUnitState;
  readonly relatedAncestorIds: readonly string[];
  /** For a termination: the units recorded as children on or after its date. */
  readonly childIds?: readonly string[];
  /** When the related unit's mergers lead to a unit that is terminated: the date it is. */
  readonly relatedTerminatedOn?: string | null;
}

export const NO_CONTEXT: OrgUnitContext = { related: { exists: false }, relatedAncestorIds: [] };

export function decideOrgUnit(command: OrgUnitCommand, state: OrgUnitState, context: OrgUnitContext): OrgUnitEvent[] {
  if (command.type === 'EstablishOrgUnit') return establish(command, state, context);
  if (!state.exists) throw new NotFound('org_unit.not_found', `org unit ${command.unitId} does not exist`);
  const date = command.effectiveOn;
  if (date < state.lastChangeOn) {
    throw new RuleViolation(
      'org_unit.change_predates_history',
      `effectiveOn ${date} is before the unit's latest recorded change (${state.lastChangeOn})`,
      'effectiveOn',
    );
  }
  if (!isActiveOn(state, date)) {
    throw new RuleViolation(
      'org_unit.not_active',
      state.end
        ? `org unit ${state.unitId} was ${state.end.kind} on ${state.end.on}`
        : `org unit ${state.unitId} is not established on ${date}`,
      'effectiveOn',
    );
  }
  switch (command.type) {
    case 'RenameOrgUnit': {
      const previousName = currentName(state);
      if (previousName === command.name) {
        throw new RuleViolation('org_unit.same_name', `org unit ${state.unitId} is already named "${command.name}"`, 'name');
      }
      return [{ type: 'OrgUnitRenamed', data: { unitId: state.unitId, name: command.name, previousName, effectiveOn: date } }];
    }
    case 'TransferOrgUnit':
      return transfer(command, state, context);
    case 'MergeOrgUnit':
      return merge(command, state, context);
    case 'TerminateOrgUnit': {
      const children = context.childIds ?? [];
      if (children.length > 0) {
        throw new RuleViolation(
          'org_unit.has_children',
          `org unit ${state.unitId} has ${children.length} child unit(s) on or after ${date} (${children.slice(0, 5).join(', ')}${children.length > 5 ? ', …' : ''}); transfer or merge them first`,
          'effectiveOn',
        );
      }
      return [{ type: 'OrgUnitTerminated', data: { unitId: state.unitId, effectiveOn: date, reason: command.reason } }];
    }
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function establish(command: EstablishOrgUnit, state: OrgUnitState, context: OrgUnitContext): OrgUnitEvent[] {
  if (state.exists) {
    throw new RuleViolation('org_unit.already_exists', `org unit ${command.unitId} already exists`, 'unitId');
  }
  const level = levelOfKind(command.kind);
  if (command.parentId !== null) {
    requireActiveParent(context, command.parentId, command.establishedOn, 'parentId');
    requireHigherLevel(context.related, level, 'parentId');
  }
  return [
    {
      type: 'OrgUnitEstablished',
      data: {
        unitId: command.unitId,
        code: command.code,
        name: command.name,
        kind: command.kind,
        level,
        parentId: command.parentId,
        establishedOn: command.establishedOn,
      },
    },
  ];
}

function transfer(command: TransferOrgUnit, state: ExistingOrgUnit, context: OrgUnitContext): OrgUnitEvent[] {
  const date = command.effectiveOn;
  if (command.newParentId === state.unitId) {
    throw new RuleViolation('org_unit.cycle', 'a unit cannot be its own parent', 'newParentId');
  }
  requireActiveParent(context, command.newParentId, date, 'newParentId');
  requireHigherLevel(context.related, state.level, 'newParentId');
  if (context.relatedAncestorIds.includes(state.unitId)) {
    throw new RuleViolation(
      'org_unit.cycle',
      `unit ${command.newParentId} lies within the subtree of ${state.unitId}: the transfer would make a cycle`,
      'newParentId',
    );
  }
  const fromParentId = parentOn(state, date) ?? null;
  if (fromParentId === command.newParentId) {
    throw new RuleViolation('org_unit.same_parent', `org unit ${state.unitId} is already under ${command.newParentId}`, 'newParentId');
  }
  return [{ type: 'OrgUnitTransferred', data: { unitId: state.unitId, fromParentId, toParentId: command.newParentId, effectiveOn: date } }];
}

function merge(command: MergeOrgUnit, state: ExistingOrgUnit, context: OrgUnitContext): OrgUnitEvent[] {
  const date = command.effectiveOn;
  if (command.intoUnitId === state.unitId) {
    throw new RuleViolation('org_unit.merge_into_self', 'a unit cannot be merged into itself', 'intoUnitId');
  }
  const target = context.related;
  if (!target.exists) {
    throw new RuleViolation('org_unit.unknown_unit', `org unit ${command.intoUnitId} does not exist`, 'intoUnitId');
  }
  if (!isActiveOn(target, date)) {
    throw new RuleViolation('org_unit.target_not_active', `org unit ${command.intoUnitId} is not active on ${date}`, 'intoUnitId');
  }
  if (target.end !== null) {
    // Merging into a unit that itself ceases later would leave the merged members and
    // children in a unit that ends; and two mergers into each other would make a cycle.
    throw new RuleViolation(
      'org_unit.target_ends',
      `org unit ${command.intoUnitId} was ${target.end.kind} on ${target.end.on}; merge into the unit that continues`,
      'intoUnitId',
    );
  }
  if (target.level !== state.level) {
    throw new RuleViolation(
      'org_unit.merge_across_levels',
      `a ${state.level} unit can only be merged into another ${state.level} unit, not a ${target.level} one`,
      'intoUnitId',
    );
  }
  return [{ type: 'OrgUnitMerged', data: { unitId: state.unitId, intoUnitId: command.intoUnitId, effectiveOn: date } }];
}

function requireActiveParent(context: OrgUnitContext, parentId: string, date: string, field: string): asserts context is OrgUnitContext & { related: ExistingOrgUnit } {
  const parent = context.related;
  if (!parent.exists) throw new RuleViolation('org_unit.unknown_unit', `org unit ${parentId} does not exist`, field);
  if (!isActiveOn(parent, date)) {
    const why = parent.end && parent.end.on <= date ? `was ${parent.end.kind} on ${parent.end.on}` : `is not established on ${date}`;
    throw new RuleViolation('org_unit.parent_not_active', `org unit ${parentId} ${why}: nothing can be placed under it`, field);
  }
  // Children follow a merger, but a termination — of the parent, or of the unit its mergers
  // lead to — would leave this unit under a terminated one.
  const terminatedOn = parent.end?.kind === 'terminated' ? parent.end.on : (context.relatedTerminatedOn ?? null);
  if (terminatedOn !== null) {
    throw new RuleViolation(
      'org_unit.parent_terminated',
      `org unit ${parentId} ${parent.end?.kind === 'terminated' ? 'is' : 'is merged into a unit'} terminated on ${terminatedOn}: a unit placed under it would be left under a terminated unit`,
      field,
    );
  }
}

function requireHigherLevel(parent: ExistingOrgUnit, level: OrgLevel, field: string): void {
  if (levelRank(parent.level) >= levelRank(level)) {
    throw new RuleViolation(
      'org_unit.parent_level',
      `a ${level} unit must sit under a unit of a higher level; ${parent.unitId} is ${parent.level}`,
      field,
    );
  }
}
