import { type CanActivate, type ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { ActorMetadata } from '../event-store/event-store.port.js';
import { RoutePolicy } from './access-policy.js';
import { AccessDeniedError, AuthenticationError, TooManyFailedAuthenticationsError } from './auth.errors.js';
import { FailedAuthLimiter } from './failed-auth-limiter.js';
import { actorOfPrincipal, type Principal } from './principal.js';
import { TokenVerifier } from './token-verifier.js';

export interface AuthenticatedRequest extends Request {
  principal?: Principal;
  actor?: ActorMetadata;
}

/** RFC 6750 b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * The one gate of every route: a route without a declared policy is closed to everyone;
 * otherwise the bearer token is verified and the caller's role checked against the policy.
 * Scope (the caller's subtree) is enforced by the commands and the queries themselves.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger('auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: TokenVerifier,
    private readonly limiter: FailedAuthLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const policy = this.reflector.getAllAndOverride(RoutePolicy, [context.getHandler(), context.getClass()]);
    if (!policy) {
      this.logger.error(`${req.method} ${req.route?.path ?? req.path} has no access policy and stays closed`);
      throw new AccessDeniedError('auth.no_policy', 'this route declares no access policy, so it is closed to every caller');
    }
    if (policy.public) return true;

    const client = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    const wait = this.limiter.blockedFor(client);
    if (wait !== null) throw new TooManyFailedAuthenticationsError(wait);
    let principal: Principal;
    try {
      principal = await this.verifier.verify(bearerTokenOf(req));
    } catch (error) {
      if (error instanceof AuthenticationError) {
        const blocked = await this.limiter.recordFailure(client).catch((e: unknown) => {
          this.logger.warn(`could not count a failed authentication: ${e instanceof Error ? e.message : String(e)}`);
          return null;
        });
        if (blocked !== null) throw new TooManyFailedAuthenticationsError(blocked);
      }
      throw error;
    }
    if (!policy.roles.includes(principal.role)) {
      throw new AccessDeniedError('auth.role_forbidden', `the ${principal.role} role may not call ${req.method} ${req.route?.path ?? req.path}`);
    }
    req.principal = principal;
    req.actor = actorOfPrincipal(principal);
    return true;
  }
}

function bearerTokenOf(req: Request): string {
  const header = req.header('authorization');
  if (header === undefined || header.trim() === '') {
    throw new AuthenticationError('auth.token_missing', 'this route needs an Authorization: Bearer <token> header');
  }
  const match = BEARER.exec(header);
  if (!match) throw new AuthenticationError('auth.token_invalid', 'the Authorization header must be "Bearer <token>"');
  return match[1]!;
}
