import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { embeddedJwtSecret, jwtSecretFile } from './jwt-secret.js';

describe('the signing secret of the embedded mode', () => {
  const dirs: string[] = [];
  const fresh = (): string => {
    const dir = mkdtempSync(join(tmpdir(), 'jwt-secret-'));
    dirs.push(dir);
    return join(dir, 'data');
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is generated once, readable only by its owner, and the same on every later start', async () => {
    const dataDir = fresh();
    const first = await embeddedJwtSecret(dataDir);
    expect(first.created).toBe(true);
    expect(first.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(jwtSecretFile(dataDir)).mode & 0o777).toBe(0o600);
    expect(await embeddedJwtSecret(dataDir)).toEqual({ secret: first.secret, created: false });
    expect(readdirSync(dataDir)).toEqual(['auth-jwt-secret']);
  });

  it('is one secret when several starts race to create it', async () => {
    const dataDir = fresh();
    const secrets = await Promise.all(Array.from({ length: 8 }, () => embeddedJwtSecret(dataDir)));
    expect(new Set(secrets.map((s) => s.secret)).size).toBe(1);
    expect(secrets.filter((s) => s.created)).toHaveLength(1);
    expect(readdirSync(dataDir)).toEqual(['auth-jwt-secret']);
  });

  it('is different in another data directory', async () => {
    expect((await embeddedJwtSecret(fresh())).secret).not.toBe((await embeddedJwtSecret(fresh())).secret);
  });

  it('refuses a file holding no usable secret, saying what to do', async () => {
    const dataDir = fresh();
    await embeddedJwtSecret(dataDir);
    writeFileSync(jwtSecretFile(dataDir), 'short\n');
    await expect(embeddedJwtSecret(dataDir)).rejects.toThrow(/no usable secret .* delete it/);
  });

  it('says which file it cannot read when the secret is not a readable file', async () => {
    const dataDir = fresh();
    mkdirSync(jwtSecretFile(dataDir), { recursive: true });
    await expect(embeddedJwtSecret(dataDir)).rejects.toThrow(/cannot read the token signing secret .*auth-jwt-secret: EISDIR/);
  });
});
