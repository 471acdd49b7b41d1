import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import type { Response } from 'supertest';
import { expectProblem, type FieldError } from '../support/problems.js';
import { api, code, establish, type TestApp, useTestApp } from '../support/test-app.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const fieldsOf = (res: Response): Set<string> => new Set((res.body.errors as FieldError[]).map((e) => e.field));

function expect400(res: Response, fields: readonly string[]): void {
  expectProblem(res, 400, 'request.invalid');
  expect(fieldsOf(res)).toEqual(new Set(fields));
  for (const e of res.body.errors as FieldError[]) expect(e.message.length).toBeGreaterThan(0);
}

describe('HTTP conventions of the organisation routes', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const province = <T extends object = {}>(extra: T = {} as T) => ({
    code: code('P'),
    name: 'LĐLĐ tỉnh Lâm Đồng',
    kind: 'provincial_federation',
    establishedOn: '2000-01-01',
    ...extra,
  });

  // ---- validation ----------------------------------------------------------------------

  describe('validation (400, every offending field named)', () => {
    it('refuses an unknown field, naming it', async () => {
      const unitId = randomUUID();
      const res = await api(app).post('/org-units').send(province({ unitId, colour: 'red' }));
      expect400(res, ['colour']);
      expect((res.body.errors as FieldError[])[0]!.message).toContain('colour');
      const probe = await establish(app, { name: 'thử', kind: 'confederation', establishedOn: '2000-01-01' });
      expect((await api(app).get(`/org-units/${unitId}`).query({ minPosition: probe.position })).status).toBe(404);
    });

    it('refuses wrong types, naming each field', async () => {
      const res = await api(app)
        .post('/org-units')
        .send({ code: 5, name: true, kind: 'planet', parentId: 42, establishedOn: 20240101, unitId: ['x'] });
      expect400(res, ['code', 'name', 'kind', 'parentId', 'establishedOn', 'unitId']);
    });

    it('refuses missing fields, naming each', async () => {
      expect400(await api(app).post('/org-units').send({}), ['code', 'name', 'kind', 'establishedOn']);
      expect400(await api(app).post(`/org-units/${randomUUID()}/rename`).send({}), ['name', 'effectiveOn']);
      expect400(await api(app).post(`/org-units/${randomUUID()}/transfer`).send({}), ['newParentId', 'effectiveOn']);
      expect400(await api(app).post(`/org-units/${randomUUID()}/merge`).send({}), ['intoUnitId', 'effectiveOn']);
      expect400(await api(app).post(`/org-units/${randomUUID()}/terminate`).send({}), ['effectiveOn', 'reason']);
      expect400(await api(app).post('/members').send({}), ['unitId', 'fullName', 'memberCode', 'joinedOn']);
      expect400(await api(app).post(`/members/${randomUUID()}/transfer`).send({}), ['toUnitId', 'effectiveOn']);
      expect400(await api(app).post(`/members/${randomUUID()}/leave`).send({}), ['effectiveOn', 'reason']);
    });

    it('refuses dates that are not real calendar dates written YYYY-MM-DD', async () => {
      for (const establishedOn of ['2024-02-30', '2023-02-29', '2024-13-01', '2024-04-31', '2024-00-10', '24-01-01', '2024-1-1', '2024-01-01T00:00:00Z', '01/02/2024', '']) {
        const res = await api(app).post('/org-units').send(province({ establishedOn }));
        expect400(res, ['establishedOn']);
      }
      // a leap day is a real date
      expect((await api(app).post('/org-units').send(province({ establishedOn: '2024-02-29' }))).status).toBe(201);
      expect400(await api(app).post(`/org-units/${randomUUID()}/rename`).send({ name: 'x', effectiveOn: '2025-02-29' }), ['effectiveOn']);
      expect400(await api(app).get(`/org-units/${randomUUID()}`).query({ asOf: '2024-02-30' }), ['asOf']);
      expect400(await api(app).get(`/members/${randomUUID()}`).query({ asOf: '2024-06-31' }), ['asOf']);
    });

    it('refuses malformed UUIDs in the body, naming each field', async () => {
      expect400(await api(app).post('/org-units').send(province({ unitId: 'not-a-uuid', parentId: '1234' })), ['unitId', 'parentId']);
      expect400(
        await api(app).post(`/org-units/${randomUUID()}/transfer`).send({ newParentId: 'g-1', effectiveOn: '2024-01-01' }),
        ['newParentId'],
      );
      expect400(
        await api(app).post(`/org-units/${randomUUID()}/merge`).send({ intoUnitId: `${randomUUID()}x`, effectiveOn: '2024-01-01' }),
        ['intoUnitId'],
      );
      expect400(
        await api(app).post('/members').send({ memberId: 'm-1', unitId: 'u-1', fullName: 'A', memberCode: 'B', joinedOn: '2024-01-01' }),
        ['memberId', 'unitId'],
      );
    });

    it('refuses a malformed UUID in the path, naming id', async () => {
      const cases: [string, string, object?][] = [
        ['get', '/org-units/not-a-uuid'],
        ['get', '/org-units/not-a-uuid/children'],
        ['get', '/members/123'],
        ['post', '/org-units/not-a-uuid/rename', { name: 'x', effectiveOn: '2024-01-01' }],
        ['post', '/org-units/not-a-uuid/transfer', { newParentId: randomUUID(), effectiveOn: '2024-01-01' }],
        ['post', '/org-units/not-a-uuid/merge', { intoUnitId: randomUUID(), effectiveOn: '2024-01-01' }],
        ['post', '/org-units/not-a-uuid/terminate', { effectiveOn: '2024-01-01', reason: 'x' }],
        ['post', '/members/not-a-uuid/transfer', { toUnitId: randomUUID(), effectiveOn: '2024-01-01' }],
        ['post', '/members/not-a-uuid/leave', { effectiveOn: '2024-01-01', reason: 'x' }],
      ];
      for (const [method, path, body] of cases) {
        const res = method === 'get' ? await api(app).get(path) : await api(app).post(path).send(body!);
        expect400(res, ['id']);
        expect(res.body.errors).toEqual([{ field: 'id', message: 'id must be a UUID' }]);
      }
    });

    it('refuses unknown and malformed query parameters, naming them', async () => {
      const p = await establish(app, { name: 'LĐLĐ tỉnh Q', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      expect400(await api(app).get(`/org-units/${p.id}`).query({ asof: '2024-01-01' }), ['asof']);
      expect400(await api(app).get(`/org-units/${p.id}/children`).query({ limit: '0', asOf: 'yesterday' }), ['limit', 'asOf']);
    });

    it('reads UUIDs case-insensitively, in the body and in the path', async () => {
      const unitId = randomUUID();
      const created = await api(app).post('/org-units').send(province({ unitId: unitId.toUpperCase() }));
      expect(created.status).toBe(201);
      expect(created.body.id).toBe(unitId);
      const got = await api(app).get(`/org-units/${unitId.toUpperCase()}`).query({ asOf: '2024-01-01', minPosition: created.body.position });
      expect(got.status).toBe(200);
      expect(got.body.unitId).toBe(unitId);
      expectProblem(await api(app).post('/org-units').send(province({ unitId })), 422, 'org_unit.already_exists');
      const child = await api(app)
        .post('/org-units')
        .send({ code: code('G'), name: 'CĐCS hoa thường', kind: 'grassroots_union', parentId: unitId.toUpperCase(), establishedOn: '2001-01-01' });
      expect(child.status).toBe(201);
      const childView = await api(app).get(`/org-units/${child.body.id}`).query({ asOf: '2024-01-01', minPosition: child.body.position });
      expect(childView.body.parentId).toBe(unitId);
    });

    it('answers 400 to a JSON body that does not parse', async () => {
      const res = await api(app).post('/org-units').set('Content-Type', 'application/json').send('{"code": "x", "name": ');
      expectProblem(res, 400, 'request.invalid');
    });

    it('answers 400 to a body that is not a JSON object', async () => {
      const res = await api(app).post('/org-units').set('Content-Type', 'application/json').send('[1, 2]');
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });
  });

  // ---- problem documents and routes ------------------------------------------------------

  describe('problem documents', () => {
    it('answers an unknown route with 404 problem+json', async () => {
      for (const res of [await api(app).get('/no-such-route'), await api(app).post('/org-units/x/y/z').send({}), await api(app).delete('/members')]) {
        expectProblem(res, 404, 'route.not_found');
      }
    });

    it('answers a rule violation with 422 problem+json carrying the code and the field', async () => {
      const g = await establish(app, { name: 'CĐCS thử', kind: 'grassroots_union', establishedOn: '2000-01-01' });
      const res = await api(app).post(`/org-units/${g.id}/rename`).send({ name: 'CĐCS thử', effectiveOn: '2024-01-01' });
      expectProblem(res, 422, 'org_unit.same_name');
      expect(res.body.errors).toEqual([{ field: 'name', message: res.body.detail }]);
    });
  });

  // ---- If-Match ------------------------------------------------------------------------

  describe('If-Match', () => {
    it('runs the command when it names the current revision, answers 412 when stale and appends nothing', async () => {
      const p = await establish(app, { name: 'LĐLĐ tỉnh R', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const first = await api(app).post(`/org-units/${p.id}/rename`).set('If-Match', '"0"').send({ name: 'LĐLĐ tỉnh R1', effectiveOn: '2010-01-01' });
      expect(first.status).toBe(200);
      expect(first.headers.etag).toBe('"1"');
      expect(first.body.streamRevision).toBe(1);

      const stale = await api(app).post(`/org-units/${p.id}/rename`).set('If-Match', '"0"').send({ name: 'LĐLĐ tỉnh R2', effectiveOn: '2011-01-01' });
      expectProblem(stale, 412, 'command.precondition_failed');
      expect(fieldsOf(stale)).toEqual(new Set(['If-Match']));
      const ahead = await api(app).post(`/org-units/${p.id}/rename`).set('If-Match', '"7"').send({ name: 'LĐLĐ tỉnh R2', effectiveOn: '2011-01-01' });
      expectProblem(ahead, 412, 'command.precondition_failed');

      // the ETag of the last answer is what the next conditional command sends back
      const second = await api(app).post(`/org-units/${p.id}/rename`).set('If-Match', first.headers.etag!).send({ name: 'LĐLĐ tỉnh R3', effectiveOn: '2012-01-01' });
      expect(second.status).toBe(200);
      expect(second.body.streamRevision).toBe(2);
      const named = await api(app).get(`/org-units/${p.id}`).query({ asOf: '2011-06-01', minPosition: second.body.position });
      expect(named.body.name).toBe('LĐLĐ tỉnh R1');
      expect((await api(app).get(`/org-units/${p.id}`).query({ asOf: '2012-01-01', minPosition: second.body.position })).body.name).toBe('LĐLĐ tỉnh R3');
    });

    it('accepts the revision unquoted, and never matches a weak tag (strong comparison)', async () => {
      const p = await establish(app, { name: 'LĐLĐ tỉnh S', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const a = await api(app).post(`/org-units/${p.id}/rename`).set('If-Match', '0').send({ name: 'S1', effectiveOn: '2010-01-01' });
      expect(a.status).toBe(200);
      const b = await api(app).post(`/org-units/${p.id}/rename`).set('If-Match', 'W/"1"').send({ name: 'S2', effectiveOn: '2011-01-01' });
      expectProblem(b, 412, 'command.precondition_failed');
      const c = await api(app).post(`/org-units/${p.id}/rename`).set('If-Match', '"1"').send({ name: 'S2', effectiveOn: '2011-01-01' });
      expect(c.body.streamRevision).toBe(2);
    });

    it('answers 412 on a stream that does not exist yet', async () => {
      const res = await api(app).post(`/org-units/${randomUUID()}/rename`).set('If-Match', '"0"').send({ name: 'x', effectiveOn: '2024-01-01' });
      expectProblem(res, 412, 'command.precondition_failed');
    });

    it('refuses a malformed If-Match with 400 naming it, appending nothing', async () => {
      const p = await establish(app, { name: 'LĐLĐ tỉnh T', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      for (const value of ['abc', '"x1"', '*', '"-1"']) {
        const res = await api(app).post(`/org-units/${p.id}/rename`).set('If-Match', value).send({ name: `T ${value}`, effectiveOn: '2010-01-01' });
        expect400(res, ['If-Match']);
      }
      const next = await api(app).post(`/org-units/${p.id}/rename`).send({ name: 'T mới', effectiveOn: '2010-01-01' });
      expect(next.body.streamRevision).toBe(1);
    });
  });

  // ---- Idempotency-Key -----------------------------------------------------------------

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and body, and appends nothing', async () => {
      const key = `key-${randomUUID()}`;
      const body = province({ unitId: randomUUID() });
      const first = await api(app).post('/org-units').set('Idempotency-Key', key).send(body);
      expect(first.status).toBe(201);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      const again = await api(app).post('/org-units').set('Idempotency-Key', key).send(body);
      expect(again.status).toBe(201);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers.etag).toBe('"0"');
      expect(again.body).toEqual(first.body);
      expect(again.body).toEqual({ id: body.unitId, streamRevision: 0, position: first.body.position });

      // the unit's revision did not move
      const next = await api(app).post(`/org-units/${body.unitId}/rename`).send({ name: 'LĐLĐ tỉnh Lâm Đồng (mới)', effectiveOn: '2025-07-01' });
      expect(next.status).toBe(200);
      expect(next.body.streamRevision).toBe(1);
    });

    it('treats the same body with its keys in another order as the same request', async () => {
      const key = `key-${randomUUID()}`;
      const body = province({ unitId: randomUUID() });
      const first = await api(app).post('/org-units').set('Idempotency-Key', key).send(body);
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const again = await api(app).post('/org-units').set('Idempotency-Key', key).send(reordered);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
    });

    it('answers 409 for the same key with another body, appending nothing', async () => {
      const key = `key-${randomUUID()}`;
      const body = province({ unitId: randomUUID() });
      const first = await api(app).post('/org-units').set('Idempotency-Key', key).send(body);
      expect(first.status).toBe(201);
      const otherId = randomUUID();
      const conflict = await api(app).post('/org-units').set('Idempotency-Key', key).send({ ...body, unitId: otherId, name: 'Tên khác' });
      expectProblem(conflict, 409, 'idempotency.key_reused');
      const probe = await establish(app, { name: 'thử', kind: 'confederation', establishedOn: '2000-01-01' });
      expect((await api(app).get(`/org-units/${otherId}`).query({ minPosition: probe.position })).status).toBe(404);
      // the same key on another route is another request too
      const elsewhere = await api(app).post(`/org-units/${body.unitId}/rename`).set('Idempotency-Key', key).send({ name: 'x', effectiveOn: '2024-01-01' });
      expectProblem(elsewhere, 409, 'idempotency.key_reused');
    });

    it('without a key, a second identical establish with a client-supplied unitId is 422 org_unit.already_exists', async () => {
      const body = province({ unitId: randomUUID() });
      const first = await api(app).post('/org-units').send(body);
      expect(first.status).toBe(201);
      const second = await api(app).post('/org-units').send(body);
      expectProblem(second, 422, 'org_unit.already_exists');
      expect(second.body.errors).toEqual([{ field: 'unitId', message: second.body.detail }]);
      const next = await api(app).post(`/org-units/${body.unitId}/rename`).send({ name: 'khác', effectiveOn: '2024-01-01' });
      expect(next.body.streamRevision).toBe(1);
    });

    it('gives the same server-generated id to a retried establish under the same key', async () => {
      const key = `key-${randomUUID()}`;
      const body = province();
      const first = await api(app).post('/org-units').set('Idempotency-Key', key).send(body);
      expect(first.status).toBe(201);
      expect(first.body.id).toMatch(UUID);
      const again = await api(app).post('/org-units').set('Idempotency-Key', key).send(body);
      expect(again.status).toBe(201);
      expect(again.body).toEqual(first.body);
      // another key is another unit
      const other = await api(app).post('/org-units').set('Idempotency-Key', `${key}-2`).send({ ...body, code: code('P') });
      expect(other.status).toBe(201);
      expect(other.body.id).not.toBe(first.body.id);
      const next = await api(app).post(`/org-units/${first.body.id}/rename`).send({ name: 'khác', effectiveOn: '2024-01-01' });
      expect(next.body.streamRevision).toBe(1);
    });

    it('replays a change command (rename) without appending it twice', async () => {
      const p = await establish(app, { name: 'LĐLĐ tỉnh U', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const key = `key-${randomUUID()}`;
      const body = { name: 'LĐLĐ tỉnh U mới', effectiveOn: '2010-01-01' };
      const first = await api(app).post(`/org-units/${p.id}/rename`).set('Idempotency-Key', key).send(body);
      expect(first.status).toBe(200);
      const again = await api(app).post(`/org-units/${p.id}/rename`).set('Idempotency-Key', key).send(body);
      expect(again.status).toBe(200);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers.etag).toBe('"1"');
      expect(again.body).toEqual({ id: p.id, streamRevision: 1, position: first.body.position });
      const next = await api(app).post(`/org-units/${p.id}/rename`).send({ name: 'LĐLĐ tỉnh U 2', effectiveOn: '2011-01-01' });
      expect(next.body.streamRevision).toBe(2);
    });

    it('does not store a refused command under its key: a retry is decided again (422, not a 409 or a replay)', async () => {
      const key = `key-${randomUUID()}`;
      const g = await establish(app, { name: 'CĐCS V', kind: 'grassroots_union', establishedOn: '2000-01-01' });
      const refused = await api(app).post(`/org-units/${g.id}/rename`).set('Idempotency-Key', key).send({ name: 'CĐCS V', effectiveOn: '2010-01-01' });
      expectProblem(refused, 422, 'org_unit.same_name');
      const retried = await api(app).post(`/org-units/${g.id}/rename`).set('Idempotency-Key', key).send({ name: 'CĐCS V', effectiveOn: '2010-01-01' });
      expectProblem(retried, 422, 'org_unit.same_name');
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
      const next = await api(app).post(`/org-units/${g.id}/rename`).send({ name: 'CĐCS V mới', effectiveOn: '2010-01-01' });
      expect(next.body.streamRevision).toBe(1);
    });

    it('refuses a malformed key with 400 naming it', async () => {
      const res = await api(app).post('/org-units').set('Idempotency-Key', 'has spaces in it').send(province());
      expect400(res, ['Idempotency-Key']);
    });
  });

  // ---- correlation ---------------------------------------------------------------------

  describe('X-Correlation-Id', () => {
    it('echoes the given id, on answers and on errors', async () => {
      const id = `corr-${randomUUID()}`;
      const ok = await api(app).post('/org-units').set('X-Correlation-Id', id).send(province());
      expect(ok.status).toBe(201);
      expect(ok.headers['x-correlation-id']).toBe(id);
      const bad = await api(app).post('/org-units').set('X-Correlation-Id', id).send({});
      expect(bad.status).toBe(400);
      expect(bad.headers['x-correlation-id']).toBe(id);
      const missing = await api(app).get('/no-such-route').set('X-Correlation-Id', id);
      expect(missing.headers['x-correlation-id']).toBe(id);
      const query = await api(app).get(`/org-units/${ok.body.id}`).set('X-Correlation-Id', id).query({ minPosition: ok.body.position });
      expect(query.status).toBe(200);
      expect(query.headers['x-correlation-id']).toBe(id);
    });

    it('generates one when absent (a new one each time), or when the given one is unusable', async () => {
      const a = await api(app).get(`/org-units/${randomUUID()}`);
      const b = await api(app).get(`/org-units/${randomUUID()}`);
      expect(a.headers['x-correlation-id']).toMatch(UUID);
      expect(b.headers['x-correlation-id']).toMatch(UUID);
      expect(a.headers['x-correlation-id']).not.toBe(b.headers['x-correlation-id']);
      const c = await api(app).get(`/org-units/${randomUUID()}`).set('X-Correlation-Id', 'bad id with spaces');
      expect(c.headers['x-correlation-id']).toMatch(UUID);
    });
  });

  // ---- minPosition ---------------------------------------------------------------------

  describe('minPosition', () => {
    it('answers 503 with Retry-After when the views do not reach it within about 5 s', async () => {
      const started = Date.now();
      const res = await api(app).get(`/org-units/${randomUUID()}`).query({ minPosition: '999999999999999' });
      const waited = Date.now() - started;
      expectProblem(res, 503, 'read_model.behind');
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(waited).toBeLessThan(10_000);
    }, 20_000);

    it('answers 503 on the member and children routes too', async () => {
      const [member, children] = await Promise.all([
        api(app).get(`/members/${randomUUID()}`).query({ minPosition: '999999999999999' }),
        api(app).get(`/org-units/${randomUUID()}/children`).query({ minPosition: '999999999999999' }),
      ]);
      expectProblem(member, 503, 'read_model.behind');
      expectProblem(children, 503, 'read_model.behind');
      expect(member.headers['retry-after']).toMatch(/^\d+$/);
      expect(children.headers['retry-after']).toMatch(/^\d+$/);
    }, 20_000);

    it('refuses a minPosition that is not a position, naming it', async () => {
      expect400(await api(app).get(`/org-units/${randomUUID()}`).query({ minPosition: 'abc' }), ['minPosition']);
      expect400(await api(app).get(`/org-units/${randomUUID()}/children`).query({ minPosition: '-1' }), ['minPosition']);
      expect400(await api(app).get(`/members/${randomUUID()}`).query({ minPosition: '1.5' }), ['minPosition']);
    });

    it('answers with the position it reflects, at least the one asked for', async () => {
      const p = await establish(app, { name: 'LĐLĐ tỉnh W', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const res = await api(app).get(`/org-units/${p.id}`).query({ minPosition: p.position });
      expect(res.status).toBe(200);
      expect(res.body.position).toMatch(/^\d+$/);
      expect(BigInt(res.body.position)).toBeGreaterThanOrEqual(BigInt(p.position));
    });
  });
});
