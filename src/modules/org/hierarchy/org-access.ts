import { AccessDeniedError } from '../../../infrastructure/auth/auth.errors.js';
import { type AccessReference, CommandAccess, type ScopeCheck } from '../../../infrastructure/commands/command-access.js';
import type { StreamReading } from '../../../infrastructure/commands/stream-reading.js';
import type { ActorMetadata } from '../../../infrastructure/event-store/event-store.port.js';
import { Hierarchy } from './hierarchy.js';

/** An administrator without a unit acts on the whole registry. */
export const isUnrestricted = (actor: ActorMetadata): boolean => actor.role === 'admin' && actor.scopeUnitId === null;

/**
 * The scope rule of commands: every unit (or member) a command touches must lie in the
 * actor's subtree as the hierarchy stands on the command's own business date, read from the
 * event streams, following the mergers of the units on the way up. A unit moved out of a
 * district on 1 July is outside it for facts dated from then on, and inside it for facts before.
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
      const key = 'memberId' in ref ? `member ${ref.memberId} ${ref.on}` : `${ref.unitId} ${ref.on}`;
      if (checked.has(key)) continue;
      checked.add(key);
      const place = 'memberId' in ref ? await hierarchy.memberPlace(ref.memberId, ref.on) : { unitId: ref.unitId, on: ref.on };
      const chain: string[] = place === null ? [] : await hierarchy.chainOn(place.unitId, place.on, scope);
      chain.forEach((id) => walked.add(id));
      if (chain[chain.length - 1] !== scope) {
        const what = 'memberId' in ref ? `member ${ref.memberId}` : `org unit ${ref.unitId}`;
        const refusal = new AccessDeniedError('auth.out_of_scope', `${ref.field}: ${what} is not within the subtree of ${scope} on ${ref.on}`, ref.field);
        return { walked: [...walked], refusal };
      }
    }
    return { walked: [...walked], refusal: null };
  }
}

/** Refuses (403) unless an unrestricted administrator gives the command (a unit at the top). */
export function requireUnrestricted(actor: ActorMetadata, field: string, what: string): void {
  if (!isUnrestricted(actor)) throw new AccessDeniedError('auth.out_of_scope', `${field}: ${what} is for an administrator without a unit`, field);
}
