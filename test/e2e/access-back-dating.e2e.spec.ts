import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { expectProblem } from '../support/problems.js';
import { api, code, enrol, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

/**
 * A command dated D changes what it touches from D on: the caller must hold it in scope on D
 * and on every later date. District A's grassroots unit moves to district B on 1 July 2025;
 * neither district may then record anything about it dated before July (it would change
 * it in July too, when it is B's), only the province above both, or an administrator.
 */
describe('back-dated commands and the span of the scope', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  const head = async (): Promise<bigint> => app.service.app.get(EventStore).headPosition();

  async function reorganised() {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh Bình Thuận', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const a = (await establish(app, { name: 'LĐLĐ huyện Hàm Thuận Bắc', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const b = (await establish(app, { name: 'LĐLĐ thành phố Phan Thiết', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const ga = (await establish(app, { name: 'CĐCS Trường THPT Hàm Thuận Bắc', kind: 'grassroots_union', parentId: a, establishedOn: '2005-01-01' })).id;
    const other = (await establish(app, { name: 'CĐCS Bệnh viện Hàm Thuận Bắc', kind: 'grassroots_union', parentId: a, establishedOn: '2005-01-01' })).id;
    const m = (await enrol(app, { unitId: ga, fullName: 'Nguyễn Thị Lan', joinedOn: '2015-09-01' })).id;
    const m2 = (await enrol(app, { unitId: ga, fullName: 'Trần Văn Hùng', joinedOn: '2016-09-01' })).id;
    const moved = await api(app).post(`/org-units/${ga}/transfer`).send({ newParentId: b, effectiveOn: '2025-07-01' }).expect(200);
    const officer = (unit: string) => tokenFor(app, { sub: `officer-${unit.slice(0, 8)}`, role: 'officer', unit });
    return { province, a, b, ga, other, m, m2, position: moved.body.position as string, officer };
  }

  it('refuses a district the members of a unit it has lost, however the command is dated, and appends nothing', async () => {
    const h = await reorganised();
    const before = await head();
    for (const token of [h.officer(h.a), h.officer(h.b)]) {
      expectProblem(
        await api(app, token).post(`/members/${h.m}/leave`).send({ effectiveOn: '2025-06-30', reason: 'chuyển công tác' }),
        403,
        'auth.out_of_scope',
        ['id'],
      );
    }
    // To a unit of A: the member is B's from July.
    expectProblem(
      await api(app, h.officer(h.a)).post(`/members/${h.m2}/transfer`).send({ toUnitId: h.other, effectiveOn: '2025-06-30' }),
      403,
      'auth.out_of_scope',
      ['id'],
    );
    for (const token of [h.officer(h.a), h.officer(h.b)]) {
      const joined = await api(app, token).post('/members').send({ unitId: h.ga, fullName: 'Lê Văn Tám', memberCode: code('M'), joinedOn: '2025-06-30' });
      expectProblem(joined, 403, 'auth.out_of_scope', ['unitId']);
    }
    expect(await head()).toBe(before);

    // B still sees both members, and the unit's count is whole.
    const seen = await api(app, h.officer(h.b)).get(`/org-units/${h.ga}`).query({ asOf: '2025-08-01', minPosition: h.position }).expect(200);
    expect(seen.body.members).toEqual({ direct: 2, subtree: 2 });
    await api(app, h.officer(h.b)).get(`/members/${h.m}`).query({ asOf: '2025-08-01' }).expect(200);
    await api(app, h.officer(h.b)).get(`/members/${h.m2}`).query({ asOf: '2025-08-01' }).expect(200);
  });

  it('names the first date the target lies outside the scope', async () => {
    const h = await reorganised();
    const res = await api(app, h.officer(h.a)).post(`/members/${h.m}/leave`).send({ effectiveOn: '2025-06-30', reason: 'nghỉ hưu' });
    expectProblem(res, 403, 'auth.out_of_scope', ['id']);
    expect(res.body.detail).toContain('2025-07-01');
  });

  it('lets the province above both districts, and an administrator, record the same back-dated facts', async () => {
    const h = await reorganised();
    const province = h.officer(h.province);
    await api(app, province).post(`/members/${h.m}/leave`).send({ effectiveOn: '2025-06-30', reason: 'chuyển công tác' }).expect(200);
    await api(app, province).post(`/members/${h.m2}/transfer`).send({ toUnitId: h.other, effectiveOn: '2025-06-30' }).expect(200);
    await api(app, province).post('/members').send({ unitId: h.ga, fullName: 'Lê Văn Tám', memberCode: code('M'), joinedOn: '2025-06-30' }).expect(201);
    await api(app).post('/members').send({ unitId: h.ga, fullName: 'Phạm Thị Bảy', memberCode: code('M'), joinedOn: '2025-06-30' }).expect(201);
  });

  it('still lets each district record what lies within it for the whole span', async () => {
    const h = await reorganised();
    // After the move, GA is B's from then on. A member who leaves stays with the unit of her
    // last day, the day before: leaving on 1 July would leave her in A's June.
    expectProblem(
      await api(app, h.officer(h.b)).post(`/members/${h.m}/leave`).send({ effectiveOn: '2025-07-01', reason: 'nghỉ hưu' }),
      403,
      'auth.out_of_scope',
      ['id'],
    );
    await api(app, h.officer(h.b)).post(`/members/${h.m}/leave`).send({ effectiveOn: '2025-07-02', reason: 'nghỉ hưu' }).expect(200);
    await api(app, h.officer(h.b)).post('/members').send({ unitId: h.ga, fullName: 'Võ Văn Chín', memberCode: code('M'), joinedOn: '2025-07-15' }).expect(201);
    // A's other unit never left A: back-dating there is A's to do.
    await api(app, h.officer(h.a)).post('/members').send({ unitId: h.other, fullName: 'Đỗ Thị Mười', memberCode: code('M'), joinedOn: '2020-01-01' }).expect(201);
    await api(app, h.officer(h.a)).post(`/org-units/${h.other}/rename`).send({ name: 'CĐCS Bệnh viện đa khoa', effectiveOn: '2024-01-01' }).expect(200);
    // Renaming GA dated before the move changes it in B's time too.
    expectProblem(
      await api(app, h.officer(h.a)).post(`/org-units/${h.ga}/rename`).send({ name: 'Tên mới', effectiveOn: '2025-08-01' }),
      403,
      'auth.out_of_scope',
      ['id'],
    );
  });

  it('takes every power from a token of a unit merged away, whatever the date', async () => {
    const h = await reorganised();
    const into = (await establish(app, { name: 'LĐLĐ huyện Hàm Thuận Nam', kind: 'district_federation', parentId: h.province, establishedOn: '2000-01-01' })).id;
    await api(app).post(`/org-units/${h.a}/merge`).send({ intoUnitId: into, effectiveOn: '2025-09-01' }).expect(200);
    const merged = h.officer(h.a);
    const before = await head();
    expectProblem(
      await api(app, merged).post('/members').send({ unitId: h.other, fullName: 'Lý Văn Mạnh', memberCode: code('M'), joinedOn: '2025-01-01' }),
      403,
      'auth.out_of_scope',
      ['unitId'],
    );
    expectProblem(
      await api(app, merged).post(`/org-units/${h.other}/rename`).send({ name: 'Tên cũ', effectiveOn: '2024-01-01' }),
      403,
      'auth.out_of_scope',
      ['id'],
    );
    expect(await head()).toBe(before);
    // The unit it merged into holds it now, from the merger on.
    await api(app, h.officer(into)).post(`/org-units/${h.other}/rename`).send({ name: 'CĐCS Bệnh viện', effectiveOn: '2025-09-02' }).expect(200);
  });
});

