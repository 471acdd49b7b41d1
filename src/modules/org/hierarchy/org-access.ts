import { AccessDeniedError } from '../../../infrastructure/auth/auth.errors.js';
import { type AccessReference, CommandAccess, type ScopeCheck } from '../../../infrastructure/commands/command-access.js';
import type { StreamReading } from '../../../infrastructure/commands/stream-reading.js';
import type { ActorMetadata } from '../../../infrastructure/event-store/event-store.port.js';
import { dayBefore } from '../../../shared/values.js';
import { Hierarchy } from './hierarchy.js';

/** An administrator without a unit acts on the whole registry. */
export const isUnrestricted = (actor: ActorMetadata): boolean => actor.role === 'admin' && actor.scopeUnitId === null;

/**
 * The scope rule of commands: a command dated D changes what it touches from D on, so every
 * unit (or member) it touches must lie in the actor's subtree on D and on every later date,
 * as the hierarchy stands in the event streams, following the mergers of the units on the
 * way up. A unit moved out of a district on 1 July is outside it for facts dated from then
 * on, and for facts dated before that too (they would change it in July as well): only an
 * officer above both districts, or an administrator, records those. A token for a unit
 * merged away no longer reaches its former units, whatever the date.
 *
 * The hierarchy only changes on the dates its units record (establishment, transfers, ends),
 * so the rule is checked on D and on each such date after D of the units it meets on the way.
 */
export class OrgAccess extends CommandAccess {
  isUnrestricted(actor: ActorMetadata): boolean {
    return isUnrestricted(actor);
  }

  async check(actor: ActorMetadata, references: readonly AccessReference[], reading: StreamReading): Promise<ScopeCheck> {
    const scope = actor.scopeUnitId;
    if (scope === null) {
      return { walked: [], refusal: new AccessDeniedError('auth.out_of_scope', `a ${actor.role} without a unit has no scope to act in`) };
    }
    const hierarchy = new Hierarchy(reading, { walk: true });
    const walked = hierarchy.unitsRead;
    const checked = new Set<string>();
    for (const ref of references) {
      const key = JSON.stringify(ref, ['unitId', 'memberId', 'on', 'ifExists', 'ends', 'receives', 'exact', 'above']);
      if (checked.has(key)) continue;
      checked.add(key);
      const outside = await firstDateOutside(hierarchy, scope, ref);
      if (outside !== null) return { walked: [...walked], refusal: refusalOf(scope, ref, outside) };
    }
    return { walked: [...walked], refusal: null };
  }
}

/** Why the caller may not touch what `ref` names on `outside`, the first date it fails. */
function refusalOf(scope: string, ref: AccessReference, outside: string): AccessDeniedError {
  const when = outside === ref.on ? `on ${ref.on}` : `on ${outside} (a command dated ${ref.on} changes where it stands then)`;
  if ('unitId' in ref && ref.above && ref.unitId === scope) {
    return new AccessDeniedError('auth.out_of_scope', `${ref.field}: org unit ${ref.unitId} is judged from above it, not by its own officers`, ref.field);
  }
  if ('unitId' in ref && ref.exact) {
    return new AccessDeniedError('auth.out_of_scope', `${ref.field}: only org unit ${ref.unitId} itself (or the unit it merged into) may do this, not ${scope}, ${when}`, ref.field);
  }
  const what = 'memberId' in ref ? `member ${ref.memberId}` : `org unit ${ref.unitId}`;
  return new AccessDeniedError('auth.out_of_scope', `${ref.field}: ${what} is not within the subtree of ${scope} ${when}`, ref.field);
}

/**
 * The first date from the reference's own on which what it names lies outside `scope`, or
 * null when it lies inside on every one. A reference to what may not exist yet (an id the
 * caller chose for a new unit or member) is checked only when it exists.
 */
async function firstDateOutside(hierarchy: Hierarchy, scope: string, ref: AccessReference): Promise<string | null> {
  if (ref.ifExists && !(await exists(hierarchy, ref))) return null;
  const start = ref.ends ? await lastDayBefore(hierarchy, ref) : ref.on;
  const pending = [start];
  const dates = new Set(pending);
  const scanned = new Set<string>();
  const later = (date: string | null | undefined): void => {
    if (date && date > start && !dates.has(date)) {
      dates.add(date);
      pending.push(date);
    }
  };
  if ('memberId' in ref) {
    const member = await hierarchy.member(ref.memberId);
    if (member.exists) later(member.leftOn);
  }
  while (pending.length > 0) {
    pending.sort((a, b) => (a < b ? 1 : a > b ? -1 : 0));
    const date = pending.pop()!;
    const place =
      'memberId' in ref
        ? await hierarchy.memberPlace(ref.memberId, date)
        : ref.receives
          ? await hierarchy.placedIn(ref.unitId, date)
          : { unitId: ref.unitId, on: date };
    const chain = place === null ? [] : await hierarchy.chainOn(place.unitId, place.on, scope);
    if (chain[chain.length - 1] !== scope) return date;
    if ('unitId' in ref && ref.exact && chain.length !== 1) return date;
    if ('unitId' in ref && ref.above && chain.length === 1) return date;
    // The dates on which the units met so far (those skipped through mergers included) change.
    for (const unitId of [...hierarchy.unitsRead]) {
      if (scanned.has(unitId)) continue;
      scanned.add(unitId);
      const unit = await hierarchy.unit(unitId);
      if (!unit.exists) continue;
      later(unit.establishedOn);
      for (const parent of unit.parents) later(parent.from);
      later(unit.end?.on);
    }
  }
  return null;
}

/** The day before the reference's date, or its target's first day when that is later. */
async function lastDayBefore(hierarchy: Hierarchy, ref: AccessReference): Promise<string> {
  const target = 'memberId' in ref ? await hierarchy.member(ref.memberId) : await hierarchy.unit(ref.unitId);
  const first = !target.exists ? null : 'joinedOn' in target ? target.joinedOn : target.establishedOn;
  const before = dayBefore(ref.on);
  return first !== null && first > before && first <= ref.on ? first : before;
}

async function exists(hierarchy: Hierarchy, ref: AccessReference): Promise<boolean> {
  return 'memberId' in ref ? (await hierarchy.member(ref.memberId)).exists : (await hierarchy.unit(ref.unitId)).exists;
}

/** Refuses (403) unless an unrestricted administrator gives the command (a unit at the top). */
export function requireUnrestricted(actor: ActorMetadata, field: string, what: string): void {
  if (!isUnrestricted(actor)) throw new AccessDeniedError('auth.out_of_scope', `${field}: ${what} is for an administrator without a unit`, field);
}
