import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { ActorMetadata } from '../event-store/event-store.port.js';
import { RoutePolicy } from './access-policy.js';
import { AccessDeniedError, AuthenticationError, TooManyFailedAuthenticationsError } from './auth.errors.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import type { Principal } from './principal.js';

export interface AuthenticatedRequest extends Request {
  /** The caller whose bearer token was verified. */
  principal?: Principal;
  actor?: ActorMetadata;
  /** Why the bearer token given was refused. */
  authenticationError?: AuthenticationError;
}

/**
 * The one gate of every route: a route without a declared policy is closed to everyone;
 * otherwise the caller (whose token the authentication middleware verified) must be there
 * and hold a role the policy allows. Scope (the caller's subtree) is enforced by the
 * commands and the queries themselves.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly limiter: FailedAuthLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const policy = this.reflector.getAllAndOverride(RoutePolicy, [context.getHandler(), context.getClass()]);
    if (!policy) {
      this.logger.error(`${req.method} ${routeOf(req)} has no access policy and stays closed`);
      throw new AccessDeniedError('auth.no_policy', 'this route declares no access policy, so it is closed to every caller');
    }
    if (policy.public) return true;

    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const wait = this.limiter.blockedFor(client);
    if (wait !== null) throw new TooManyFailedAuthenticationsError(wait);
    const principal = req.principal;
    if (!principal) {
      const refusal =
        req.authenticationError ?? new AuthenticationError('auth.token_missing', 'this route needs an Authorization: Bearer <token> header');
      const blocked = await this.limiter.recordFailure(client).catch((e: unknown) => {
        this.logger.warn(`could not count a failed authentication: ${e instanceof Error ? e.message : String(e)}`);
        return null;
      });
      throw blocked !== null ? new TooManyFailedAuthenticationsError(blocked) : refusal;
    }
    if (!policy.roles.includes(principal.role)) {
      throw new AccessDeniedError('auth.role_forbidden', `the ${principal.role} role may not call ${req.method} ${routeOf(req)}`);
    }
    return true;
  }
}

function routeOf(req: Request): string {
  return (req.route as { path?: string } | undefined)?.path ?? req.path;
}
