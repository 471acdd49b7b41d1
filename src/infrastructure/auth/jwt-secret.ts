import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where the embedded development mode keeps its generated signing secret. */
export function jwtSecretFile(dataDir: string): string {
  return join(dataDir, 'auth-jwt-secret');
}

/**
 * The signing secret of the embedded development mode: generated once (256 random bits),
 * kept readable only by its owner, and read back on every later start.
 */
export async function embeddedJwtSecret(dataDir: string): Promise<{ secret: string; created: boolean }> {
  const file = jwtSecretFile(dataDir);
  await mkdir(dataDir, { recursive: true });
  // Written aside and linked into place: a concurrent start reads a whole secret or none.
  const draft = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(draft, `${randomBytes(32).toString('base64url')}\n`, { flag: 'wx', mode: 0o600 });
  let created = false;
  try {
    await link(draft, file);
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(draft);
  }
  let secret: string;
  try {
    secret = (await readFile(file, 'utf8')).trim();
  } catch (error) {
    throw new Error(`cannot read the token signing secret ${file}: ${(error as Error).message}`);
  }
  if (secret.length < 32) throw new Error(`${file} holds no usable secret (under 32 characters); delete it to have a new one generated`);
  return { secret, created };
}
