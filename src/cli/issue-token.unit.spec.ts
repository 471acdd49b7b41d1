import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { embeddedJwtSecret } from '../infrastructure/auth/jwt-secret.js';
import { HmacTokenVerifier } from '../infrastructure/auth/token-verifier.js';
import { issueToken, TokenRequestError } from './issue-token.js';

const UNIT = '4F1C2A52-2B7E-4F57-9D0A-8C1F4F3E9A10';
const SECRET = 'a-deployment-secret-of-32-characters!';

describe('npm run token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-cli-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('signs with AUTH_JWT_SECRET a token the service accepts', async () => {
    const { token, notice } = await issueToken(['--sub', 'alice', '--role', 'officer', '--unit', UNIT], {
      AUTH_JWT_SECRET: SECRET,
      DATABASE_URL: 'postgres://x/y',
    });
    expect(notice).toBeNull();
    await expect(new HmacTokenVerifier({ secret: SECRET }).verify(token)).resolves.toEqual({ sub: 'alice', role: 'officer', unitId: UNIT.toLowerCase() });
  });

  it('signs with the secret the embedded mode keeps under DATA_DIR (creating it if need be)', async () => {
    const dataDir = join(dir, 'data');
    const first = await issueToken(['--sub', 'root', '--role', 'admin'], { DATA_DIR: dataDir });
    // Said on stderr, so that a mistyped DATA_DIR does not go unnoticed.
    expect(first.notice).toMatch(/a new one was generated in .*auth-jwt-secret/);
    const { secret, created } = await embeddedJwtSecret(dataDir);
    expect(created).toBe(false);
    await expect(new HmacTokenVerifier({ secret }).verify(first.token)).resolves.toEqual({ sub: 'root', role: 'admin', unitId: null });
    const second = await issueToken(['--sub', 'root', '--role', 'admin'], { DATA_DIR: dataDir });
    expect(second.notice).toBeNull();
    await expect(new HmacTokenVerifier({ secret }).verify(second.token)).resolves.toMatchObject({ role: 'admin' });
  });

  it('gives the token the lifetime asked for (8 hours unless told)', async () => {
    const payload = (t: string) => JSON.parse(Buffer.from(t.split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
    const env = { AUTH_JWT_SECRET: SECRET };
    const standard = payload((await issueToken(['--sub', 'a', '--role', 'admin'], env)).token);
    expect(standard.exp - standard.iat).toBe(8 * 3600);
    const short = payload((await issueToken(['--sub', 'a', '--role', 'admin', '--expires-in', '15m'], env)).token);
    expect(short.exp - short.iat).toBe(900);
  });

  it('carries the configured issuer and audience', async () => {
    const env = { AUTH_JWT_SECRET: SECRET, AUTH_JWT_ISSUER: 'https://sso.congdoan.vn', AUTH_JWT_AUDIENCE: 'ledger' };
    const { token } = await issueToken(['--sub', 'a', '--role', 'leadership', '--unit', UNIT], env);
    await expect(new HmacTokenVerifier({ secret: SECRET, issuer: env.AUTH_JWT_ISSUER, audience: env.AUTH_JWT_AUDIENCE }).verify(token)).resolves.toMatchObject({
      role: 'leadership',
    });
  });

  it('refuses wrong arguments, naming the one at fault', async () => {
    const env = { AUTH_JWT_SECRET: SECRET };
    const cases: [string[], RegExp][] = [
      [['--role', 'admin'], /--sub is required/],
      [['--sub', 'a', '--role', 'root'], /--role must be one of admin, officer, leadership, inspector, upstream/],
      [['--sub', 'a', '--role', 'inspector'], /--unit is required for the inspector role/],
      [['--sub', 'a', '--role', 'officer', '--unit', 'district-7'], /unit must be the UUID of an org unit/],
      [['--sub', 'a', '--role', 'admin', '--expires-in', 'forever'], /--expires-in "forever" is not a duration/],
      [['--sub', 'a', '--role', 'admin', '--expires-in', '400d'], /between 1 second and 365 days/],
      [['--sub', 'a', '--role', 'admin', '--colour', 'red'], /Unknown option '--colour'/],
    ];
    for (const [args, why] of cases) {
      await expect(issueToken(args, env)).rejects.toThrow(why);
      await expect(issueToken(args, env)).rejects.toBeInstanceOf(TokenRequestError);
    }
  });

  it('refuses to sign outside the embedded mode without AUTH_JWT_SECRET, as the service refuses to start', async () => {
    await expect(issueToken(['--sub', 'a', '--role', 'admin'], { DATABASE_URL: 'postgres://db/x' })).rejects.toThrow(/AUTH_JWT_SECRET is required/);
  });
});
