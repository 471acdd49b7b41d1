import { Reflector } from '@nestjs/core';
import type { Role } from './principal.js';

/**
 * Who may call a route. Every route declares one (on its handler or its controller); the
 * guard refuses a route that has none. `public` routes take no token.
 */
export type RoutePolicy =
  | { readonly public: true }
  | {
      readonly public: false;
      readonly roles: readonly Role[];
      /** Only for callers whose scope is the whole registry (an admin without a unit). */
      readonly wholeRegistry?: boolean;
    };

export const RoutePolicy = Reflector.createDecorator<RoutePolicy>();

/** Reachable without a token (health probes). */
export const Public = (): MethodDecorator & ClassDecorator => RoutePolicy({ public: true });

/** Reachable by these roles (within their scope); `admin` is always among them. */
export const Allow = (...roles: Exclude<Role, 'admin'>[]): MethodDecorator & ClassDecorator =>
  RoutePolicy({ public: false, roles: ['admin', ...roles] });

/** The roles that may give commands (officers within their subtree). */
export const WRITE_ROLES: readonly Role[] = ['admin', 'officer'];

/** The role sets of API.md. */
export const Access = {
  /** Commands on the registry and the campaign: officers within their subtree. */
  write: () => RoutePolicy({ public: false, roles: WRITE_ROLES }),
  /** Views: every role, within its subtree. */
  read: () => Allow('officer', 'leadership', 'inspector', 'upstream'),
  /** Sealing period snapshots: upstream bodies (and admins), within their subtree. */
  seal: () => Allow('upstream'),
  /** Operating the service itself: it acts on every unit, so only an admin without a unit. */
  admin: () => RoutePolicy({ public: false, roles: ['admin'], wholeRegistry: true }),
} as const;
