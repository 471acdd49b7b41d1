import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { RoutePolicy } from './access-policy.js';
import { AccessDeniedError, AuthenticationError } from './auth.errors.js';
import type { AuthenticatedRequest } from './authenticated-request.js';
import { clientOf, FailedAuthLimiter } from './failed-auth-limiter.js';

/**
 * The one gate of every route: a route without a declared policy is closed to everyone;
 * otherwise the caller (whose token the authentication middleware verified) must be there
 * and hold a role the policy allows; a missing token counts as a failed authentication.
 * Scope (the caller's subtree) is enforced by the commands and the queries themselves.
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

    const principal = req.principal;
    if (!principal) {
      throw await this.limiter.refusal(
        clientOf(req),
        new AuthenticationError('auth.token_missing', 'this route needs an Authorization: Bearer <token> header'),
      );
    }
    if (!policy.roles.includes(principal.role)) {
      throw new AccessDeniedError('auth.role_forbidden', `the ${principal.role} role may not call ${req.method} ${routeOf(req)}`);
    }
    if (policy.wholeRegistry && principal.unitId !== null) {
      throw new AccessDeniedError('auth.out_of_scope', `${req.method} ${routeOf(req)} acts on the whole registry: it needs an admin without a unit`);
    }
    return true;
  }
}

function routeOf(req: Request): string {
  return (req.route as { path?: string } | undefined)?.path ?? req.path;
}
