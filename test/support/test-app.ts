import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { afterAll, beforeAll, expect } from '@jest/globals';
import request from 'supertest';
type App = Parameters<typeof request>[0];
import { createService, type RunningService } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/app-config.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestApp {
  readonly service: RunningService;
  readonly http: App;
  /** The secret the app verifies tokens with. */
  readonly jwtSecret: string;
  /** A token of an administrator without a unit: the default caller of `api`. */
  readonly adminToken: string;
  close(): Promise<void>;
}

export interface TokenClaims {
  readonly sub: string;
  readonly role: string;
  readonly unit?: string;
  /** Seconds from now; negative for a token that has already expired. */
  readonly expiresIn?: number;
}

/** A token signed with `secret` (HS256), as `npm run token` makes them. */
export function signToken(secret: string, claims: TokenClaims): string {
  const now = Math.floor(Date.now() / 1000);
  const { expiresIn = 3600, ...rest } = claims;
  return new JwtService().sign({ ...rest, iat: now, exp: now + expiresIn }, { secret, algorithm: 'HS256' });
}

export const tokenFor = (app: TestApp, claims: TokenClaims): string => signToken(app.jwtSecret, claims);

/** The real application on a given database (not listening: supertest drives it). */
export async function startTestApp(databaseUrl: string, env: Record<string, string> = {}): Promise<TestApp> {
  const jwtSecret = env.AUTH_JWT_SECRET ?? randomBytes(32).toString('base64url');
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    AUTH_JWT_SECRET: jwtSecret,
    LOG_LEVEL: 'error',
    POLL_INTERVAL_MS: '200',
    PROJECTION_LOCK_RETRY_MS: '200',
    ...env,
  });
  const service = await createService(config);
  return {
    service,
    http: service.app.getHttpServer() as App,
    jwtSecret,
    adminToken: signToken(jwtSecret, { sub: 'test-admin', role: 'admin' }),
    close: () => service.close(),
  };
}

type Verb = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';

/**
 * Requests to the app as a caller: an administrator without a unit unless a token is given
 * (`null`: no Authorization header at all).
 */
export const api = (app: TestApp, token: string | null = app.adminToken) => {
  const as = (verb: Verb) => (path: string) => {
    const req = request(app.http)[verb](path);
    return token === null ? req : req.set('Authorization', `Bearer ${token}`);
  };
  return { get: as('get'), post: as('post'), put: as('put'), patch: as('patch'), delete: as('delete'), options: as('options') };
};

/** The body of a GET the administrator makes, which must answer 200 (else the failure shows the path, the query and the answer). */
export async function getOk(app: TestApp, path: string, query: Record<string, string> = {}): Promise<any> {
  const res = await api(app).get(path).query(query);
  expect({ path, query, status: res.status, body: res.body }).toMatchObject({ status: 200 });
  return res.body;
}

/** A test file's own database and app, started before its tests and dropped after them. */
export function useTestApp(onStart: (app: TestApp) => void, env: Record<string, string> = {}): void {
  let db: TestDatabase | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestApp(db.url, env);
    onStart(app);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });
}

/** A unit code unique to this test run. */
export const code = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface Created {
  readonly id: string;
  readonly streamRevision: number;
  readonly position: string;
}

export async function establish(
  app: TestApp,
  body: { name: string; kind: string; parentId?: string; establishedOn: string; code?: string; unitId?: string },
): Promise<Created> {
  const res = await api(app)
    .post('/org-units')
    .send({ code: body.code ?? code(body.kind), ...body });
  assert.equal(res.status, 201, `establish ${body.name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Created;
}

export async function enrol(
  app: TestApp,
  body: { unitId: string; fullName: string; joinedOn: string; memberCode?: string; memberId?: string },
): Promise<Created> {
  const res = await api(app)
    .post('/members')
    .send({ memberCode: code('M'), ...body });
  assert.equal(res.status, 201, `enrol ${body.fullName}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Created;
}
