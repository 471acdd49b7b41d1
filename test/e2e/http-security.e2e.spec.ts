import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { expectProblem } from '../support/problems.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { api, code, signToken, startTestApp, type TestApp } from '../support/test-app.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('HTTP security', () => {
  let db: TestDatabase;
  const apps: TestApp[] = [];
  let app: TestApp;

  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    const started = await startTestApp(db.url, env);
    apps.push(started);
    return started;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await start({ AUTH_FAILURE_LIMIT: '1000' });
  });
  afterAll(async () => {
    for (const a of apps) await a.close().catch(() => undefined);
    await db.drop();
  });

  const head = (a: TestApp) => a.service.app.get(EventStore).headPosition();
  const establishBody = () => ({ code: code('P'), name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' });

  describe('authentication', () => {
    it('answers 401 with a problem and a Bearer challenge for every unusable token, and appends nothing', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { sub: 'root', role: 'admin', iat: now, exp: now + 600 };
      const cases: [string | null, string][] = [
        [null, 'auth.token_missing'],
        ['Basic cm9vdDpyb290', 'auth.token_invalid'],
        ['Bearer', 'auth.token_invalid'],
        ['Bearer not-a-jwt', 'auth.token_invalid'],
        [`Bearer ${signToken(app.jwtSecret, { sub: 'root', role: 'admin', expiresIn: -120 })}`, 'auth.token_expired'],
        [`Bearer ${signToken('a-different-secret-of-32-characters!!', { sub: 'root', role: 'admin' })}`, 'auth.token_invalid'],
        [`Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`, 'auth.token_invalid'],
        [`Bearer ${signToken(app.jwtSecret, { sub: 'lan', role: 'officer' })}`, 'auth.token_invalid'],
        [`Bearer ${signToken(app.jwtSecret, { sub: 'lan', role: 'chairman', unit: '4f1c2a52-2b7e-4f57-9d0a-8c1f4f3e9a10' })}`, 'auth.token_invalid'],
      ];
      const before = await head(app);
      for (const [authorization, problemCode] of cases) {
        const req = api(app, null).post('/org-units');
        const res = await (authorization === null ? req : req.set('Authorization', authorization)).send(establishBody());
        expectProblem(res, 401, problemCode);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="union-study-ledger"/);
        if (problemCode !== 'auth.token_missing') expect(res.headers['www-authenticate']).toContain('error="invalid_token"');
      }
      expect(await head(app)).toBe(before);
    });

    it('authenticates before it reads the body: anonymous bodies, however bad or large, are 401', async () => {
      expectProblem(await api(app, null).post('/org-units').send({ nonsense: true }), 401, 'auth.token_missing');
      expectProblem(await api(app, null).post('/org-units').set('Content-Type', 'text/plain').send('hello'), 401, 'auth.token_missing');
      expectProblem(await api(app, 'forged.token.here').post('/org-units').set('Content-Type', 'application/json').send('{"broken'), 401, 'auth.token_invalid');
      const huge = JSON.stringify({ members: [], padding: 'x'.repeat(13 * 1024 * 1024) });
      expectProblem(await api(app, null).post('/members/import').set('Content-Type', 'application/json').send(huge), 401, 'auth.token_missing');
    });

    it('keeps /health open to probes, naming no internals', async () => {
      const res = await api(app, null).get('/health').expect(200);
      expect(res.body).toMatchObject({ status: 'up', database: { status: 'up' }, eventStore: { status: 'up' } });
      for (const p of res.body.projections) expect(Object.keys(p).sort()).toEqual(['failing', 'lagEvents', 'name', 'position', 'runner']);
    });
  });

  describe('failed authentications', () => {
    it('are limited per client across instances: past the limit, failures are 429 until the window ends; good tokens still pass', async () => {
      const limits = { AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_SECONDS: '300' };
      const a = await start(limits);
      const b = await start({ ...limits, AUTH_JWT_SECRET: a.jwtSecret });
      // This client's failures in the other tests of this file are not this test's.
      await a.service.app.get(DataSource).query('DELETE FROM auth_failures');
      for (let i = 0; i < 3; i++) expectProblem(await api(a, `guess-${i}`).get('/admin/projections'), 401, 'auth.token_invalid');
      const refused = await api(a, 'guess-4').get('/admin/projections');
      expectProblem(refused, 429, 'auth.too_many_failures');
      const retryAfter = Number(refused.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(2 * 300);
      // The count is shared: the other instance refuses this client's next failure too.
      expectProblem(await api(b, 'guess-5').get('/org-units/4f1c2a52-2b7e-4f57-9d0a-8c1f4f3e9a10'), 429, 'auth.too_many_failures');
      expectProblem(await api(b, null).get('/admin/projections'), 429, 'auth.too_many_failures');
      // A bad token is refused wherever it is shown, even on a route that needs none.
      expectProblem(await api(a, 'guess-6').get('/health'), 429, 'auth.too_many_failures');
      await api(a, null).get('/health').expect(200);
      // The address may be shared by many users: a token that verifies still passes, on both.
      await api(a, a.adminToken).get('/admin/projections').expect(200);
      await api(b, b.adminToken).get('/admin/projections').expect(200);
      const [row]: { failures: number }[] = await a.service.app.get(DataSource).query('SELECT sum(failures)::int AS failures FROM auth_failures');
      expect(row!.failures).toBeGreaterThanOrEqual(4);
    });
  });

  describe('the failure window', () => {
    it('slides: failures of the previous window still count, so a burst cannot straddle a boundary', async () => {
      const c = await start({ AUTH_FAILURE_LIMIT: '3', AUTH_FAILURE_WINDOW_SECONDS: '3600' });
      const ds = c.service.app.get(DataSource);
      await ds.query('DELETE FROM auth_failures');
      // A flood in the previous hour: its weight in the sliding count decays over this hour, never to nothing before its end.
      await ds.query(
        `INSERT INTO auth_failures (client, window_start, failures)
         VALUES ('127.0.0.1', to_timestamp(floor(extract(epoch FROM now()) / 3600) * 3600) - interval '1 hour', 1000000)`,
      );
      expectProblem(await api(c, 'guess').get('/admin/projections'), 429, 'auth.too_many_failures');
      // One failure of its own, under the limit of 3: the previous window's weight refused it.
      const rows: { failures: number }[] = await ds.query(`SELECT failures FROM auth_failures WHERE client = '127.0.0.1' ORDER BY window_start`);
      expect(rows.map((r) => r.failures)).toEqual([1000000, 1]);
    });
  });

  describe('headers and limits', () => {
    it('sends helmet-style security headers and no X-Powered-By', async () => {
      const res = await api(app).get('/admin/projections').expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('sends no CORS headers unless origins are configured, and then only to those origins', async () => {
      const closed = await api(app, null).get('/health').set('Origin', 'https://evil.example').expect(200);
      expect(closed.headers['access-control-allow-origin']).toBeUndefined();
      const preflight = await api(app, null)
        .options('/org-units')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();

      const open = await start({ CORS_ORIGINS: 'https://dashboard.congdoan.vn' });
      const allowed = await api(open, null)
        .options('/org-units')
        .set('Origin', 'https://dashboard.congdoan.vn')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
      expect(allowed.status).toBe(204);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://dashboard.congdoan.vn');
      expect(allowed.headers['access-control-allow-headers']).toMatch(/Authorization/);
      const other = await api(open, null).get('/health').set('Origin', 'https://evil.example');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('refuses bodies over 1 MB with 413, except a member import (up to 12 MB), appending nothing', async () => {
      const before = await head(app);
      const big = { ...establishBody(), name: 'x'.repeat(1_100_000) };
      expectProblem(await api(app).post('/org-units').send(big), 413, 'request.too_large');
      // An import of 1.1 MB is read (and refused by the rules, not by size).
      const members = Array.from({ length: 6000 }, (_, i) => ({
        unitId: '4f1c2a52-2b7e-4f57-9d0a-8c1f4f3e9a10',
        fullName: `Nguyễn Văn Một Hai Ba Bốn Năm Sáu Bảy Tám Chín Mười ${i}`,
        memberCode: `M-${String(i).padStart(8, '0')}-abcdefghijklmnopqrstuvwxyz`,
        joinedOn: '2020-01-01',
      }));
      const body = JSON.stringify({ members });
      expect(body.length).toBeGreaterThan(1_048_576);
      const res = await api(app).post('/members/import').set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(422);
      const tooBig = JSON.stringify({ members, padding: 'x'.repeat(12 * 1024 * 1024) });
      expectProblem(await api(app).post('/members/import').set('Content-Type', 'application/json').send(tooBig), 413, 'request.too_large');
      expect(await head(app)).toBe(before);
    });

    it('puts no stack trace, SQL or file path in an error body', async () => {
      const answers = await Promise.all([
        api(app).get('/org-units/not-a-uuid'),
        api(app).get(`/org-units/${'0'.repeat(8)}-0000-4000-8000-000000000000`).query({ asOf: '2024-02-30' }),
        api(app).post('/org-units').set('Content-Type', 'application/json').send('{"code": '),
        api(app, 'x.y.z').get('/admin/projections'),
        api(app).get('/no-such-route'),
      ]);
      for (const res of answers) {
        expect(res.status).toBeGreaterThanOrEqual(400);
        const text = JSON.stringify(res.body);
        expect(text).not.toMatch(/\bat \S+ \(|\.ts:\d+|\.js:\d+|node_modules|SELECT |INSERT |org_unit_versions|stack/i);
      }
    });
  });
});
