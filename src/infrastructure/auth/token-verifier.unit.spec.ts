import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import { AuthenticationError } from './auth.errors.js';
import { HmacTokenVerifier, principalOf } from './token-verifier.js';

const SECRET = 'the-service-secret-of-at-least-32-chars';
const UNIT = '4f1c2a52-2b7e-4f57-9d0a-8c1f4f3e9a10';
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(claims: Record<string, unknown>, options: { secret?: string; algorithm?: 'HS256' | 'HS384' | 'HS512' } = {}): string {
  const present = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
  return new JwtService().sign(present, { secret: options.secret ?? SECRET, algorithm: options.algorithm ?? 'HS256' });
}

/** A token assembled by hand, for headers no library would write. */
function handMade(header: Record<string, unknown>, claims: Record<string, unknown>, signature = ''): string {
  return `${b64(header)}.${b64(claims)}.${signature}`;
}

const valid = { sub: 'lan.nguyen', role: 'officer', unit: UNIT, exp: now() + 600 };

async function refusal(token: string, verifier = new HmacTokenVerifier({ secret: SECRET })): Promise<{ code: string; message: string }> {
  try {
    await verifier.verify(token);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    return { code: (error as AuthenticationError).code, message: (error as AuthenticationError).message };
  }
  throw new Error('the token was accepted');
}