describe('idempotent replays and the ids derived from an Idempotency-Key', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('replays the first answer only to a caller whose scope still covers the command', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh Ninh Thuận', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const a = (await establish(app, { name: 'LĐLĐ huyện Ninh Hải', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const b = (await establish(app, { name: 'LĐLĐ huyện Ninh Phước', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const ga = (await establish(app, { name: 'CĐCS Trường Tiểu học', kind: 'grassroots_union', parentId: a, establishedOn: '2005-01-01' })).id;
    const officer = tokenFor(app, { sub: 'officer-ninh-hai', role: 'officer', unit: a });
    const body = { unitId: ga, fullName: 'Chế Thị Hoa', memberCode: code('M'), joinedOn: '2025-03-01' };
    const send = () => api(app, officer).post('/members').set('Idempotency-Key', 'enrol-hoa').send(body);
    const first = await send().expect(201);
    const again = await send().expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);

    await api(app).post(`/org-units/${ga}/transfer`).send({ newParentId: b, effectiveOn: '2025-07-01' }).expect(200);
    const replay = await send();
    expectProblem(replay, 403, 'auth.out_of_scope', ['memberId']);
    expect(replay.headers['idempotent-replayed']).toBeUndefined();
  });

  it('derives ids from the key with the service’s own secret, so another caller cannot take them first', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh Khánh Hòa', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const victim = tokenFor(app, { sub: 'officer-khanh-hoa', role: 'officer', unit: province });
    const key = 'establish-district-1';
    // What an unkeyed hash of the caller and the key would give: anyone could compute it.
    const guess = uuidOf(createHash('sha256').update(['orgUnit', 'officer-khanh-hoa', key, '0'].join('\u001f')).digest());
    await establish(app, { name: 'Đơn vị chiếm chỗ', kind: 'provincial_federation', establishedOn: '2000-01-01', unitId: guess });

    const body = { code: code('D'), name: 'LĐLĐ thành phố Nha Trang', kind: 'district_federation', parentId: province, establishedOn: '2001-01-01' };
    const created = await api(app, victim).post('/org-units').set('Idempotency-Key', key).send(body).expect(201);
    expect(created.body.id).not.toBe(guess);

    // The id is the keyed hash under the database's secret, stable across retries.
    const [{ secret }] = (await app.service.app.get(DataSource).query(`SELECT secret FROM service_secrets WHERE name = 'command-ids'`)) as { secret: Buffer }[];
    expect(secret.length).toBeGreaterThanOrEqual(32);
    const seed = createHmac('sha256', secret).update(`officer-khanh-hoa\u001f${key}`).digest('hex');
    expect(created.body.id).toBe(uuidOf(createHash('sha256').update(['orgUnit', seed, '0'].join('\u001f')).digest()));
    const retried = await api(app, victim).post('/org-units').set('Idempotency-Key', key).send(body).expect(201);
    expect(retried.body.id).toBe(created.body.id);
  });
});

