import { AccessDeniedError } from '../../../infrastructure/auth/auth.errors.js';
import { ConcurrencyConflictError } from '../../../infrastructure/commands/command-context.js';
import type { UnitLocks } from '../../../infrastructure/commands/unit-locks.js';
import type { ActorMetadata } from '../../../infrastructure/event-store/event-store.port.js';
import { type OrgUnitState, parentOn } from '../domain/org-unit.decider.js';
import type { OrgStateLoader } from './org-unit-loader.js';

/** What a command touches, the business date it touches it on, and the request field naming it. */
export type AccessReference =
  | { readonly unitId: string; readonly on: string; readonly field: string }
  | { readonly memberId: string; readonly on: string; readonly field: string };

/** Deep enough for any real hierarchy (as the loader's walks). */
const MAX_DEPTH = 32;
/** Attempts at holding still the units a scope check walks, when the hierarchy keeps moving under it. */
const ATTEMPTS = 5;

/** An administrator without a unit acts on the whole registry. */
export const isUnrestricted = (actor: ActorMetadata): boolean => actor.role === 'admin' && actor.scopeUnitId === null;

/**
 * The scope rule of commands: every unit (or member) a command touches must lie in the
 * actor's subtree as the hierarchy stands on the command's own business date, read from the
 * event streams (never from a lagging view), following the mergers of the units on the way
 * up. A unit moved out of a district on 1 July is outside it for facts dated from then on,
 * and inside it for facts before.
 *
 * The check and the command run under locks: exclusive ones on the units the command's
 * rule reads (as before), shared ones on every unit the check walked. Commands that move a
 * unit (transfer, merge, terminate) hold that unit's lock exclusively, so the hierarchy a
 * command was allowed by cannot change before it is appended.
 */
export class OrgAccess {
  constructor(
    private readonly loader: OrgStateLoader,
    private readonly locks: UnitLocks,
  ) {}

  async run<T>(actor: ActorMetadata, references: readonly AccessReference[], exclusive: readonly string[], work: () => Promise<T>): Promise<T> {
    // Two commands on one member never overlap: her unit cannot change under a check or a rule.
    const held = [...exclusive, ...references.flatMap((ref) => ('memberId' in ref ? [memberLockKey(ref.memberId)] : []))];
    if (isUnrestricted(actor)) return this.locks.withLocks(held, work);
    const scope = actor.scopeUnitId;
    if (scope === null) throw new AccessDeniedError('auth.out_of_scope', `a ${actor.role} without a unit has no scope to act in`);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      // A first look without locks finds what to lock; only the look under the locks decides,
      // and only when everything it read was held still.
      const hint = await this.check(scope, references);
      const locked = new Set([...hint.walked, ...held]);
      const outcome = await this.locks.withLocks(
        held,
        async () => {
          const now = await this.check(scope, references);
          if (!now.walked.every((id) => locked.has(id))) return { done: false as const };
          if (now.refusal) throw now.refusal;
          return { done: true as const, value: await work() };
        },
        hint.walked,
      );
      if (outcome.done) return outcome.value;
    }
    throw new ConcurrencyConflictError('the organisation hierarchy');
  }

  /** Refuses (403) unless an unrestricted administrator gives the command (a unit at the top). */
  requireUnrestricted(actor: ActorMetadata, field: string, what: string): void {
    if (!isUnrestricted(actor)) throw new AccessDeniedError('auth.out_of_scope', `${field}: ${what} is for an administrator without a unit`, field);
  }

  /** Whether every reference is within the scope (else the 403 for the first that is not), and the units walked. */
  private async check(scope: string, references: readonly AccessReference[]): Promise<{ walked: string[]; refusal: AccessDeniedError | null }> {
    const states = new Map<string, Promise<OrgUnitState>>();
    const load = (unitId: string): Promise<OrgUnitState> => {
      let state = states.get(unitId);
      if (!state) states.set(unitId, (state = this.loader.unit(unitId)));
      return state;
    };
    const checked = new Set<string>();
    for (const ref of references) {
      const key = 'memberId' in ref ? `member ${ref.memberId} ${ref.on}` : `${ref.unitId} ${ref.on}`;
      if (checked.has(key)) continue;
      checked.add(key);
      const place = 'memberId' in ref ? await this.memberPlace(ref.memberId, ref.on, load) : { unitId: ref.unitId, on: ref.on };
      if (place === null || !(await isWithin(place.unitId, scope, place.on, load))) {
        const what = 'memberId' in ref ? `member ${ref.memberId}` : `org unit ${ref.unitId}`;
        const refusal = new AccessDeniedError('auth.out_of_scope', `${ref.field}: ${what} is not within the subtree of ${scope} on ${ref.on}`, ref.field);
        return { walked: [...states.keys()], refusal };
      }
    }
    return { walked: [...states.keys()], refusal: null };
  }

  /**
   * Where a member stands for the scope, as the member view has it: the unit her membership
   * has reached on the date through its unit's mergers; once she has left, or her unit was
   * terminated, that unit on her last day. Null for an unknown member.
   */
  private async memberPlace(memberId: string, on: string, load: (id: string) => Promise<OrgUnitState>): Promise<{ unitId: string; on: string } | null> {
    const member = await this.loader.member(memberId);
    // An unknown member answers as one elsewhere: a scoped caller learns nothing of what exists outside.
    if (!member.exists) return null;
    const day = member.leftOn !== null && member.leftOn <= on ? dayBefore(member.leftOn) : on;
    const membership = await this.loader.membershipOn(member.unitId, day, load);
    return { unitId: membership.unitId, on: membership.endedOn === null ? day : dayBefore(membership.endedOn) };
  }
}

/** The lock key of a member's commands (unit locks are keyed by the unit's id). */
const memberLockKey = (memberId: string): string => `member-${memberId}`;

function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/**
 * Whether `unitId` lies in the subtree of `scope` on `on`: up through the parents the unit
 * streams record for that date, and through the mergers of its ancestors in force by then
 * (a merged unit's children are the children of the unit it merged into, as the views have them).
 */
async function isWithin(unitId: string, scope: string, on: string, load: (id: string) => Promise<OrgUnitState>): Promise<boolean> {
  let id: string | null = unitId;
  for (let steps = 0; id !== null && steps <= MAX_DEPTH * 2; steps++) {
    const unit = await load(id);
    // The named unit keeps its own place (merged, as the views show it); its ancestors' mergers move it.
    if (steps > 0 && unit.exists && unit.end?.kind === 'merged' && unit.end.on <= on && unit.end.intoUnitId) {
      id = unit.end.intoUnitId;
      continue;
    }
    if (id === scope) return true;
    id = unit.exists ? (parentOn(unit, on) ?? null) : null;
  }
  return false;
}
