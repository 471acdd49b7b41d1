import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { orgUnitStream } from '../../src/events/org/org-unit-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { expectProblem } from '../support/problems.js';
import { api, code, enrol, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

/**
 * Attacks on the scope over the span of a command, on replays and on ids, each refused; and
 * legitimate callers, each let through.
 */
/**
 * A province with two districts, A and B, each with grassroots units; officers for any unit.
 * `head` is the event store's head position, to show that a refused command appended nothing.
 */
async function province(app: TestApp, name: string) {
  const p = (await establish(app, { name: `LĐLĐ tỉnh ${name}`, kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
  const a = (await establish(app, { name: `LĐLĐ huyện A ${name}`, kind: 'district_federation', parentId: p, establishedOn: '2000-01-01' })).id;
  const b = (await establish(app, { name: `LĐLĐ huyện B ${name}`, kind: 'district_federation', parentId: p, establishedOn: '2000-01-01' })).id;
  const ga = (await establish(app, { name: `CĐCS Trường A1 ${name}`, kind: 'grassroots_union', parentId: a, establishedOn: '2005-01-01' })).id;
  const ga2 = (await establish(app, { name: `CĐCS Trường A2 ${name}`, kind: 'grassroots_union', parentId: a, establishedOn: '2005-01-01' })).id;
  const gb = (await establish(app, { name: `CĐCS Trường B1 ${name}`, kind: 'grassroots_union', parentId: b, establishedOn: '2005-01-01' })).id;
  const officer = (unit: string, role = 'officer') => tokenFor(app, { sub: `${role}-${unit.slice(0, 8)}`, role, unit });
  const head = (): Promise<bigint> => app.service.app.get(EventStore).headPosition();
  return { p, a, b, ga, ga2, gb, officer, head };
}

const newMember = (unitId: string, joinedOn: string) => ({ unitId, fullName: 'Nguyễn Thị Thu', memberCode: code('M'), joinedOn });

/**
 * The scope check follows the mergers of a named unit's ancestors, but a unit "keeps its own
 * place even once merged" — and what a command puts INTO a unit (a member enrolled or
 * transferred into it, a unit established or transferred under it) does not stay there: it
 * follows the unit's recorded merger into the unit it merged into. A command dated before
 * that merger changes the other unit's subtree from the merger on: the caller must hold where
 * what it puts there goes.
 */
describe('a unit named as the place of a member or a unit, with a recorded merger into another district', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('refuses district A enrolling a member, dated before the merger, into its unit that merges into district B’s unit', async () => {
    const h = await province(app, 'Bình Thuận');
    const merged = await api(app).post(`/org-units/${h.ga}/merge`).send({ intoUnitId: h.gb, effectiveOn: '2025-09-01' }).expect(200);
    const before = await h.head();
    const res = await api(app, h.officer(h.a)).post('/members').send(newMember(h.ga, '2025-03-01'));
    // Without the span rule: 201, and the member is B's from the merger on (B's view shows
    // her, A's does not): A has written into B's membership.
    if (res.status === 201) {
      const seenByB = await api(app, h.officer(h.b)).get(`/members/${res.body.id}`).query({ asOf: '2025-10-01', minPosition: res.body.position });
      const seenByA = await api(app, h.officer(h.a)).get(`/members/${res.body.id}`).query({ asOf: '2025-10-01', minPosition: res.body.position });
      expect({ byB: seenByB.status, byA: seenByA.status, merged: merged.status }).toEqual({ byB: 200, byA: 404, merged: 200 });
    }
    expectProblem(res, 403, 'auth.out_of_scope', ['unitId']);
    expect(await h.head()).toBe(before);
  });

  it('refuses the same through an import mixing a unit that stays with one that merges away', async () => {
    const h = await province(app, 'Ninh Thuận');
    await api(app).post(`/org-units/${h.ga}/merge`).send({ intoUnitId: h.gb, effectiveOn: '2025-09-01' }).expect(200);
    const before = await h.head();
    const res = await api(app, h.officer(h.a))
      .post('/members/import')
      .send({ members: [newMember(h.ga2, '2025-03-01'), newMember(h.ga, '2025-03-01')] });
    expectProblem(res, 403, 'auth.out_of_scope', ['members[1].unitId']);
    expect(await h.head()).toBe(before);
  });

  it('refuses district A transferring its member, dated before the merger, into its unit that merges into district B’s unit', async () => {
    const h = await province(app, 'Khánh Hòa');
    const member = (await enrol(app, { unitId: h.ga2, fullName: 'Lê Văn Nam', joinedOn: '2015-01-01' })).id;
    await api(app).post(`/org-units/${h.ga}/merge`).send({ intoUnitId: h.gb, effectiveOn: '2025-09-01' }).expect(200);
    const before = await h.head();
    const res = await api(app, h.officer(h.a)).post(`/members/${member}/transfer`).send({ toUnitId: h.ga, effectiveOn: '2025-03-01' });
    expectProblem(res, 403, 'auth.out_of_scope', ['toUnitId']);
    expect(await h.head()).toBe(before);
  });

  it('refuses a province establishing a unit, dated before the merger, under its district that merges into another province’s district', async () => {
    const h = await province(app, 'Bắc Kạn');
    const other = await province(app, 'Thái Nguyên');
    await api(app).post(`/org-units/${h.a}/merge`).send({ intoUnitId: other.a, effectiveOn: '2025-07-01' }).expect(200);
    const before = await h.head();
    const res = await api(app, h.officer(h.p))
      .post('/org-units')
      .send({ code: code('G'), name: 'CĐCS mới', kind: 'grassroots_union', parentId: h.a, establishedOn: '2025-03-01' });
    expectProblem(res, 403, 'auth.out_of_scope', ['parentId']);
    expect(await h.head()).toBe(before);
  });

  it('refuses a province transferring its unit, dated before the merger, under its district that merges into another province’s district', async () => {
    const h = await province(app, 'Hà Giang');
    const other = await province(app, 'Tuyên Quang');
    await api(app).post(`/org-units/${h.a}/merge`).send({ intoUnitId: other.a, effectiveOn: '2025-07-01' }).expect(200);
    const before = await h.head();
    const res = await api(app, h.officer(h.p)).post(`/org-units/${h.gb}/transfer`).send({ newParentId: h.a, effectiveOn: '2025-03-01' });
    expectProblem(res, 403, 'auth.out_of_scope', ['newParentId']);
    expect(await h.head()).toBe(before);
  });
});

/**
 * A token for a unit merged away keeps no power: its officer cannot put a new unit or member
 * into the unit itself, dated before the merger, since what it puts there passes to the unit
 * it merged into.
 */
describe('the token of a unit merged away, naming that unit itself', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('refuses the officer of a merged district establishing a unit under it, dated before the merger', async () => {
    const h = await province(app, 'Lâm Đồng');
    await api(app).post(`/org-units/${h.a}/merge`).send({ intoUnitId: h.b, effectiveOn: '2025-09-01' }).expect(200);
    const before = await h.head();
    const res = await api(app, h.officer(h.a))
      .post('/org-units')
      .send({ code: code('G'), name: 'CĐCS lập lùi ngày', kind: 'grassroots_union', parentId: h.a, establishedOn: '2025-03-01' });
    expectProblem(res, 403, 'auth.out_of_scope', ['parentId']);
    expect(await h.head()).toBe(before);
  });

  it('refuses the officer of a merged grassroots union enrolling a member into it, dated before the merger', async () => {
    const h = await province(app, 'Đắk Nông');
    await api(app).post(`/org-units/${h.ga}/merge`).send({ intoUnitId: h.gb, effectiveOn: '2025-09-01' }).expect(200);
    const before = await h.head();
    const res = await api(app, h.officer(h.ga)).post('/members').send(newMember(h.ga, '2025-03-01'));
    expectProblem(res, 403, 'auth.out_of_scope', ['unitId']);
    expect(await h.head()).toBe(before);
  });
});

/**
 * A replay is given after a scope check that may run on units kept from earlier checks (never
 * trusted: a command that uses them has them checked by its append). A replay appends nothing,
 * so it is checked again on fresh reads: when another instance has merged the caller's
 * district away since, this instance refuses it too.
 */
describe('an Idempotency-Key replay on units another instance has reorganised', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('refuses the replay to the officer of a district another instance merged away, as it refuses the same replay on fresh reads', async () => {
    const h = await province(app, 'Quảng Trị');
    const officer = h.officer(h.a);
    const send = (key: string, body: object) => api(app, officer).post('/members').set('Idempotency-Key', key).send(body);
    const first = newMember(h.ga, '2025-03-01');
    const second = newMember(h.ga2, '2025-03-01');
    await send('enrol-1', first).expect(201);
    await send('enrol-2', second).expect(201);
    expect((await send('enrol-1', first).expect(201)).headers['idempotent-replayed']).toBe('true');

    // Another instance merges district A into B from 1 September 2025: nothing of this instance sees it.
    const store = app.service.app.get(EventStore);
    const [last] = await store.readStream(orgUnitStream(h.a), { direction: 'backwards', maxCount: 1 });
    await store.appendToStream(
      orgUnitStream(h.a),
      [
        {
          id: randomUUID(),
          type: 'OrgUnitMerged',
          schemaVersion: 1,
          data: { unitId: h.a, intoUnitId: h.b, effectiveOn: '2025-09-01' },
          occurredOn: '2025-09-01',
          metadata: { actor: { id: 'other-instance', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
        },
      ],
      last!.streamRevision,
    );

    // The first replay is checked on the kept walk (A not merged); then a command that appends
    // finds A moved, and the kept walk is dropped; the second replay is checked on fresh reads.
    const stale = await send('enrol-1', first);
    expectProblem(await api(app, officer).post('/members').send(newMember(h.ga, '2025-03-01')), 403, 'auth.out_of_scope', ['unitId']);
    const fresh = await send('enrol-2', second);
    expect({ stale: stale.status, fresh: fresh.status }).toEqual({ stale: 403, fresh: 403 });
    expect(stale.headers['idempotent-replayed']).toBeUndefined();
  });
});

/**
 * A former member stays with whoever held her unit on her last day, the day BEFORE the leaving
 * (or the termination of her unit). A command dated the day her unit came to district B
 * would, once recorded, make her district A's from that day on (B would hand her record to A):
 * the span of such a command starts on her last day, so only a unit above both records it.
 */
describe('a leaving or a termination dated the day the unit came to the district', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  async function moved(name: string) {
    const h = await province(app, name);
    const member = (await enrol(app, { unitId: h.ga, fullName: 'Phan Thị Mai', joinedOn: '2015-01-01' })).id;
    await api(app).post(`/org-units/${h.ga}/transfer`).send({ newParentId: h.b, effectiveOn: '2025-07-01' }).expect(200);
    return { ...h, member };
  }

  /** Who sees the member as of 1 August 2025, once the views have reached `position`. */
  async function seenBy(h: Awaited<ReturnType<typeof moved>>, position: string) {
    const get = (unit: string) => api(app, h.officer(unit)).get(`/members/${h.member}`).query({ asOf: '2025-08-01', minPosition: position });
    return { a: (await get(h.a)).status, b: (await get(h.b)).status };
  }

  it('refuses district B recording the leaving of a member dated the day her unit came to B', async () => {
    const h = await moved('Gia Lai');
    // Before: she is B's as of 1 August, not A's.
    expect(await seenBy(h, (await h.head()).toString())).toEqual({ a: 404, b: 200 });
    const res = await api(app, h.officer(h.b)).post(`/members/${h.member}/leave`).send({ effectiveOn: '2025-07-01', reason: 'nghỉ việc' });
    if (res.status === 200) {
      // Without the span rule: B's command has made her A's, and taken her out of B's sight.
      expect(await seenBy(h, res.body.position)).toEqual({ a: 200, b: 404 });
    }
    expectProblem(res, 403, 'auth.out_of_scope', ['id']);
    // The province above both may.
    await api(app, h.officer(h.p)).post(`/members/${h.member}/leave`).send({ effectiveOn: '2025-07-01', reason: 'nghỉ việc' }).expect(200);
  });

  it('refuses district B terminating a unit, with members, dated the day the unit came to B', async () => {
    const h = await moved('Kon Tum');
    const res = await api(app, h.officer(h.b)).post(`/org-units/${h.ga}/terminate`).send({ effectiveOn: '2025-07-01', reason: 'giải thể' });
    if (res.status === 200) expect(await seenBy(h, res.body.position)).toEqual({ a: 200, b: 404 });
    expectProblem(res, 403, 'auth.out_of_scope', ['id']);
  });
});

/**
 * What must hold for legitimate callers and through chains of changes.
 */
describe('no false refusals in the caller’s own subtree', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('lets a district act, back-dated, on its own subtree though everything above it changes later', async () => {
    const h = await province(app, 'Bình Phước');
    const y = (await establish(app, { name: 'LĐLĐ tỉnh Đồng Nai', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const z = (await establish(app, { name: 'LĐLĐ tỉnh Đồng Nai mới', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    // Its province merges away, then the district itself moves to another province, which merges too.
    await api(app).post(`/org-units/${h.p}/merge`).send({ intoUnitId: z, effectiveOn: '2025-06-01' }).expect(200);
    await api(app).post(`/org-units/${h.a}/transfer`).send({ newParentId: y, effectiveOn: '2026-01-01' }).expect(200);
    await api(app).post(`/org-units/${y}/merge`).send({ intoUnitId: z, effectiveOn: '2026-06-01' }).expect(200);
    const g3 = (await establish(app, { name: 'CĐCS Trường A3', kind: 'grassroots_union', parentId: h.a, establishedOn: '2005-01-01' })).id;
    const o = h.officer(h.a);
    const m = await api(app, o).post('/members').send(newMember(h.ga, '2024-03-01')).expect(201);
    await api(app, o).post('/members/import').send({ members: [newMember(h.ga, '2024-03-01'), newMember(h.ga2, '2024-03-02')] }).expect(201);
    await api(app, o).post(`/org-units/${h.ga}/rename`).send({ name: 'CĐCS Trường A1 mới', effectiveOn: '2024-03-01' }).expect(200);
    await api(app, o).post(`/members/${m.body.id}/transfer`).send({ toUnitId: h.ga2, effectiveOn: '2024-05-01' }).expect(200);
    await api(app, o).post(`/org-units/${h.ga}/merge`).send({ intoUnitId: h.ga2, effectiveOn: '2024-06-01' }).expect(200);
    await api(app, o).post('/org-units').send({ code: code('G'), name: 'CĐCS mới', kind: 'grassroots_union', parentId: h.a, establishedOn: '2024-03-01' }).expect(201);
    await api(app, o).post(`/members/${m.body.id}/leave`).send({ effectiveOn: '2024-07-01', reason: 'nghỉ hưu' }).expect(200);
    await api(app, o).post(`/org-units/${g3}/terminate`).send({ effectiveOn: '2024-07-01', reason: 'giải thể' }).expect(200);
  });
});

describe('the span of the scope through chains of changes', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('follows a chain of mergers of a member’s unit into another district', async () => {
    const h = await province(app, 'Sóc Trăng');
    const m = (await enrol(app, { unitId: h.ga, fullName: 'Thạch Thị Sa', joinedOn: '2015-01-01' })).id;
    await api(app).post(`/org-units/${h.ga}/merge`).send({ intoUnitId: h.ga2, effectiveOn: '2025-08-01' }).expect(200);
    await api(app).post(`/org-units/${h.ga2}/merge`).send({ intoUnitId: h.gb, effectiveOn: '2025-10-01' }).expect(200);
    const leave = (unit: string) => api(app, h.officer(unit)).post(`/members/${m}/leave`).send({ effectiveOn: '2025-09-01', reason: 'x' });
    expectProblem(await leave(h.a), 403, 'auth.out_of_scope', ['id']);
    expectProblem(await leave(h.b), 403, 'auth.out_of_scope', ['id']);
    await leave(h.p).expect(200);
  });

  it('gives a unit moved away and back to neither district for the span it crosses', async () => {
    const h = await province(app, 'Trà Vinh');
    await api(app).post(`/org-units/${h.ga}/transfer`).send({ newParentId: h.b, effectiveOn: '2025-07-01' }).expect(200);
    await api(app).post(`/org-units/${h.ga}/transfer`).send({ newParentId: h.a, effectiveOn: '2026-01-01' }).expect(200);
    expectProblem(await api(app, h.officer(h.b)).post('/members').send(newMember(h.ga, '2025-08-01')), 403, 'auth.out_of_scope', ['unitId']);
    expectProblem(await api(app, h.officer(h.a)).post('/members').send(newMember(h.ga, '2025-03-01')), 403, 'auth.out_of_scope', ['unitId']);
    await api(app, h.officer(h.a)).post('/members').send(newMember(h.ga, '2026-02-01')).expect(201);
    await api(app, h.officer(h.p)).post('/members').send(newMember(h.ga, '2025-08-01')).expect(201);
  });

  it('counts a transfer dated in the future: until then the unit is the old district’s, but facts from now on reach it', async () => {
    const h = await province(app, 'Bạc Liêu');
    await api(app).post(`/org-units/${h.ga}/transfer`).send({ newParentId: h.b, effectiveOn: '2030-01-01' }).expect(200);
    expectProblem(await api(app, h.officer(h.a)).post('/members').send(newMember(h.ga, '2025-03-01')), 403, 'auth.out_of_scope', ['unitId']);
    await api(app, h.officer(h.b)).post('/members').send(newMember(h.ga, '2030-02-01')).expect(201);
  });
});

describe('replays', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('refuses the replay of an import once one of its units has left the district, appending nothing', async () => {
    const h = await province(app, 'Hậu Giang');
    const officer = h.officer(h.a);
    const body = { members: [newMember(h.ga, '2025-03-01'), newMember(h.ga2, '2025-03-01')] };
    const send = () => api(app, officer).post('/members/import').set('Idempotency-Key', 'import-1').send(body);
    const first = await send().expect(201);
    const again = await send().expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    await api(app).post(`/org-units/${h.ga2}/transfer`).send({ newParentId: h.b, effectiveOn: '2025-07-01' }).expect(200);
    const before = await h.head();
    const replay = await send();
    expectProblem(replay, 403, 'auth.out_of_scope', ['members[1].memberId']);
    expect(replay.headers['idempotent-replayed']).toBeUndefined();
    expect(await h.head()).toBe(before);
  });

  it('replays, appending nothing, when others have changed the target since but it is still the caller’s', async () => {
    const h = await province(app, 'Cà Mau');
    const officer = h.officer(h.a);
    const body = { name: 'CĐCS Trường A1 (2025)', effectiveOn: '2025-01-01' };
    const send = () => api(app, officer).post(`/org-units/${h.ga}/rename`).set('Idempotency-Key', 'rename-1').send(body);
    const first = await send().expect(200);
    await api(app).post(`/org-units/${h.ga}/rename`).send({ name: 'CĐCS Trường A1 (2026)', effectiveOn: '2026-01-01' }).expect(200);
    const before = await h.head();
    const again = await send().expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await h.head()).toBe(before);
  });

  it('refuses the replay to the same user with a role that may not write', async () => {
    const h = await province(app, 'An Giang');
    const body = newMember(h.ga, '2025-03-01');
    const as = (role: string) => api(app, tokenFor(app, { sub: 'lan', role, unit: h.a })).post('/members').set('Idempotency-Key', 'enrol-lan').send(body);
    await as('officer').expect(201);
    expectProblem(await as('inspector'), 403, 'auth.role_forbidden');
  });
});

describe('names of prototype members in queries and bodies', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it.each(['constructor=1', 'toString=1', 'hasOwnProperty=1', 'valueOf=1', 'isPrototypeOf=1', '__defineGetter__=1', 'prototype=1'])(
    'refuses ?%s on every view (400)',
    async (query) => {
      const h = await province(app, `Q ${query}`);
      const m = (await enrol(app, { unitId: h.ga, fullName: 'Y', joinedOn: '2015-01-01' })).id;
      const field = query.split('=')[0]!;
      for (const path of [`/org-units/${h.ga}`, `/org-units/${h.a}/children`, `/members/${m}`]) {
        expectProblem(await api(app).get(`${path}?${query}&asOf=2024-01-01`), 400, 'request.invalid', [field]);
      }
    },
  );

  it('refuses bracketed and repeated forms in queries (400)', async () => {
    const h = await province(app, 'Q brackets');
    for (const query of ['__proto__[asOf]=2024-01-01', 'constructor[prototype]=1', 'asOf=2024-01-01&asOf=2024-02-01', 'asOf=0000-01-01']) {
      expect((await api(app).get(`/org-units/${h.ga}?${query}`)).status).toBe(400);
    }
  });

  it('refuses prototype names nested in arrays of a body, naming where (400), appending nothing', async () => {
    const h = await province(app, 'Q bodies');
    const before = await h.head();
    const member = `"unitId":"${h.ga}","fullName":"A","memberCode":"${code('Q')}","joinedOn":"2020-01-01"`;
    const cases: [string, string][] = [
      ['{"members":[[{"__proto__":{}}]]}', 'members[0][0].__proto__'],
      [`{"members":[{${member},"x":[{"constructor":{"prototype":1}}]}]}`, 'members[0].x[0].constructor'],
      [`{"members":[{${member}}],"__proto__":[{"a":1}]}`, '__proto__'],
      [`{"members":[{${member},"\\u005f_proto__":{"memberId":"x"}}]}`, 'members[0].__proto__'],
    ];
    for (const [body, field] of cases) {
      expectProblem(await api(app).post('/members/import').set('Content-Type', 'application/json').send(body), 400, 'request.invalid', [field]);
    }
    expect(await h.head()).toBe(before);
  });
});
