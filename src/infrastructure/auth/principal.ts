import type { ActorMetadata } from '../event-store/event-store.port.js';

/** The roles of API.md, in the order of the table there. */
export const ROLES = ['admin', 'officer', 'leadership', 'inspector', 'upstream'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** An authenticated caller: who (`sub`), in what role, and the unit whose subtree is their scope. */
export interface Principal {
  readonly sub: string;
  readonly role: Role;
  /** Null only for an administrator without a unit: the whole registry. */
  readonly unitId: string | null;
}

/** What an event's metadata records of the caller that caused it. */
export function actorOfPrincipal(principal: Principal): ActorMetadata {
  return { id: principal.sub, role: principal.role, scopeUnitId: principal.unitId };
}
