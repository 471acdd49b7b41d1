import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from '@jest/globals';
import request from 'supertest';
type App = Parameters<typeof request>[0];
import { createService, type RunningService } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/app-config.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestApp {
  readonly service: RunningService;
  readonly http: App;
  close(): Promise<void>;
}

/** The real application on a given database (not listening: supertest drives it). */
export async function startTestApp(databaseUrl: string, env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'error',
    POLL_INTERVAL_MS: '200',
    PROJECTION_LOCK_RETRY_MS: '200',
    ...env,
  });
  const service = await createService(config);
  return {
    service,
    http: service.app.getHttpServer() as App,
    close: () => service.close(),
  };
}

export const api = (app: TestApp) => request(app.http);

/** A test file's own database and app, started before its tests and dropped after them. */
export function useTestApp(onStart: (app: TestApp) => void): void {
  let db: TestDatabase | undefined;
  let app: TestApp | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestApp(db.url);
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
