import { describe, expect, it } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import type { Response } from 'express';
import { Reflector } from '@nestjs/core';
import type { DataSource } from 'typeorm';
import { Access, Public } from './access-policy.js';
import { AccessDeniedError, AuthenticationError, TooManyFailedAuthenticationsError } from './auth.errors.js';
import { AuthGuard } from './auth.guard.js';
import type { AuthenticatedRequest } from './authenticated-request.js';
import { authenticationMiddleware } from './authentication.middleware.js';
import { clientOf, FailedAuthLimiter } from './failed-auth-limiter.js';
import type { Principal } from './principal.js';
import { TokenVerifier } from './token-verifier.js';
import { actorOf } from '../http/request-context.js';

class Routes {
  noPolicy(): void {}
  @Public()
  health(): void {}
  @Access.read()
  view(): void {}
  @Access.write()
  command(): void {}
  @Access.admin()
  operate(): void {}
}

/** Accepts the tokens it knows; every other token is refused as invalid. */
class KnownTokens extends TokenVerifier {
  constructor(private readonly known: Record<string, Principal>) {
    super();
  }
  async verify(token: string): Promise<Principal> {
    const principal = this.known[token];
    if (!principal) throw new AuthenticationError('auth.token_invalid', 'the token is not valid: unknown');
    return principal;
  }
}

/** Counts failures in memory in place of the shared table. */
class CountingLimiter extends FailedAuthLimiter {
  readonly failures = new Map<string, number>();
  constructor(private readonly limit: number) {
    super({} as DataSource, { limit, windowSeconds: 60 });
  }
  override async recordFailure(client: string): Promise<number | null> {
    const n = (this.failures.get(client) ?? 0) + 1;
    this.failures.set(client, n);
    return n > this.limit ? 60 : null;
  }
}

const UNIT = '4f1c2a52-2b7e-4f57-9d0a-8c1f4f3e9a10';
const tokens = new KnownTokens({
  'officer-token': { sub: 'lan', role: 'officer', unitId: UNIT },
  'inspector-token': { sub: 'minh', role: 'inspector', unitId: UNIT },
  'admin-token': { sub: 'root', role: 'admin', unitId: null },
  'district-admin-token': { sub: 'hai', role: 'admin', unitId: UNIT },
});

/** A request as it reaches the guard: through the authentication middleware first. */
async function call(
  handler: keyof Routes,
  authorization?: string,
  ip = '10.0.0.1',
  limiter: FailedAuthLimiter = new CountingLimiter(100),
): Promise<{ context: ExecutionContext; req: AuthenticatedRequest }> {
  const req = {
    method: 'POST',
    path: `/${handler}`,
    ip,
    socket: {},
    header: (name: string) => (name.toLowerCase() === 'authorization' ? authorization : undefined),
  } as unknown as AuthenticatedRequest;
  await new Promise<void>((resolve, reject) =>
    authenticationMiddleware(tokens, limiter)(req, {} as Response, (error?: unknown) => (error ? reject(error as Error) : resolve())),
  );
  const context = {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => req }),
  } as unknown as ExecutionContext;
  return { context, req };
}

/** What the middleware or the guard refuses the call with. */
async function refusal(guard: AuthGuard, handler: keyof Routes, authorization?: string, ip?: string, limiter?: FailedAuthLimiter): Promise<Error> {
  try {
    await guard.canActivate((await call(handler, authorization, ip, limiter)).context);
  } catch (error) {
    return error as Error;
  }
  throw new Error(`${handler} was let through`);
}

