import { JwtService } from '@nestjs/jwt';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { AuthenticationError } from '../infrastructure/auth/auth.errors.js';
import { embeddedJwtSecret, jwtSecretFile } from '../infrastructure/auth/jwt-secret.js';
import { isRole, ROLES } from '../infrastructure/auth/principal.js';
import { principalOf } from '../infrastructure/auth/token-verifier.js';

export const USAGE = `usage: npm run -s token -- --sub <user id> --role <admin|officer|leadership|inspector|upstream> [--unit <org unit id>] [--expires-in 8h]

Prints a bearer token signed with the service's secret: AUTH_JWT_SECRET, or, in the embedded
mode (no DATABASE_URL), the secret generated under DATA_DIR (default ./.data).
--unit is the org unit whose subtree is the user's scope; only an admin may omit it.
--expires-in is a count of seconds, or of minutes, hours or days: 900, 30m, 8h, 7d (at most 365d).`;

/** The arguments or the configuration are wrong; the message says which. */
export class TokenRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

const DURATION = /^(\d{1,8})([smhd]?)$/;
const SECONDS = { '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const;

/** What `npm run token` prints: a token for the given arguments, signed with the service's secret. */
export interface IssuedToken {
  readonly token: string;
  /** Said on stderr: the embedded secret did not exist and was generated for this token. */
  readonly notice: string | null;
}

export async function issueToken(args: readonly string[], env: NodeJS.ProcessEnv, now = Date.now()): Promise<IssuedToken> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        sub: { type: 'string' },
        role: { type: 'string' },
        unit: { type: 'string' },
        'expires-in': { type: 'string', default: '8h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new TokenRequestError(error instanceof Error ? error.message : String(error));
  }
  const duration = DURATION.exec(values['expires-in'] ?? '');
  if (!duration) throw new TokenRequestError(`--expires-in ${JSON.stringify(values['expires-in'])} is not a duration`);
  const lifetime = Number(duration[1]) * SECONDS[duration[2] as keyof typeof SECONDS];
  if (lifetime < 1 || lifetime > 365 * 86400) throw new TokenRequestError('--expires-in must be between 1 second and 365 days');
  if (values.sub === undefined) throw new TokenRequestError('--sub is required');
  if (!isRole(values.role)) throw new TokenRequestError(`--role must be one of ${ROLES.join(', ')}`);
  if (values.unit === undefined && values.role !== 'admin') throw new TokenRequestError(`--unit is required for the ${values.role} role`);

  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new TokenRequestError(error.message);
    throw error;
  }
  const iat = Math.floor(now / 1000);
  const claims: Record<string, unknown> = { sub: values.sub, role: values.role, iat, exp: iat + lifetime };
  if (values.unit !== undefined) claims.unit = values.unit.toLowerCase();
  if (config.AUTH_JWT_ISSUER) claims.iss = config.AUTH_JWT_ISSUER;
  if (config.AUTH_JWT_AUDIENCE) claims.aud = config.AUTH_JWT_AUDIENCE;
  try {
    // The very checks the service applies: a token printed here is one it accepts.
    principalOf(claims);
  } catch (error) {
    if (error instanceof AuthenticationError) throw new TokenRequestError(error.message.replace('the token is not valid: ', ''));
    throw error;
  }
  let secret = config.AUTH_JWT_SECRET;
  let notice: string | null = null;
  if (secret === undefined) {
    const generated = await embeddedJwtSecret(config.DATA_DIR);
    secret = generated.secret;
    if (generated.created) {
      notice = `no signing secret was kept in ${config.DATA_DIR} yet: a new one was generated in ${jwtSecretFile(config.DATA_DIR)}; the service accepts this token when it runs with DATA_DIR=${config.DATA_DIR}`;
    }
  }
  return { token: new JwtService().sign(claims, { secret, algorithm: 'HS256' }), notice };
}
