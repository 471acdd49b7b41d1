import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { api, establish, useTestApp, type TestApp } from '../support/test-app.js';

/** Polls `probe` until `ok` holds (no sleeps in assertions: the state is observed, not waited for blindly). */
async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface Holder {
  pid: number | null;
  database: string | null;
  state: string | null;
  ageSeconds: number | null;
  eventsWaiting: boolean;
  query?: string | null;
}

interface Health {
  status: 'up' | 'degraded' | 'down';
  heldBackBy: Holder | null;
}

interface ProjectionItem {
  name: string;
  lagEvents: number;
  heldBackBy: Holder | null;
}

describe('operations: what holds back the log', () => {
  let app: TestApp;
  useTestApp((started) => (app = started), { HEALTH_OPEN_TRANSACTION_SECONDS: '1' });

  let holder: pg.Client;

  beforeAll(async () => {
    // A session in another database of the cluster, idle in a transaction that holds an id.
    holder = new pg.Client({ connectionString: process.env.TEST_DATABASE_ADMIN_URL });
    await holder.connect();
  });
  afterAll(async () => {
    await holder.end();
  });

  const health = async (): Promise<Health> => (await api(app, null).get('/health').expect(200)).body as Health;
  const projections = async (): Promise<ProjectionItem[]> => (await api(app).get('/admin/projections').expect(200)).body.items as ProjectionItem[];

  it('names it on /health and on the projections, turns degraded past the configured age, and clears when it ends', async () => {
    expect(await until(health, (h) => h.heldBackBy === null)).toMatchObject({ status: 'up' });

    await holder.query('BEGIN');
    await holder.query('SELECT pg_current_xact_id()');
    const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;

    const named = await health();
    expect(named.heldBackBy).toMatchObject({ pid, database: 'postgres', state: 'idle in transaction', eventsWaiting: false });
    // The public probe never shows the statement.
    expect(Object.keys(named.heldBackBy!).sort()).toEqual(['ageObserved', 'ageSeconds', 'database', 'eventsWaiting', 'pid', 'state']);
    expect(named.status).toBe(named.heldBackBy!.ageSeconds! > 1 ? 'degraded' : 'up');

    // An event appended now waits behind it: the projections lag, and say why.
    const unit = await establish(app, { name: 'LĐLĐ tỉnh Held', kind: 'provincial_federation', establishedOn: '2001-01-01' });
    const held = await projections();
    for (const item of held) {
      expect(item.lagEvents).toBeGreaterThan(0);
      expect(item.heldBackBy).toMatchObject({ pid, database: 'postgres', eventsWaiting: true, query: 'SELECT pg_backend_pid() AS pid' });
    }
    expect((await until(health, (h) => h.status === 'degraded')).heldBackBy).toMatchObject({ pid, eventsWaiting: true });

    await holder.query('COMMIT');
    await api(app).get(`/org-units/${unit.id}`).query({ minPosition: unit.position }).expect(200);
    expect(await until(health, (h) => h.heldBackBy?.pid !== pid && h.status === 'up')).toMatchObject({ status: 'up' });
    const cleared = await until(projections, (items) => items.every((p) => p.lagEvents === 0));
    for (const item of cleared) expect(item.heldBackBy).toBeNull();
  });
});
