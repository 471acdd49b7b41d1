import { AccessDeniedError } from '../../../infrastructure/auth/auth.errors.js';
import type { ActorMetadata } from '../../../infrastructure/event-store/event-store.port.js';
import { type OrgUnitState, parentOn } from '../domain/org-unit.decider.js';
import type { OrgStateLoader } from './org-unit-loader.js';

/** A unit a command touches, the business date it touches it on, and the field naming it. */
export interface UnitReference {
  readonly unitId: string;
  readonly on: string;
  readonly field: string;
}

/** Deep enough for any real hierarchy (as the loader's walks). */
const MAX_DEPTH = 32;

/** An administrator without a unit acts on the whole registry. */
export const isUnrestricted = (actor: ActorMetadata): boolean => actor.role === 'admin' && actor.scopeUnitId === null;

/**
 * The scope rule of commands: every unit a command touches must lie in the actor's subtree
 * as the hierarchy stands on the command's own business date, read from the event streams
 * (never from a lagging view). A unit moved out of a district on 1 July is outside it for
 * facts dated from then on, and inside it for facts dated before.
 */
export class OrgAccess {
  constructor(private readonly loader: OrgStateLoader) {}

  async requireUnits(actor: ActorMetadata, references: readonly UnitReference[]): Promise<void> {
    if (isUnrestricted(actor)) return;
    const scope = actor.scopeUnitId;
    if (scope === null) throw new AccessDeniedError('auth.out_of_scope', `a ${actor.role} without a unit has no scope to act in`);
    const states = new Map<string, Promise<OrgUnitState>>();
    const load = (unitId: string): Promise<OrgUnitState> => {
      let state = states.get(unitId);
      if (!state) states.set(unitId, (state = this.loader.unit(unitId)));
      return state;
    };
    const checked = new Set<string>();
    for (const ref of references) {
      const key = `${ref.unitId} ${ref.on}`;
      if (checked.has(key)) continue;
      checked.add(key);
      if (!(await isWithin(ref.unitId, scope, ref.on, load))) {
        throw new AccessDeniedError(
          'auth.out_of_scope',
          `${ref.field}: org unit ${ref.unitId} is not within the subtree of ${scope} on ${ref.on}`,
          ref.field,
        );
      }
    }
  }

  /** The member's unit on `on` (through its mergers) must be within the actor's scope. */
  async requireMember(actor: ActorMetadata, memberId: string, on: string, field: string): Promise<void> {
    if (isUnrestricted(actor)) return;
    const member = await this.loader.member(memberId);
    if (!member.exists) {
      // Same answer as for a member elsewhere: a scoped caller learns nothing of what exists outside.
      throw new AccessDeniedError('auth.out_of_scope', `${field}: member ${memberId} is not within the subtree of ${actor.scopeUnitId} on ${on}`, field);
    }
    const { unitId } = await this.loader.membershipOn(member.unitId, on);
    try {
      await this.requireUnits(actor, [{ unitId, on, field }]);
    } catch (error) {
      if (error instanceof AccessDeniedError) {
        throw new AccessDeniedError(error.code, `${field}: member ${memberId} is not within the subtree of ${actor.scopeUnitId} on ${on}`, field);
      }
      throw error;
    }
  }

  /** Commands only an unrestricted administrator may give (a unit at the top of the hierarchy). */
  requireUnrestricted(actor: ActorMetadata, field: string, what: string): void {
    if (!isUnrestricted(actor)) throw new AccessDeniedError('auth.out_of_scope', `${field}: ${what} is for an administrator without a unit`, field);
  }
}

async function isWithin(unitId: string, scope: string, on: string, load: (id: string) => Promise<OrgUnitState>): Promise<boolean> {
  let id: string | null = unitId;
  for (let depth = 0; id !== null && depth <= MAX_DEPTH; depth++) {
    if (id === scope) return true;
    const unit = await load(id);
    id = unit.exists ? (parentOn(unit, on) ?? null) : null;
  }
  return false;
}