describe('HS256 bearer tokens', () => {
  const verifier = new HmacTokenVerifier({ secret: SECRET });

  it('accepts a token signed with the secret and reads sub, role and unit', async () => {
    await expect(verifier.verify(sign(valid))).resolves.toEqual({ sub: 'lan.nguyen', role: 'officer', unitId: UNIT });
  });

  it('accepts an admin without a unit: the whole registry', async () => {
    await expect(verifier.verify(sign({ sub: 'root', role: 'admin', exp: now() + 60 }))).resolves.toEqual({ sub: 'root', role: 'admin', unitId: null });
  });

  it('refuses an expired token as expired', async () => {
    expect((await refusal(sign({ ...valid, exp: now() - 120 }))).code).toBe('auth.token_expired');
  });

  it('refuses a token signed with another secret', async () => {
    expect(await refusal(sign(valid, { secret: 'some-other-secret-of-32-characters!!' }))).toEqual({
      code: 'auth.token_invalid',
      message: 'the token is not valid: invalid signature',
    });
  });

  it('refuses alg "none", with or without a signature', async () => {
    expect((await refusal(handMade({ alg: 'none', typ: 'JWT' }, valid))).code).toBe('auth.token_invalid');
    expect((await refusal(handMade({ alg: 'none', typ: 'JWT' }, valid, 'c2ln'))).code).toBe('auth.token_invalid');
  });

  it('refuses every algorithm but HS256, even with the right secret', async () => {
    expect((await refusal(sign(valid, { algorithm: 'HS512' }))).code).toBe('auth.token_invalid');
    expect((await refusal(sign(valid, { algorithm: 'HS384' }))).code).toBe('auth.token_invalid');
    const header = { alg: 'RS256', typ: 'JWT' };
    const signature = createHmac('sha256', SECRET).update(`${b64(header)}.${b64(valid)}`).digest('base64url');
    expect((await refusal(handMade(header, valid, signature))).code).toBe('auth.token_invalid');
  });

  it('refuses malformed tokens', async () => {
    for (const token of ['abc', 'a.b.c', `${b64({ alg: 'HS256' })}.not-json.x`, '']) {
      expect((await refusal(token)).code).toBe('auth.token_invalid');
    }
  });

  it('refuses a token whose signed claims are altered', async () => {
    const [h, , s] = sign(valid).split('.');
    expect((await refusal(`${h}.${b64({ ...valid, role: 'admin' })}.${s}`)).code).toBe('auth.token_invalid');
  });

  it('refuses tokens without the claims of API.md, naming what is wrong', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...valid, exp: undefined }, /no expiry/],
      [{ ...valid, sub: undefined }, /sub must be/],
      [{ ...valid, sub: '' }, /sub must be/],
      [{ ...valid, role: 'superuser' }, /role must be one of/],
      [{ ...valid, role: undefined }, /role must be one of/],
      [{ ...valid, unit: undefined }, /a officer token must name its unit/],
      [{ ...valid, unit: 'district-7' }, /unit must be the UUID/],
    ];
    for (const [claims, why] of cases) {
      const { code, message } = await refusal(sign(claims));
      expect(code).toBe('auth.token_invalid');
      expect(message).toMatch(why);
    }
  });

  it('refuses a token not yet valid (nbf in the future)', async () => {
    expect(await refusal(sign({ ...valid, nbf: now() + 3600 }))).toEqual({ code: 'auth.token_invalid', message: 'the token is not valid: it is not valid yet (nbf)' });
  });

  it('refuses a token issued in the future or living longer than a year', async () => {
    expect((await refusal(sign({ ...valid, iat: now() + 3600 }))).message).toMatch(/issued in the future/);
    expect((await refusal(sign({ ...valid, exp: now() + 100 * 365 * 86400 }))).message).toMatch(/more than 365 days/);
    await expect(verifier.verify(sign({ ...valid, iat: now(), exp: now() + 364 * 86400 }))).resolves.toMatchObject({ role: 'officer' });
  });

  it('says why a token does not verify', async () => {
    expect((await refusal(sign(valid, { algorithm: 'HS512' }))).message).toBe('the token is not valid: it must be signed with HS256');
    expect((await refusal(handMade({ alg: 'none', typ: 'JWT' }, valid))).message).toBe('the token is not valid: it is not signed');
    expect((await refusal('a.b.c')).message).toBe('the token is not valid: it is malformed');
    expect(await refusal(sign({ ...valid, exp: now() - 120 }))).toEqual({ code: 'auth.token_expired', message: 'the token has expired' });
  });

  it('tolerates 5 seconds of clock difference by default, and what it is configured to', async () => {
    await expect(verifier.verify(sign({ ...valid, exp: now() - 2 }))).resolves.toMatchObject({ role: 'officer' });
    const exact = new HmacTokenVerifier({ secret: SECRET, clockToleranceSeconds: 0 });
    expect((await refusal(sign({ ...valid, exp: now() - 2 }), exact)).code).toBe('auth.token_expired');
  });

  it('takes a unit and a subject only whole: nothing before or after', async () => {
    for (const unit of [`x${UNIT}`, `${UNIT}x`, `${UNIT}\n`]) {
      expect((await refusal(sign({ ...valid, unit }))).message).toMatch(/unit must be the UUID/);
    }
    for (const sub of ['lan nguyen', ' lan', 'lan ', 'a'.repeat(201), 'lan\u00e9']) {
      expect((await refusal(sign({ ...valid, sub }))).message).toMatch(/sub must be 1 to 200 visible ASCII characters/);
    }
    await expect(verifier.verify(sign({ ...valid, sub: 'a'.repeat(200), unit: UNIT.toUpperCase() }))).resolves.toEqual({ sub: 'a'.repeat(200), role: 'officer', unitId: UNIT });
  });

  it('bounds the issue time and the lifetime to the second, within the tolerance', () => {
    const at = 1_900_000_000;
    const claims = { sub: 'lan', role: 'officer', unit: UNIT };
    const year = 365 * 86400;
    expect(principalOf({ ...claims, exp: at + year + 5, iat: at + 5 }, at, 5)).toEqual({ sub: 'lan', role: 'officer', unitId: UNIT });
    // A token need not say when it was issued.
    expect(principalOf({ ...claims, exp: at + 60 }, at, 5)).toEqual({ sub: 'lan', role: 'officer', unitId: UNIT });
    expect(() => principalOf({ ...claims, exp: at + year + 6 }, at, 5)).toThrow(/more than 365 days/);
    expect(() => principalOf({ ...claims, exp: at + 60, iat: at + 6 }, at, 5)).toThrow(/issued in the future/);
    expect(() => principalOf({ ...claims, exp: at + 60, iat: 'yesterday' }, at, 5)).toThrow(/issued in the future/);
  });

  it('never quotes the configured issuer or audience to a caller with a wrong token', async () => {
    const strict = new HmacTokenVerifier({ secret: SECRET, issuer: 'https://sso.internal.congdoan.vn', audience: 'ledger-prod-7' });
    const wrongIssuer = await refusal(sign({ ...valid, iss: 'https://evil', aud: 'ledger-prod-7' }), strict);
    const wrongAudience = await refusal(sign({ ...valid, iss: 'https://sso.internal.congdoan.vn', aud: 'x' }), strict);
    expect(wrongIssuer.message).toBe('the token is not valid: it comes from another issuer (iss)');
    expect(wrongAudience.message).toBe('the token is not valid: it is meant for another audience (aud)');
  });

  it('checks issuer and audience when they are configured', async () => {
    const strict = new HmacTokenVerifier({ secret: SECRET, issuer: 'https://sso.congdoan.vn', audience: 'union-study-ledger' });
    expect((await refusal(sign(valid), strict)).code).toBe('auth.token_invalid');
    expect((await refusal(sign({ ...valid, iss: 'https://sso.congdoan.vn', aud: 'another-app' }), strict)).code).toBe('auth.token_invalid');
    await expect(strict.verify(sign({ ...valid, iss: 'https://sso.congdoan.vn', aud: 'union-study-ledger' }))).resolves.toMatchObject({
      role: 'officer',
    });
  });
});
