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
    if (isUnrestricted(actor)) return this.locks.withLocks(exclusive, work);
    const scope = actor.scopeUnitId;
    if (scope === null) throw new AccessDeniedError('auth.out_of_scope', `a ${actor.role} without a unit has no scope to act in`);
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      // A first look without locks finds what to lock (and refuses early); the second, under them, decides.
      const walked = await this.check(scope, references);
      const held = new Set([...walked, ...exclusive]);
      const outcome = await this.locks.withLocks(
        exclusive,
        async () => {
          const now = await this.check(scope, references);
          return now.every((id) => held.has(id)) ? { done: true as const, value: await work() } : { done: false as const };
        },
        walked,
      );
      if (outcome.done) return outcome.value;
    }
    throw new ConcurrencyConflictError('the organisation hierarchy');
  }

  /** Refuses (403) unless an unrestricted administrator gives the command (a unit at the top). */
  requireUnrestricted(actor: ActorMetadata, field: string, what: string): void {
    if (!isUnrestricted(actor)) throw new AccessDeniedError('auth.out_of_scope', `${field}: ${what} is for an administrator without a unit`, field);
  }

  /** Every reference within the scope, or a 403 naming the first that is not; answers the units walked. */
  private async check(scope: string, references: readonly AccessReference[]): Promise<string[]> {
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
      const unitId = 'memberId' in ref ? await this.memberUnit(ref.memberId) : ref.unitId;
      if (unitId === null || !(await isWithin(unitId, scope, ref.on, load))) {
        const what = 'memberId' in ref ? `member ${ref.memberId}` : `org unit ${ref.unitId}`;
        throw new AccessDeniedError('auth.out_of_scope', `${ref.field}: ${what} is not within the subtree of ${scope} on ${ref.on}`, ref.field);
      }
    }
    return [...states.keys()];
  }

  /** The unit a member is recorded in (its mergers are followed by the walk); null if unknown. */
  private async memberUnit(memberId: string): Promise<string | null> {
    const member = await this.loader.member(memberId);
    // An unknown member answers as one elsewhere: a scoped caller learns nothing of what exists outside.
    return member.exists ? member.unitId : null;
  }
}

/**
 * Whether `unitId` lies in the subtree of `scope` on `on`: up through the parents the unit
 * streams record for that date, and through the mergers in force by then (a merged unit's
 * children are the children of the unit it merged into, as the views have them).
 */
async function isWithin(unitId: string, scope: string, on: string, load: (id: string) => Promise<OrgUnitState>): Promise<boolean> {
  let id: string | null = unitId;
  for (let steps = 0; id !== null && steps <= MAX_DEPTH * 2; steps++) {
    const unit = await load(id);
    if (unit.exists && unit.end?.kind === 'merged' && unit.end.on <= on && unit.end.intoUnitId) {
      id = unit.end.intoUnitId;
      continue;
    }
    if (id === scope) return true;
    id = unit.exists ? (parentOn(unit, on) ?? null) : null;
  }
  return false;
}
