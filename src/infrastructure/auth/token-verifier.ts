import { createSecretKey, type KeyObject } from 'node:crypto';
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
  private readonly jwt = new JwtService();
  /** A key object, made once: given the raw secret, the library would first try it as a public key on every call. */
  private readonly key: KeyObject;

  constructor(private readonly options: HmacTokenOptions) {
    super();
    this.key = createSecretKey(Buffer.from(options.secret, 'utf8'));
  }

  async verify(token: string): Promise<Principal> {
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifyAsync<Record<string, unknown>>(token, {
        // jsonwebtoken takes a KeyObject (its Secret type); @nestjs/jwt's options only name string | Buffer.
        secret: this.key as unknown as Buffer,
        // Only HS256: `none` and every other algorithm (and key confusion with them) are refused.
        algorithms: ['HS256'],
        clockTolerance: this.options.clockToleranceSeconds ?? 5,
        ...(this.options.issuer ? { issuer: this.options.issuer } : {}),
        ...(this.options.audience ? { audience: this.options.audience } : {}),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'TokenExpiredError') throw new AuthenticationError('auth.token_expired', 'the token has expired');
      throw new AuthenticationError('auth.token_invalid', `the token is not valid: ${reasonOf(error)}`);
    }
    return principalOf(claims, Math.floor(Date.now() / 1000), this.options.clockToleranceSeconds ?? 5);
  }
}

/**
 * The library's reason in words of our own: its messages can quote the configured issuer
 * or audience, which a caller with a wrong token has no business learning.
 */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  if (error instanceof Error && error.name === 'NotBeforeError') return 'it is not valid yet (nbf)';
  if (message.startsWith('jwt audience invalid')) return 'it is meant for another audience (aud)';
  if (message.startsWith('jwt issuer invalid')) return 'it comes from another issuer (iss)';
  if (message === 'invalid algorithm') return 'it must be signed with HS256';
  if (message === 'jwt signature is required') return 'it is not signed';
  if (message === 'invalid signature') return 'invalid signature';
  return 'it is malformed';
}

/** Longest lifetime accepted: the most `npm run token` issues. */
const MAX_LIFETIME_SECONDS = 365 * 86400;

/** Checks the claims every token must carry, whoever issued it. */
export function principalOf(claims: Record<string, unknown>, now = Math.floor(Date.now() / 1000), toleranceSeconds = 5): Principal {
  const invalid = (why: string): never => {
    throw new AuthenticationError('auth.token_invalid', `the token is not valid: ${why}`);
  };
  if (typeof claims.exp !== 'number') invalid('it has no expiry (exp)');
  if ((claims.exp as number) > now + MAX_LIFETIME_SECONDS + toleranceSeconds) invalid('it expires more than 365 days from now (exp)');
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > now + toleranceSeconds)) invalid('it is issued in the future (iat)');
  const { sub, role, unit } = claims;
  if (typeof sub !== 'string' || !SUBJECT.test(sub)) invalid('sub must be 1 to 200 visible ASCII characters');
  if (!isRole(role)) invalid('role must be one of admin, officer, leadership, inspector, upstream');
  if (unit !== undefined && (typeof unit !== 'string' || !UUID.test(unit))) invalid('unit must be the UUID of an org unit');
  if (unit === undefined && role !== 'admin') invalid(`a ${String(role)} token must name its unit`);
  return { sub: sub as string, role: role as Principal['role'], unitId: typeof unit === 'string' ? unit.toLowerCase() : null };
}
