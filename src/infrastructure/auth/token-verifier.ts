import { JwtService } from '@nestjs/jwt';
import { AuthenticationError } from './auth.errors.js';
import { isRole, type Principal } from './principal.js';

/**
 * Turns a bearer token into a principal, or throws an AuthenticationError. The guard and
 * the controllers know only this port: another issuer (OIDC with a JWKS endpoint) is
 * another implementation bound in the infrastructure module.
 */
export abstract class TokenVerifier {
  abstract verify(token: string): Promise<Principal>;
}

export interface HmacTokenOptions {
  readonly secret: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Seconds of clock skew tolerated on `exp` and `nbf`. */
  readonly clockToleranceSeconds?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUBJECT = /^[\x21-\x7e]{1,200}$/;

/** Tokens of API.md: HS256 with the shared secret, claims `sub`, `role`, `unit`, and an expiry. */
export class HmacTokenVerifier extends TokenVerifier {
  private readonly jwt: JwtService;

  constructor(private readonly options: HmacTokenOptions) {
    super();
    this.jwt = new JwtService({ secret: options.secret });
  }

  async verify(token: string): Promise<Principal> {
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync<Record<string, unknown>>(token, {
        secret: this.options.secret,
        // Only HS256: `none` and every other algorithm (and key confusion with them) are refused.
        algorithms: ['HS256'],
        clockTolerance: this.options.clockToleranceSeconds ?? 30,
        ...(this.options.issuer ? { issuer: this.options.issuer } : {}),
        ...(this.options.audience ? { audience: this.options.audience } : {}),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'TokenExpiredError') throw new AuthenticationError('auth.token_expired', 'the token has expired');
      const reason = error instanceof Error ? error.message : 'unreadable';
      throw new AuthenticationError('auth.token_invalid', `the token is not valid: ${reason}`);
    }
    return principalOf(claims);
  }
}

/** Checks the claims every token must carry, whoever issued it. */
export function principalOf(claims: Record<string, unknown>): Principal {
  const invalid = (why: string): never => {
    throw new AuthenticationError('auth.token_invalid', `the token is not valid: ${why}`);
  };
  if (typeof claims.exp !== 'number') invalid('it has no expiry (exp)');
  const { sub, role, unit } = claims;
  if (typeof sub !== 'string' || !SUBJECT.test(sub)) invalid('sub must be 1 to 200 visible ASCII characters');
  if (!isRole(role)) invalid('role must be one of admin, officer, leadership, inspector, upstream');
  if (unit !== undefined && (typeof unit !== 'string' || !UUID.test(unit))) invalid('unit must be the UUID of an org unit');
  if (unit === undefined && role !== 'admin') invalid(`a ${String(role)} token must name its unit`);
  return { sub: sub as string, role: role as Principal['role'], unitId: typeof unit === 'string' ? unit.toLowerCase() : null };
}