describe('the authentication middleware and the access guard', () => {
  it('closes a route without a policy to everyone, administrators included', async () => {
    const guard = new AuthGuard(new Reflector(), new CountingLimiter(100));
    for (const token of [undefined, 'Bearer admin-token', 'Bearer officer-token']) {
      const error = await refusal(guard, 'noPolicy', token);
      expect(error).toBeInstanceOf(AccessDeniedError);
      expect((error as AccessDeniedError).code).toBe('auth.no_policy');
    }
  });

  it('lets a public route through without a token', async () => {
    const guard = new AuthGuard(new Reflector(), new CountingLimiter(100));
    await expect(guard.canActivate((await call('health')).context)).resolves.toBe(true);
  });

  it('needs a bearer token everywhere else, and records who the caller is', async () => {
    const guard = new AuthGuard(new Reflector(), new CountingLimiter(100));
    expect(((await refusal(guard, 'view')) as AuthenticationError).code).toBe('auth.token_missing');
    expect(((await refusal(guard, 'view', 'Basic b2ZmaWNlcg==')) as AuthenticationError).code).toBe('auth.token_invalid');
    expect(((await refusal(guard, 'view', 'Bearer someone-else')) as AuthenticationError).code).toBe('auth.token_invalid');
    const { context, req } = await call('view', 'bearer officer-token');
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(req.principal).toEqual({ sub: 'lan', role: 'officer', unitId: UNIT });
    // What the events of its commands will record of it.
    expect(actorOf(req)).toEqual({ id: 'lan', role: 'officer', scopeUnitId: UNIT });
  });

  it('reads only a whole "Bearer <token>" header; a blank one is no token at all', async () => {
    const guard = new AuthGuard(new Reflector(), new CountingLimiter(100));
    // Spaces around and between are allowed...
    await expect(guard.canActivate((await call('view', 'Bearer   officer-token  ')).context)).resolves.toBe(true);
    // ...anything before or after the token is not.
    for (const header of ['xBearer officer-token', 'Bearer officer-token extra', 'Bearer', 'Bearer officer-token,admin-token']) {
      const error = await refusal(guard, 'view', header);
      expect({ header, code: (error as AuthenticationError).code }).toEqual({ header, code: 'auth.token_invalid' });
    }
    expect((await refusal(guard, 'view', 'Basic b2ZmaWNlcg==')).message).toBe('the Authorization header must be "Bearer <token>"');
    // A header of white space only is the same as none: a public route takes it, another one asks for a token.
    await expect(guard.canActivate((await call('health', '   ')).context)).resolves.toBe(true);
    expect(((await refusal(guard, 'view', '  ')) as AuthenticationError).code).toBe('auth.token_missing');
  });

  it('lets an administrator call every kind of route her policy names', async () => {
    const guard = new AuthGuard(new Reflector(), new CountingLimiter(100));
    for (const handler of ['view', 'command', 'operate'] as const) {
      await expect(guard.canActivate((await call(handler, 'Bearer admin-token')).context)).resolves.toBe(true);
    }
  });

  it('says why it refuses, naming the role and the route', async () => {
    const guard = new AuthGuard(new Reflector(), new CountingLimiter(100));
    expect((await refusal(guard, 'noPolicy', 'Bearer admin-token')).message).toBe('this route declares no access policy, so it is closed to every caller');
    expect((await refusal(guard, 'view')).message).toBe('this route needs an Authorization: Bearer <token> header');
    expect((await refusal(guard, 'command', 'Bearer inspector-token')).message).toBe('the inspector role may not call POST /command');
    expect((await refusal(guard, 'operate', 'Bearer district-admin-token')).message).toBe(
      'POST /operate acts on the whole registry: it needs an admin without a unit',
    );
  });

  it('passes on a failure of the token verifier itself instead of answering 401', async () => {
    const failing = new (class extends TokenVerifier {
      async verify(): Promise<Principal> {
        throw new Error('the key store is unreachable');
      }
    })();
    const req = { method: 'GET', path: '/view', ip: '10.0.0.1', socket: {}, header: () => 'Bearer anything' } as unknown as AuthenticatedRequest;
    const limiter = new CountingLimiter(100);
    const passed = await new Promise<unknown>((resolve) => authenticationMiddleware(failing, limiter)(req, {} as Response, resolve));
    expect(passed).toBeInstanceOf(Error);
    expect(passed).not.toBeInstanceOf(AuthenticationError);
    expect((passed as Error).message).toBe('the key store is unreachable');
    // Not a failed authentication of the client: nothing is counted against it.
    expect(limiter.failures.size).toBe(0);
  });

  it('checks the role against the policy', async () => {
    const guard = new AuthGuard(new Reflector(), new CountingLimiter(100));
    expect(((await refusal(guard, 'command', 'Bearer inspector-token')) as AccessDeniedError).code).toBe('auth.role_forbidden');
    expect(((await refusal(guard, 'operate', 'Bearer officer-token')) as AccessDeniedError).code).toBe('auth.role_forbidden');
    await expect(guard.canActivate((await call('command', 'Bearer officer-token')).context)).resolves.toBe(true);
    await expect(guard.canActivate((await call('operate', 'Bearer admin-token')).context)).resolves.toBe(true);
    // Operations act on the whole registry: an admin with a unit may not.
    expect(((await refusal(guard, 'operate', 'Bearer district-admin-token')) as AccessDeniedError).code).toBe('auth.out_of_scope');
    await expect(guard.canActivate((await call('command', 'Bearer district-admin-token')).context)).resolves.toBe(true);
  });

  it('answers a client’s failures past the limit with 429, and still lets its good tokens through', async () => {
    const limiter = new CountingLimiter(2);
    const guard = new AuthGuard(new Reflector(), limiter);
    expect(await refusal(guard, 'view', 'Bearer guess-1', '10.0.0.9', limiter)).toBeInstanceOf(AuthenticationError);
    expect(await refusal(guard, 'view', undefined, '10.0.0.9', limiter)).toBeInstanceOf(AuthenticationError);
    const third = await refusal(guard, 'view', 'Bearer guess-3', '10.0.0.9', limiter);
    expect(third).toBeInstanceOf(TooManyFailedAuthenticationsError);
    expect((third as TooManyFailedAuthenticationsError).retryAfterSeconds).toBe(60);
    // A bad token is refused on any path, public ones included: no answer tells good from bad but that.
    expect(await refusal(guard, 'health', 'Bearer guess-4', '10.0.0.9', limiter)).toBeInstanceOf(TooManyFailedAuthenticationsError);
    // The address may be shared by many users: a token that verifies passes.
    await expect(guard.canActivate((await call('view', 'Bearer officer-token', '10.0.0.9', limiter)).context)).resolves.toBe(true);
    expect(limiter.failures.get('10.0.0.9')).toBe(4);
    expect(limiter.failures.has('10.0.0.10')).toBe(false);
  });

  it('counts IPv6 clients by their /64 and IPv4-mapped addresses as IPv4', () => {
    const req = (ip: string) => ({ ip, socket: {} }) as unknown as AuthenticatedRequest;
    expect(clientOf(req('2001:db8:aa:bb:1:2:3:4'))).toBe('2001:db8:aa:bb::/64');
    expect(clientOf(req('2001:db8:aa:bb::9'))).toBe('2001:db8:aa:bb::/64');
    expect(clientOf(req('2001:0db8:00aa:00bb:ffff::'))).toBe('2001:db8:aa:bb::/64');
    expect(clientOf(req('::1'))).toBe('0:0:0:0::/64');
    expect(clientOf(req('::ffff:10.1.2.3'))).toBe('10.1.2.3');
    expect(clientOf(req('10.1.2.3'))).toBe('10.1.2.3');
  });
});
