import { describe, expect, it } from '@jest/globals';
import { expectProblem } from '../support/problems.js';
import { api, code, enrol, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

/**
 * Scope follows the hierarchy as it stood on the date that matters: a unit moved out of a
 * district on 1 July 2025 is outside that district's scope for facts from then on, and
 * inside it for facts before.
 */
describe('scope as the hierarchy stands on the date that matters', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  async function reorganised() {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh Lào Cai', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const d1 = (await establish(app, { name: 'LĐLĐ huyện Bảo Thắng', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const d2 = (await establish(app, { name: 'LĐLĐ thành phố Lào Cai', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const school = (await establish(app, { name: 'CĐCS Trường THCS Phố Lu', kind: 'grassroots_union', parentId: d1, establishedOn: '2005-01-01' })).id;
    const member = (await enrol(app, { unitId: school, fullName: 'Lò Thị Hoa', joinedOn: '2015-09-01' })).id;
    const moved = await api(app).post(`/org-units/${school}/transfer`).send({ newParentId: d2, effectiveOn: '2025-07-01' }).expect(200);
    const officer = (unit: string, role = 'officer') => tokenFor(app, { sub: `${role}-${unit.slice(0, 6)}`, role, unit });
    return { province, d1, d2, school, member, position: moved.body.position as string, officer };
  }

  it('shows a unit to the district it belonged to on the asked date, and only to it', async () => {
    const h = await reorganised();
    const get = (token: string, asOf: string) => api(app, token).get(`/org-units/${h.school}`).query({ asOf, minPosition: h.position });
    await get(h.officer(h.d1), '2025-06-30').expect(200);
    expectProblem(await get(h.officer(h.d1), '2025-07-01'), 404, 'org_unit.not_found');
    expectProblem(await get(h.officer(h.d2), '2025-06-30'), 404, 'org_unit.not_found');
    await get(h.officer(h.d2), '2025-07-01').expect(200);
    // The province saw it on both dates.
    await get(h.officer(h.province, 'leadership'), '2025-06-30').expect(200);
    await get(h.officer(h.province, 'leadership'), '2025-07-01').expect(200);
  });

  it('lists a unit among the children seen within the scope on that date', async () => {
    const h = await reorganised();
    const children = async (token: string, parent: string, asOf: string) =>
      ((await api(app, token).get(`/org-units/${parent}/children`).query({ asOf, minPosition: h.position }).expect(200)).body.items as { unitId: string }[]).map(
        (u) => u.unitId,
      );
    expect(await children(h.officer(h.d1), h.d1, '2025-06-30')).toEqual([h.school]);
    expect(await children(h.officer(h.d1), h.d1, '2025-07-01')).toEqual([]);
    expect(await children(h.officer(h.d2), h.d2, '2025-07-01')).toEqual([h.school]);
    // Another district's children are not listed at all: its existence is not revealed.
    expectProblem(await api(app, h.officer(h.d1)).get(`/org-units/${h.d2}/children`).query({ asOf: '2025-07-01' }), 404, 'org_unit.not_found');
  });

  it('leaves out of a view the ancestors above the caller’s scope unit', async () => {
    const h = await reorganised();
    const ancestors = async (token: string) =>
      ((await api(app, token).get(`/org-units/${h.school}`).query({ asOf: '2025-06-30', minPosition: h.position }).expect(200)).body.ancestors as { unitId: string }[]).map(
        (a) => a.unitId,
      );
    expect(await ancestors(app.adminToken)).toEqual([h.d1, h.province]);
    expect(await ancestors(h.officer(h.province, 'inspector'))).toEqual([h.d1, h.province]);
    expect(await ancestors(h.officer(h.d1, 'inspector'))).toEqual([h.d1]);
    expect(await ancestors(h.officer(h.school, 'inspector'))).toEqual([]);
    // The parent is named only when it lies within the scope too.
    const parentSeenBy = async (token: string) =>
      (await api(app, token).get(`/org-units/${h.school}`).query({ asOf: '2025-06-30' }).expect(200)).body.parentId as string | null;
    expect(await parentSeenBy(h.officer(h.d1, 'inspector'))).toBe(h.d1);
    expect(await parentSeenBy(h.officer(h.school, 'inspector'))).toBeNull();
  });

  it('shows a member to the district her unit belonged to on the asked date', async () => {
    const h = await reorganised();
    const get = (token: string, asOf: string) => api(app, token).get(`/members/${h.member}`).query({ asOf, minPosition: h.position });
    await get(h.officer(h.d1), '2025-06-30').expect(200);
    expectProblem(await get(h.officer(h.d1), '2025-08-01'), 404, 'member.not_found');
    expectProblem(await get(h.officer(h.d2), '2025-06-30'), 404, 'member.not_found');
    await get(h.officer(h.d2), '2025-08-01').expect(200);
  });

  it('shows only the periods of a member’s history spent within the scope', async () => {
    const h = await reorganised();
    const other = (await establish(app, { name: 'CĐCS Bệnh viện', kind: 'grassroots_union', parentId: h.d1, establishedOn: '2005-01-01' })).id;
    const member = (await enrol(app, { unitId: other, fullName: 'Vàng A Chứ', joinedOn: '2016-01-01' })).id;
    // Moves to the school (then in district 1), which itself moves to district 2 later.
    const moved = await api(app).post(`/members/${member}/transfer`).send({ toUnitId: h.school, effectiveOn: '2025-08-01' }).expect(200);
    const history = async (token: string, asOf: string) =>
      ((await api(app, token).get(`/members/${member}`).query({ asOf, minPosition: moved.body.position }).expect(200)).body.history as { unitId: string }[]).map(
        (p) => p.unitId,
      );
    expect(await history(app.adminToken, '2025-09-01')).toEqual([other, h.school]);
    // District 2 sees her at the school from August, but not her years in district 1's hospital.
    expect(await history(h.officer(h.d2), '2025-09-01')).toEqual([h.school]);
    // District 1 sees her hospital years as of 2025; the school period is district 2's.
    expect(await history(h.officer(h.d1), '2025-01-01')).toEqual([other]);
  });

  it('lets the new district record facts from the move on; what is dated before it, only the province above both', async () => {
    const h = await reorganised();
    const enrolAs = (token: string, joinedOn: string) =>
      api(app, token).post('/members').send({ unitId: h.school, fullName: 'Giàng Seo Phử', memberCode: code('M'), joinedOn });
    // Dated before the move, an enrolment changes the school in district 2's time too.
    expectProblem(await enrolAs(h.officer(h.d1), '2025-05-01'), 403, 'auth.out_of_scope', ['unitId']);
    expectProblem(await enrolAs(h.officer(h.d1), '2025-08-01'), 403, 'auth.out_of_scope', ['unitId']);
    expectProblem(await enrolAs(h.officer(h.d2), '2025-05-01'), 403, 'auth.out_of_scope', ['unitId']);
    await enrolAs(h.officer(h.d2), '2025-08-01').expect(201);
    await enrolAs(h.officer(h.province), '2025-05-01').expect(201);
    // A member's leaving is dated too: the school's member leaves in district 2's time.
    expectProblem(
      await api(app, h.officer(h.d1)).post(`/members/${h.member}/leave`).send({ effectiveOn: '2025-09-01', reason: 'chuyển công tác' }),
      403,
      'auth.out_of_scope',
      ['id'],
    );
    await api(app, h.officer(h.d2)).post(`/members/${h.member}/leave`).send({ effectiveOn: '2025-09-01', reason: 'chuyển công tác' }).expect(200);
  });

  it('lets a grassroots officer act on its own unit and nothing beside it', async () => {
    const h = await reorganised();
    const own = h.officer(h.school);
    await api(app, own).post(`/org-units/${h.school}/rename`).send({ name: 'CĐCS Trường THCS Phố Lu mới', effectiveOn: '2025-09-01' }).expect(200);
    expectProblem(
      await api(app, own).post(`/org-units/${h.d2}/rename`).send({ name: 'Không được', effectiveOn: '2025-09-01' }),
      403,
      'auth.out_of_scope',
      ['id'],
    );
    // Establishing a unit under its own grassroots unit is refused by the rules, not by the scope.
    expectProblem(
      await api(app, own).post('/org-units').send({ code: code('G'), name: 'Tổ', kind: 'grassroots_union', parentId: h.school, establishedOn: '2025-09-01' }),
      422,
      'org_unit.parent_level',
    );
  });

  it('leaves a former member with the district that held her unit when she left, not with its later owner', async () => {
    const h = await reorganised();
    const former = (await enrol(app, { unitId: h.school, fullName: 'Sần Thị Mai', joinedOn: '2010-01-01' })).id;
    const left = await api(app).post(`/members/${former}/leave`).send({ effectiveOn: '2020-01-01', reason: 'nghỉ hưu' }).expect(200);
    const get = (token: string) => api(app, token).get(`/members/${former}`).query({ asOf: '2025-08-01', minPosition: left.body.position });
    expectProblem(await get(h.officer(h.d2)), 404, 'member.not_found');
    const seen = await get(h.officer(h.d1)).expect(200);
    expect(seen.body.status).toBe('left');
  });

  it('follows a merger of an ancestor: the merged district’s units pass to the scope of the unit it merged into', async () => {
    const h = await reorganised();
    const otherProvince = (await establish(app, { name: 'LĐLĐ tỉnh Yên Bái', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const into = (await establish(app, { name: 'LĐLĐ huyện Văn Yên', kind: 'district_federation', parentId: otherProvince, establishedOn: '2000-01-01' })).id;
    const hospital = (await establish(app, { name: 'CĐCS Bệnh viện Bảo Thắng', kind: 'grassroots_union', parentId: h.d1, establishedOn: '2005-01-01' })).id;
    const merged = await api(app).post(`/org-units/${h.d1}/merge`).send({ intoUnitId: into, effectiveOn: '2025-09-01' }).expect(200);
    const before = h.officer(h.province);
    const after = h.officer(otherProvince);
    const rename = (token: string, effectiveOn: string) =>
      api(app, token).post(`/org-units/${hospital}/rename`).send({ name: `CĐCS Bệnh viện (${effectiveOn})`, effectiveOn });
    // Views and commands agree, on both sides of the merger.
    await api(app, before).get(`/org-units/${hospital}`).query({ asOf: '2025-08-31', minPosition: merged.body.position }).expect(200);
    expectProblem(await api(app, before).get(`/org-units/${hospital}`).query({ asOf: '2025-09-01' }), 404, 'org_unit.not_found');
    await api(app, after).get(`/org-units/${hospital}`).query({ asOf: '2025-09-01' }).expect(200);
    expectProblem(await rename(before, '2025-09-02'), 403, 'auth.out_of_scope', ['id']);
    await rename(after, '2025-09-02').expect(200);
    expectProblem(
      await api(app, before).post('/members').send({ unitId: hospital, fullName: 'Lù Văn Páo', memberCode: code('M'), joinedOn: '2025-09-03' }),
      403,
      'auth.out_of_scope',
      ['unitId'],
    );
  });

  it('never lets a command pass on a scope that a concurrent transfer takes away', async () => {
    const h = await reorganised();
    const outcomes: string[] = [];
    for (let round = 0; round < 20; round++) {
      const unit = (await establish(app, { name: `CĐCS ${round}`, kind: 'grassroots_union', parentId: h.d1, establishedOn: '2005-01-01' })).id;
      const [moved, renamed] = await Promise.all([
        api(app).post(`/org-units/${unit}/transfer`).send({ newParentId: h.d2, effectiveOn: '2025-07-01' }),
        api(app, h.officer(h.d1)).post(`/org-units/${unit}/rename`).send({ name: 'Đổi tên', effectiveOn: '2025-08-01' }),
      ]);
      outcomes.push(`${moved.status}/${renamed.status}`);
    }
    // Either the rename came first (and the transfer, dated before it, is refused by the rules),
    // or the transfer did (and the rename, now out of the district's scope, is refused): never both.
    for (const outcome of outcomes) expect(['200/403', '422/200']).toContain(outcome);
  });

  it('clips a membership period to the days its unit spent within the caller’s scope', async () => {
    const h = await reorganised();
    const joined = await enrol(app, { unitId: h.school, fullName: 'Hảng A Sử', joinedOn: '2025-06-01' });
    const periods = async (token: string, asOf: string) =>
      (await api(app, token).get(`/members/${joined.id}`).query({ asOf, minPosition: joined.position }).expect(200)).body.history;
    // She joined in June, while the school was district 1's; from July it is district 2's.
    expect(await periods(h.officer(h.d1), '2025-06-15')).toEqual([{ unitId: h.school, from: '2025-06-01', to: '2025-07-01', status: 'active' }]);
    expect(await periods(h.officer(h.d2), '2025-07-15')).toEqual([{ unitId: h.school, from: '2025-07-01', to: null, status: 'active' }]);
    expect(await periods(h.officer(h.province), '2025-07-15')).toEqual([{ unitId: h.school, from: '2025-06-01', to: null, status: 'active' }]);
    expect(await periods(app.adminToken, '2025-07-15')).toEqual([{ unitId: h.school, from: '2025-06-01', to: null, status: 'active' }]);
    const view = await api(app, h.officer(h.d1)).get(`/members/${joined.id}`).query({ asOf: '2025-06-15' }).expect(200);
    expect(view.body).toMatchObject({ status: 'active', unitId: h.school, joinedOn: '2025-06-01' });
  });

  describe('a former member, after her unit is reorganised', () => {
    async function former() {
      const h = await reorganised();
      const member = (await enrol(app, { unitId: h.school, fullName: 'Vàng Thị Say', joinedOn: '2010-01-01' })).id;
      const left = await api(app).post(`/members/${member}/leave`).send({ effectiveOn: '2020-01-01', reason: 'nghỉ hưu' }).expect(200);
      return { ...h, member, position: left.body.position as string };
    }
    const view = (token: string, member: string, asOf: string, minPosition: string) =>
      api(app, token).get(`/members/${member}`).query({ asOf, minPosition });

    it('stays with the district of her last day when her unit is later terminated', async () => {
      const h = await former();
      const ended = await api(app).post(`/org-units/${h.school}/terminate`).send({ effectiveOn: '2025-10-01', reason: 'giải thể' }).expect(200);
      expect((await view(h.officer(h.d1), h.member, '2025-11-01', ended.body.position)).status).toBe(200);
      expectProblem(await view(h.officer(h.d2), h.member, '2025-11-01', ended.body.position), 404, 'member.not_found');
    });

    it('stays with the district of her last day when her unit is later merged elsewhere', async () => {
      const h = await former();
      const d3 = (await establish(app, { name: 'LĐLĐ huyện Mường Khương', kind: 'district_federation', parentId: h.province, establishedOn: '2000-01-01' })).id;
      const into = (await establish(app, { name: 'CĐCS Trường liên cấp', kind: 'grassroots_union', parentId: d3, establishedOn: '2000-01-01' })).id;
      const merged = await api(app).post(`/org-units/${h.school}/merge`).send({ intoUnitId: into, effectiveOn: '2025-10-01' }).expect(200);
      expect((await view(h.officer(h.d1), h.member, '2025-11-01', merged.body.position)).status).toBe(200);
      expectProblem(await view(h.officer(d3), h.member, '2025-11-01', merged.body.position), 404, 'member.not_found');
    });

    it('is answered alike by commands and views: the district that sees her may act (and learns she left), the other is refused', async () => {
      const h = await former();
      const leave = (token: string) => api(app, token).post(`/members/${h.member}/leave`).send({ effectiveOn: '2025-08-01', reason: 'x' });
      expectProblem(await view(h.officer(h.d2), h.member, '2025-08-01', h.position), 404, 'member.not_found');
      expectProblem(await leave(h.officer(h.d2)), 403, 'auth.out_of_scope', ['id']);
      await view(h.officer(h.d1), h.member, '2025-08-01', h.position).expect(200);
      expectProblem(await leave(h.officer(h.d1)), 422, 'member.already_left');
    });
  });

  it('answers a merged unit alike in views and commands: its old district sees it, the new one does not', async () => {
    const h = await reorganised();
    const clinic = (await establish(app, { name: 'CĐCS Trạm y tế', kind: 'grassroots_union', parentId: h.d1, establishedOn: '2005-01-01' })).id;
    const d3 = (await establish(app, { name: 'LĐLĐ huyện Bát Xát', kind: 'district_federation', parentId: h.province, establishedOn: '2000-01-01' })).id;
    const into = (await establish(app, { name: 'CĐCS Bệnh viện Bát Xát', kind: 'grassroots_union', parentId: d3, establishedOn: '2000-01-01' })).id;
    const merged = await api(app).post(`/org-units/${clinic}/merge`).send({ intoUnitId: into, effectiveOn: '2025-10-01' }).expect(200);
    const get = (token: string) => api(app, token).get(`/org-units/${clinic}`).query({ asOf: '2025-11-01', minPosition: merged.body.position });
    const rename = (token: string) => api(app, token).post(`/org-units/${clinic}/rename`).send({ name: 'Tên mới', effectiveOn: '2025-11-01' });
    expect((await get(h.officer(h.d1))).body.status).toBe('merged');
    expectProblem(await rename(h.officer(h.d1)), 422, 'org_unit.not_active');
    expectProblem(await get(h.officer(d3)), 404, 'org_unit.not_found');
    expectProblem(await rename(h.officer(d3)), 403, 'auth.out_of_scope', ['id']);
  });

  it('follows a merger of a member’s own unit: her commands pass to the scope of the unit it merged into', async () => {
    const h = await reorganised();
    const clinic = (await establish(app, { name: 'CĐCS Phòng khám', kind: 'grassroots_union', parentId: h.d1, establishedOn: '2005-01-01' })).id;
    const member = (await enrol(app, { unitId: clinic, fullName: 'Tẩn Láo Mẩy', joinedOn: '2015-09-01' })).id;
    const merged = await api(app).post(`/org-units/${clinic}/merge`).send({ intoUnitId: h.school, effectiveOn: '2025-08-01' }).expect(200);
    // From 1 August the clinic's members are the school's, and the school is district 2's.
    expectProblem(await api(app, h.officer(h.d1)).get(`/members/${member}`).query({ asOf: '2025-09-01', minPosition: merged.body.position }), 404, 'member.not_found');
    await api(app, h.officer(h.d2)).get(`/members/${member}`).query({ asOf: '2025-09-01' }).expect(200);
    const leave = (token: string) => api(app, token).post(`/members/${member}/leave`).send({ effectiveOn: '2025-09-01', reason: 'chuyển đi' });
    expectProblem(await leave(h.officer(h.d1)), 403, 'auth.out_of_scope', ['id']);
    await leave(h.officer(h.d2)).expect(200);
  });
});