describe('a client-chosen id that exists outside the caller’s scope', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('answers as for any target out of scope, not that the id is taken', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh Phú Yên', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const a = (await establish(app, { name: 'LĐLĐ huyện Tuy An', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const b = (await establish(app, { name: 'LĐLĐ huyện Đồng Xuân', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const ga = (await establish(app, { name: 'CĐCS Trường Tuy An', kind: 'grassroots_union', parentId: a, establishedOn: '2005-01-01' })).id;
    const gb = (await establish(app, { name: 'CĐCS Trường Đồng Xuân', kind: 'grassroots_union', parentId: b, establishedOn: '2005-01-01' })).id;
    const mb = (await enrol(app, { unitId: gb, fullName: 'Y Bih', joinedOn: '2010-01-01' })).id;
    const ma = (await enrol(app, { unitId: ga, fullName: 'H Nhi', joinedOn: '2010-01-01' })).id;
    const officerA = tokenFor(app, { sub: 'officer-tuy-an', role: 'officer', unit: a });
    const before = await app.service.app.get(EventStore).headPosition();

    const unit = { code: code('G'), name: 'CĐCS mới', kind: 'grassroots_union', parentId: a, establishedOn: '2025-01-01' };
    expectProblem(await api(app, officerA).post('/org-units').send({ ...unit, unitId: gb }), 403, 'auth.out_of_scope', ['unitId']);
    expectProblem(await api(app, officerA).post('/org-units').send({ ...unit, unitId: b }), 403, 'auth.out_of_scope', ['unitId']);
    const member = { unitId: ga, fullName: 'Ksor Y', memberCode: code('M'), joinedOn: '2025-01-01' };
    expectProblem(await api(app, officerA).post('/members').send({ ...member, memberId: mb }), 403, 'auth.out_of_scope', ['memberId']);
    expectProblem(
      await api(app, officerA).post('/members/import').send({ members: [{ ...member, memberId: mb }] }),
      403,
      'auth.out_of_scope',
      ['members[0].memberId'],
    );
    expect(await app.service.app.get(EventStore).headPosition()).toBe(before);

    // Within the scope, a taken id is still told as taken.
    expectProblem(await api(app, officerA).post('/org-units').send({ ...unit, unitId: ga }), 422, 'org_unit.already_exists');
    expectProblem(await api(app, officerA).post('/members').send({ ...member, memberId: ma }), 422, 'member.already_exists');
  });
});

describe('input the calendar or the object model would not take', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('refuses year 0000 as a date, in views and in commands (400)', async () => {
    const unit = (await establish(app, { name: 'LĐLĐ tỉnh Đắk Lắk', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    expectProblem(await api(app).get(`/org-units/${unit}`).query({ asOf: '0000-01-01' }), 400, 'request.invalid', ['asOf']);
    expectProblem(await api(app).get(`/org-units/${unit}/children`).query({ asOf: '0000-12-31' }), 400, 'request.invalid', ['asOf']);
    expectProblem(
      await api(app).post(`/org-units/${unit}/rename`).send({ name: 'LĐLĐ tỉnh Đắk Lắk mới', effectiveOn: '0000-02-29' }),
      400,
      'request.invalid',
      ['effectiveOn'],
    );
    await api(app).get(`/org-units/${unit}`).query({ asOf: '0001-01-01' }).expect(404);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype'])('refuses a body field named %s as unknown (400), appending nothing', async (key) => {
    const before = await app.service.app.get(EventStore).headPosition();
    const body = `{"code":"${code('P')}","name":"LĐLĐ tỉnh Gia Lai","kind":"provincial_federation","establishedOn":"2000-01-01","${key}":{"x":1}}`;
    const res = await api(app).post('/org-units').set('Content-Type', 'application/json').send(body);
    expectProblem(res, 400, 'request.invalid', [key]);
    const nested = `{"members":[{"unitId":"${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}","fullName":"A","memberCode":"M-1","joinedOn":"2020-01-01","${key}":"x"}]}`;
    const inImport = await api(app).post('/members/import').set('Content-Type', 'application/json').send(nested);
    expectProblem(inImport, 400, 'request.invalid', [`members[0].${key}`]);
    expect(await app.service.app.get(EventStore).headPosition()).toBe(before);
  });

  it('refuses a query parameter named __proto__ (400)', async () => {
    const unit = (await establish(app, { name: 'LĐLĐ tỉnh Kon Tum', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    expectProblem(await api(app).get(`/org-units/${unit}?__proto__=1`), 400, 'request.invalid', ['__proto__']);
  });
});

function uuidOf(hash: Buffer): string {
  const bytes = Buffer.from(hash);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
