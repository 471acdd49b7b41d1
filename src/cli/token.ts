import { JwtService } from '@nestjs/jwt';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { AuthenticationError } from '../infrastructure/auth/auth.errors.js';
import { isRole, ROLES } from '../infrastructure/auth/principal.js';
import { embeddedJwtSecret } from '../infrastructure/auth/jwt-secret.js';
import { principalOf } from '../infrastructure/auth/token-verifier.js';

const USAGE = `usage: npm run -s token -- --sub <user id> --role <admin|officer|leadership|inspector|upstream> [--unit <org unit id>] [--expires-in 8h]

Prints a bearer token signed with the service's secret: AUTH_JWT_SECRET, or, in the embedded
mode (no DATABASE_URL), the secret generated under DATA_DIR (default ./.data).
--unit is the org unit whose subtree is the user's scope; only an admin may omit it.
--expires-in is a count of seconds, or of minutes, hours or days: 900, 30m, 8h, 7d (at most 365d).`;

const DURATION = /^(\d{1,8})([smhd]?)$/;
const SECONDS = { '': 1, s: 1, m: 60, h: 3600, d: 86400 } as const;

function fail(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        sub: { type: 'string' },
        role: { type: 'string' },
        unit: { type: 'string' },
        'expires-in': { type: 'string', default: '8h' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const duration = DURATION.exec(values['expires-in'] ?? '');
  if (!duration) fail(`--expires-in ${JSON.stringify(values['expires-in'])} is not a duration`);
  const lifetime = Number(duration[1]) * SECONDS[duration[2] as keyof typeof SECONDS];
  if (lifetime < 1 || lifetime > 365 * 86400) fail('--expires-in must be between 1 second and 365 days');

  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.message);
    throw error;
  }
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { sub: values.sub, role: values.role, iat: now, exp: now + lifetime };
  if (values.unit !== undefined) claims.unit = values.unit;
  if (config.AUTH_JWT_ISSUER) claims.iss = config.AUTH_JWT_ISSUER;
  if (config.AUTH_JWT_AUDIENCE) claims.aud = config.AUTH_JWT_AUDIENCE;
  if (values.sub === undefined) fail('--sub is required');
  if (!isRole(values.role)) fail(`--role must be one of ${ROLES.join(', ')}`);
  if (values.unit === undefined && values.role !== 'admin') fail(`--unit is required for the ${values.role} role`);
  try {
    principalOf(claims);
  } catch (error) {
    if (error instanceof AuthenticationError) fail(error.message.replace('the token is not valid: ', ''));
    throw error;
  }
  const secret = config.AUTH_JWT_SECRET ?? (await embeddedJwtSecret(config.DATA_DIR));
  process.stdout.write(`${new JwtService().sign(claims, { secret, algorithm: 'HS256' })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`token: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
