import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { expectProblem, type FieldError } from '../support/problems.js';
import { api, code, enrol, establish, type Created, type TestApp, useTestApp } from '../support/test-app.js';

interface MemberView {
  memberId: string;
  fullName: string;
  memberCode: string;
  joinedOn: string;
  asOf: string;
  unitId: string | null;
  status: string;
  history: { unitId: string; from: string; to: string | null; status: string }[];
  position: string;
}

describe('members through HTTP', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const memberAt = (id: string, asOf: string, minPosition: string) => api(app).get(`/members/${id}`).query({ asOf, minPosition });

  async function memberOn(id: string, asOf: string, minPosition: string): Promise<MemberView> {
    const res = await memberAt(id, asOf, minPosition);
    if (res.status !== 200) throw new Error(`GET /members/${id}?asOf=${asOf}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function countsOn(unitId: string, asOf: string, minPosition: string): Promise<{ direct: number; subtree: number }> {
    const res = await api(app).get(`/org-units/${unitId}`).query({ asOf, minPosition });
    if (res.status !== 200) throw new Error(`GET /org-units/${unitId}?asOf=${asOf}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.members;
  }

  async function command(path: string, body: object, expectedStatus = 200): Promise<Created> {
    const res = await api(app).post(path).send(body);
    if (res.status !== expectedStatus) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Created;
  }

  const transferMember = (id: string, toUnitId: string, effectiveOn: string) => command(`/members/${id}/transfer`, { toUnitId, effectiveOn });
  const leave = (id: string, effectiveOn: string, reason = 'nghỉ hưu') => command(`/members/${id}/leave`, { effectiveOn, reason });

  /** A province with a district federation and two grassroots units under it. */
  async function hierarchy(tag: string) {
    const province = await establish(app, { name: `LĐLĐ tỉnh ${tag}`, kind: 'provincial_federation', establishedOn: '2000-01-01' });
    const district = await establish(app, { name: `LĐLĐ huyện ${tag}`, kind: 'district_federation', parentId: province.id, establishedOn: '2000-01-01' });
    const g1 = await establish(app, { name: `CĐCS ${tag} 1`, kind: 'grassroots_union', parentId: district.id, establishedOn: '2005-01-01' });
    const g2 = await establish(app, { name: `CĐCS ${tag} 2`, kind: 'grassroots_union', parentId: district.id, establishedOn: '2005-01-01' });
    return { province, district, g1, g2 };
  }

  const member = (unitId: string, joinedOn: string, extra: Record<string, string> = {}) => ({
    memberId: randomUUID(),
    unitId,
    fullName: `Nguyễn Thị ${code('T')}`,
    memberCode: code('DV'),
    joinedOn,
    ...extra,
  });

  // ---- enrolment -----------------------------------------------------------------------

  describe('enrol', () => {
    it('enrols into a grassroots unit: 201, ETag "0", and the member as of dates before and after joining', async () => {
      const { g1 } = await hierarchy('A');
      const body = member(g1.id, '2015-03-08', { fullName: 'Trần Văn Bình', memberCode: 'DV-0001' });
      const res = await api(app).post('/members').send(body);
      expect(res.status).toBe(201);
      expect(res.headers.etag).toBe('"0"');
      expect(res.body).toEqual({ id: body.memberId, streamRevision: 0, position: expect.stringMatching(/^\d+$/) });

      const after = await memberAt(body.memberId, '2015-03-08', res.body.position);
      expect(after.status).toBe(200);
      expect(after.body).toEqual({
        memberId: body.memberId,
        fullName: 'Trần Văn Bình',
        memberCode: 'DV-0001',
        joinedOn: '2015-03-08',
        asOf: '2015-03-08',
        unitId: g1.id,
        status: 'active',
        history: [{ unitId: g1.id, from: '2015-03-08', to: null, status: 'active' }],
        position: expect.stringMatching(/^\d+$/),
      });
      expect(BigInt(after.body.position)).toBeGreaterThanOrEqual(BigInt(res.body.position));

      const before = await memberOn(body.memberId, '2015-03-07', res.body.position);
      expect({ status: before.status, unitId: before.unitId, joinedOn: before.joinedOn }).toEqual({
        status: 'not_yet_joined',
        unitId: null,
        joinedOn: '2015-03-08',
      });
    });

    it('generates a member id when none is given', async () => {
      const { g1 } = await hierarchy('B');
      const { memberId: _unused, ...body } = member(g1.id, '2015-01-01');
      const res = await api(app).post('/members').send(body);
      expect(res.status).toBe(201);
      expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect((await memberOn(res.body.id, '2015-01-01', res.body.position)).unitId).toBe(g1.id);
    });

    it('refuses a district or provincial unit (422 member.unit_not_grassroots naming unitId), storing nothing', async () => {
      const { province, district, g1 } = await hierarchy('C');
      const refused: string[] = [];
      for (const unitId of [district.id, province.id]) {
        const body = member(unitId, '2015-01-01');
        refused.push(body.memberId);
        const res = await api(app).post('/members').send(body);
        expectProblem(res, 422, 'member.unit_not_grassroots', ['unitId']);
        expect(res.body.detail).toContain(unitId);
      }
      const probe = await enrol(app, { unitId: g1.id, fullName: 'Người thử', joinedOn: '2015-01-01' });
      for (const id of refused) expectProblem(await memberAt(id, '2024-01-01', probe.position), 404, 'member.not_found');
      expect(await countsOn(district.id, '2024-01-01', probe.position)).toEqual({ direct: 0, subtree: 1 });
    });

    it('refuses a date before the unit exists, a date after it ended, and an unknown unit', async () => {
      const { g1, g2 } = await hierarchy('D');
      expectProblem(await api(app).post('/members').send(member(g1.id, '2004-12-31')), 422, 'member.unit_not_active', ['unitId']);
      await command(`/org-units/${g2.id}/terminate`, { effectiveOn: '2020-01-01', reason: 'giải thể' });
      expectProblem(await api(app).post('/members').send(member(g2.id, '2020-01-01')), 422, 'member.unit_not_active', ['unitId']);
      expectProblem(await api(app).post('/members').send(member(randomUUID(), '2015-01-01')), 422, 'org_unit.unknown_unit', ['unitId']);
      // on the day of establishment it is allowed
      const ok = await api(app).post('/members').send(member(g1.id, '2005-01-01'));
      expect(ok.status).toBe(201);
    });

    it('refuses a second enrolment under the same memberId (422), leaving the first as it was', async () => {
      const { g1, g2 } = await hierarchy('E');
      const body = member(g1.id, '2015-01-01');
      const first = await command('/members', body, 201);
      expectProblem(await api(app).post('/members').send({ ...body, unitId: g2.id }), 422, 'member.already_exists', ['memberId']);
      const again = await transferMember(body.memberId, g2.id, '2016-01-01');
      expect(again.streamRevision).toBe(1);
      expect((await memberOn(body.memberId, '2015-06-01', again.position)).unitId).toBe(g1.id);
      expect(first.streamRevision).toBe(0);
    });

    it('answers 404 for an unknown member', async () => {
      const { g1 } = await hierarchy('F');
      const probe = await enrol(app, { unitId: g1.id, fullName: 'Người thử', joinedOn: '2015-01-01' });
      expectProblem(await memberAt(randomUUID(), '2024-01-01', probe.position), 404, 'member.not_found');
      expectProblem(
        await api(app).post(`/members/${randomUUID()}/transfer`).send({ toUnitId: g1.id, effectiveOn: '2024-01-01' }),
        404,
        'member.not_found',
      );
      expectProblem(
        await api(app).post(`/members/${randomUUID()}/leave`).send({ effectiveOn: '2024-01-01', reason: 'không có' }),
        404,
        'member.not_found',
      );
    });
  });

  // ---- transfer and leave --------------------------------------------------------------

  describe('transfer and leave', () => {
    it('transfers between grassroots units from the effective date, with history periods and counts', async () => {
      const { province, district, g1, g2 } = await hierarchy('G');
      const m = await enrol(app, { unitId: g1.id, fullName: 'Lê Văn Cường', joinedOn: '2015-01-01' });
      const res = await api(app).post(`/members/${m.id}/transfer`).send({ toUnitId: g2.id, effectiveOn: '2020-03-01' });
      expect(res.status).toBe(200);
      expect(res.headers.etag).toBe('"1"');
      expect(res.body).toEqual({ id: m.id, streamRevision: 1, position: expect.stringMatching(/^\d+$/) });
      const at = res.body.position;

      const before = await memberOn(m.id, '2020-02-29', at);
      expect({ unitId: before.unitId, status: before.status }).toEqual({ unitId: g1.id, status: 'active' });
      const after = await memberOn(m.id, '2020-03-01', at);
      expect({ unitId: after.unitId, status: after.status }).toEqual({ unitId: g2.id, status: 'active' });
      expect(after.history).toEqual([
        { unitId: g1.id, from: '2015-01-01', to: '2020-03-01', status: 'active' },
        { unitId: g2.id, from: '2020-03-01', to: null, status: 'active' },
      ]);

      expect(await countsOn(g1.id, '2020-02-29', at)).toEqual({ direct: 1, subtree: 1 });
      expect(await countsOn(g2.id, '2020-02-29', at)).toEqual({ direct: 0, subtree: 0 });
      expect(await countsOn(g1.id, '2020-03-01', at)).toEqual({ direct: 0, subtree: 0 });
      expect(await countsOn(g2.id, '2020-03-01', at)).toEqual({ direct: 1, subtree: 1 });
      expect(await countsOn(district.id, '2020-02-29', at)).toEqual({ direct: 0, subtree: 1 });
      expect(await countsOn(district.id, '2020-03-01', at)).toEqual({ direct: 0, subtree: 1 });
      expect(await countsOn(province.id, '2020-03-01', at)).toEqual({ direct: 0, subtree: 1 });
    });

    it('refuses a transfer to a non-grassroots unit, to the same unit, and one dated before the latest change', async () => {
      const { district, g1, g2 } = await hierarchy('H');
      const m = await enrol(app, { unitId: g1.id, fullName: 'Phạm Thị Dung', joinedOn: '2015-01-01' });
      expectProblem(
        await api(app).post(`/members/${m.id}/transfer`).send({ toUnitId: district.id, effectiveOn: '2020-01-01' }),
        422,
        'member.unit_not_grassroots',
        ['toUnitId'],
      );
      expectProblem(
        await api(app).post(`/members/${m.id}/transfer`).send({ toUnitId: g1.id, effectiveOn: '2020-01-01' }),
        422,
        'member.same_unit',
        ['toUnitId'],
      );
      expectProblem(
        await api(app).post(`/members/${m.id}/transfer`).send({ toUnitId: g2.id, effectiveOn: '2014-12-31' }),
        422,
        'member.change_predates_history',
        ['effectiveOn'],
      );
      const ok = await transferMember(m.id, g2.id, '2020-01-01');
      expect(ok.streamRevision).toBe(1);
    });

    it('accepts a transfer on the joining day and a departure on the day of that transfer (the latest change is not "before")', async () => {
      const { g1, g2 } = await hierarchy('J');
      const m = await enrol(app, { unitId: g1.id, fullName: 'Đinh Thị Gấm', joinedOn: '2016-09-01' });
      const moved = await api(app).post(`/members/${m.id}/transfer`).send({ toUnitId: g2.id, effectiveOn: '2016-09-01' });
      expect(moved.status).toBe(200);
      expect(moved.body.streamRevision).toBe(1);
      const left = await api(app).post(`/members/${m.id}/leave`).send({ effectiveOn: '2016-09-01', reason: 'chuyển công tác' });
      expect(left.status).toBe(200);
      expect(left.body.streamRevision).toBe(2);
      const view = await memberOn(m.id, '2016-09-01', left.body.position);
      expect({ unitId: view.unitId, status: view.status }).toEqual({ unitId: null, status: 'left' });
      expect(await countsOn(g1.id, '2016-09-01', left.body.position)).toEqual({ direct: 0, subtree: 0 });
      expect(await countsOn(g2.id, '2016-09-01', left.body.position)).toEqual({ direct: 0, subtree: 0 });
    });

    it('leaves: status left and no unit from the date, counts drop, later changes refused', async () => {
      const { district, g1, g2 } = await hierarchy('I');
      const m = await enrol(app, { unitId: g1.id, fullName: 'Hoàng Văn Em', joinedOn: '2015-01-01' });
      await transferMember(m.id, g2.id, '2018-01-01');
      const left = await api(app).post(`/members/${m.id}/leave`).send({ effectiveOn: '2021-06-30', reason: 'chuyển công tác ngoài ngành' });
      expect(left.status).toBe(200);
      expect(left.headers.etag).toBe('"2"');
      expect(left.body).toEqual({ id: m.id, streamRevision: 2, position: expect.stringMatching(/^\d+$/) });
      const at = left.body.position;

      const before = await memberOn(m.id, '2021-06-29', at);
      expect({ unitId: before.unitId, status: before.status }).toEqual({ unitId: g2.id, status: 'active' });
      const after = await memberOn(m.id, '2021-06-30', at);
      expect({ unitId: after.unitId, status: after.status }).toEqual({ unitId: null, status: 'left' });
      expect(after.history).toEqual([
        { unitId: g1.id, from: '2015-01-01', to: '2018-01-01', status: 'active' },
        { unitId: g2.id, from: '2018-01-01', to: '2021-06-30', status: 'active' },
        { unitId: g2.id, from: '2021-06-30', to: null, status: 'left' },
      ]);
      expect(await countsOn(g2.id, '2021-06-29', at)).toEqual({ direct: 1, subtree: 1 });
      expect(await countsOn(g2.id, '2021-06-30', at)).toEqual({ direct: 0, subtree: 0 });
      expect(await countsOn(district.id, '2021-06-30', at)).toEqual({ direct: 0, subtree: 0 });

      expectProblem(
        await api(app).post(`/members/${m.id}/transfer`).send({ toUnitId: g1.id, effectiveOn: '2022-01-01' }),
        422,
        'member.already_left',
      );
      expectProblem(await api(app).post(`/members/${m.id}/leave`).send({ effectiveOn: '2022-01-01', reason: 'lần hai' }), 422, 'member.already_left');
    });
  });

  // ---- mergers and terminations of the member's unit ------------------------------------

  describe('when the unit merges or ends', () => {
    it('counts a member of a merged unit under the target from the merge date, under the old unit before it', async () => {
      const { district, g1, g2 } = await hierarchy('J');
      const g3 = await establish(app, { name: 'CĐCS J 3', kind: 'grassroots_union', parentId: district.id, establishedOn: '2005-01-01' });
      const m1 = await enrol(app, { unitId: g1.id, fullName: 'Đỗ Văn Phúc', joinedOn: '2010-01-01' });
      const m2 = await enrol(app, { unitId: g2.id, fullName: 'Vũ Thị Giang', joinedOn: '2010-01-01' });
      const merged = await command(`/org-units/${g1.id}/merge`, { intoUnitId: g2.id, effectiveOn: '2022-01-01' });
      const at = merged.position;

      const before = await memberOn(m1.id, '2021-12-31', at);
      expect({ unitId: before.unitId, status: before.status }).toEqual({ unitId: g1.id, status: 'active' });
      const after = await memberOn(m1.id, '2022-01-01', at);
      expect({ unitId: after.unitId, status: after.status }).toEqual({ unitId: g2.id, status: 'active' });
      expect(after.history).toEqual([
        { unitId: g1.id, from: '2010-01-01', to: '2022-01-01', status: 'active' },
        { unitId: g2.id, from: '2022-01-01', to: null, status: 'active' },
      ]);
      expect((await memberOn(m2.id, '2022-01-01', at)).unitId).toBe(g2.id);

      expect(await countsOn(g1.id, '2021-12-31', at)).toEqual({ direct: 1, subtree: 1 });
      expect(await countsOn(g2.id, '2021-12-31', at)).toEqual({ direct: 1, subtree: 1 });
      expect(await countsOn(g1.id, '2022-01-01', at)).toEqual({ direct: 0, subtree: 0 });
      expect(await countsOn(g2.id, '2022-01-01', at)).toEqual({ direct: 2, subtree: 2 });
      expect(await countsOn(district.id, '2021-12-31', at)).toEqual({ direct: 0, subtree: 2 });
      expect(await countsOn(district.id, '2022-01-01', at)).toEqual({ direct: 0, subtree: 2 });

      // a later transfer of that member starts from the target unit
      const moved = await transferMember(m1.id, g3.id, '2023-01-01');
      expect(await countsOn(g2.id, '2023-01-01', moved.position)).toEqual({ direct: 1, subtree: 1 });
      expect(await countsOn(g3.id, '2023-01-01', moved.position)).toEqual({ direct: 1, subtree: 1 });
      expect(await countsOn(g1.id, '2023-01-01', moved.position)).toEqual({ direct: 0, subtree: 0 });
      expect(await countsOn(g2.id, '2022-06-01', moved.position)).toEqual({ direct: 2, subtree: 2 });
      const history = (await memberOn(m1.id, '2023-01-01', moved.position)).history;
      expect(history).toEqual([
        { unitId: g1.id, from: '2010-01-01', to: '2022-01-01', status: 'active' },
        { unitId: g2.id, from: '2022-01-01', to: '2023-01-01', status: 'active' },
        { unitId: g3.id, from: '2023-01-01', to: null, status: 'active' },
      ]);
    });

    it('ends the membership when the grassroots unit is terminated, and refuses a transfer dated after it', async () => {
      const { province, district, g1, g2 } = await hierarchy('K');
      const m = await enrol(app, { unitId: g1.id, fullName: 'Bùi Văn Hải', joinedOn: '2015-01-01' });
      const stays = await enrol(app, { unitId: g2.id, fullName: 'Ngô Thị Lan', joinedOn: '2015-01-01' });
      const ended = await command(`/org-units/${g1.id}/terminate`, { effectiveOn: '2023-01-01', reason: 'doanh nghiệp giải thể' });
      const at = ended.position;

      const before = await memberOn(m.id, '2022-12-31', at);
      expect({ unitId: before.unitId, status: before.status }).toEqual({ unitId: g1.id, status: 'active' });
      const after = await memberOn(m.id, '2023-01-01', at);
      expect({ unitId: after.unitId, status: after.status }).toEqual({ unitId: null, status: 'unit_terminated' });
      expect(after.history).toEqual([
        { unitId: g1.id, from: '2015-01-01', to: '2023-01-01', status: 'active' },
        { unitId: g1.id, from: '2023-01-01', to: null, status: 'unit_terminated' },
      ]);
      expect((await memberOn(stays.id, '2023-01-01', at)).status).toBe('active');

      expect(await countsOn(g1.id, '2022-12-31', at)).toEqual({ direct: 1, subtree: 1 });
      expect(await countsOn(g1.id, '2023-01-01', at)).toEqual({ direct: 0, subtree: 0 });
      expect(await countsOn(district.id, '2022-12-31', at)).toEqual({ direct: 0, subtree: 2 });
      expect(await countsOn(district.id, '2023-01-01', at)).toEqual({ direct: 0, subtree: 1 });
      expect(await countsOn(province.id, '2023-01-01', at)).toEqual({ direct: 0, subtree: 1 });

      for (const effectiveOn of ['2023-01-01', '2023-02-01']) {
        expectProblem(
          await api(app).post(`/members/${m.id}/transfer`).send({ toUnitId: g2.id, effectiveOn }),
          422,
          'member.unit_terminated',
          ['effectiveOn'],
        );
      }
      expectProblem(
        await api(app).post(`/members/${m.id}/leave`).send({ effectiveOn: '2023-02-01', reason: 'sau giải thể' }),
        422,
        'member.unit_terminated',
        ['effectiveOn'],
      );
      // nothing was appended to the member's stream: its next change is revision 1
      const next = await api(app).post(`/members/${m.id}/transfer`).set('If-Match', '"0"').send({ toUnitId: g2.id, effectiveOn: '2022-12-31' });
      expect(next.status).toBe(200);
      expect(next.body.streamRevision).toBe(1);
    });

    // A transfer or departure is recorded after the merger/termination of the member's unit,
    // with an effective date before it (allowed by the rules: the member's own history has no
    // later change). The member must then count in the new unit and no longer in the old one.
    it('counts right when a transfer dated before a merger is recorded after the merger', async () => {
      const { district, g1, g2 } = await hierarchy('L');
      const g3 = await establish(app, { name: 'CĐCS L 3', kind: 'grassroots_union', parentId: district.id, establishedOn: '2005-01-01' });
      const stays = await enrol(app, { unitId: g1.id, fullName: 'Đinh Văn Minh', joinedOn: '2010-01-01' });
      const moves = await enrol(app, { unitId: g1.id, fullName: 'Lý Thị Nga', joinedOn: '2010-01-01' });
      await enrol(app, { unitId: g2.id, fullName: 'Tạ Văn Oanh', joinedOn: '2010-01-01' });
      await command(`/org-units/${g1.id}/merge`, { intoUnitId: g2.id, effectiveOn: '2022-01-01' });
      const late = await transferMember(moves.id, g3.id, '2021-06-01');
      const at = late.position;

      expect((await memberOn(moves.id, '2022-06-01', at)).unitId).toBe(g3.id);
      expect((await memberOn(stays.id, '2022-06-01', at)).unitId).toBe(g2.id);
      // one assertion, so that a failure shows every count at once
      expect({
        g1Before: await countsOn(g1.id, '2021-06-01', at),
        g3Before: await countsOn(g3.id, '2021-06-01', at),
        g1After: await countsOn(g1.id, '2022-06-01', at),
        g2After: await countsOn(g2.id, '2022-06-01', at),
        g3After: await countsOn(g3.id, '2022-06-01', at),
        districtAfter: await countsOn(district.id, '2022-06-01', at),
      }).toEqual({
        g1Before: { direct: 1, subtree: 1 },
        g3Before: { direct: 1, subtree: 1 },
        g1After: { direct: 0, subtree: 0 },
        g2After: { direct: 2, subtree: 2 },
        g3After: { direct: 1, subtree: 1 },
        districtAfter: { direct: 0, subtree: 3 },
      });
    });

    it('counts right when a departure dated before a termination is recorded after the termination', async () => {
      const { district, g1, g2 } = await hierarchy('M');
      const leaves = await enrol(app, { unitId: g1.id, fullName: 'Mai Văn Phong', joinedOn: '2010-01-01' });
      await enrol(app, { unitId: g1.id, fullName: 'Kiều Thị Quyên', joinedOn: '2010-01-01' });
      await enrol(app, { unitId: g2.id, fullName: 'Châu Văn Sơn', joinedOn: '2010-01-01' });
      await command(`/org-units/${g1.id}/terminate`, { effectiveOn: '2023-01-01', reason: 'giải thể' });
      const late = await leave(leaves.id, '2022-06-01');
      const at = late.position;

      expect((await memberOn(leaves.id, '2023-06-01', at)).status).toBe('left');
      expect({
        g1Before: await countsOn(g1.id, '2022-06-01', at),
        g1After: await countsOn(g1.id, '2023-06-01', at),
        districtAfter: await countsOn(district.id, '2023-06-01', at),
      }).toEqual({
        g1Before: { direct: 1, subtree: 1 },
        g1After: { direct: 0, subtree: 0 },
        districtAfter: { direct: 0, subtree: 1 },
      });
    });
  });

  // ---- counts through the hierarchy -----------------------------------------------------

  describe('member counts as of dates', () => {
    it('count a unit and each of its ancestors on each date', async () => {
      const { province, district, g1, g2 } = await hierarchy('N');
      const direct = await establish(app, { name: 'CĐCS N trực thuộc tỉnh', kind: 'grassroots_union', parentId: province.id, establishedOn: '2005-01-01' });
      await enrol(app, { unitId: g1.id, fullName: 'A', joinedOn: '2018-01-01' });
      await enrol(app, { unitId: g1.id, fullName: 'B', joinedOn: '2019-01-01' });
      await enrol(app, { unitId: g2.id, fullName: 'C', joinedOn: '2019-06-01' });
      const d = await enrol(app, { unitId: direct.id, fullName: 'D', joinedOn: '2020-01-01' });
      const left = await leave(d.id, '2021-01-01');
      const at = left.position;

      const table: [string, string, { direct: number; subtree: number }][] = [
        [g1.id, '2017-12-31', { direct: 0, subtree: 0 }],
        [province.id, '2017-12-31', { direct: 0, subtree: 0 }],
        [g1.id, '2018-06-01', { direct: 1, subtree: 1 }],
        [district.id, '2018-06-01', { direct: 0, subtree: 1 }],
        [province.id, '2018-06-01', { direct: 0, subtree: 1 }],
        [g1.id, '2019-06-01', { direct: 2, subtree: 2 }],
        [g2.id, '2019-06-01', { direct: 1, subtree: 1 }],
        [district.id, '2019-05-31', { direct: 0, subtree: 2 }],
        [district.id, '2019-06-01', { direct: 0, subtree: 3 }],
        [province.id, '2019-06-01', { direct: 0, subtree: 3 }],
        [direct.id, '2020-01-01', { direct: 1, subtree: 1 }],
        [province.id, '2020-01-01', { direct: 0, subtree: 4 }],
        [province.id, '2020-12-31', { direct: 0, subtree: 4 }],
        [province.id, '2021-01-01', { direct: 0, subtree: 3 }],
        [district.id, '2021-01-01', { direct: 0, subtree: 3 }],
      ];
      const actual = [];
      for (const [unitId, asOf] of table) actual.push([unitId, asOf, await countsOn(unitId, asOf, at)]);
      expect(actual).toEqual(table);
    });
  });

  // ---- import --------------------------------------------------------------------------

  describe('import', () => {
    it('enrols several members at once: 201 with count, ids and position', async () => {
      const { district, g1, g2 } = await hierarchy('O');
      const withId = member(g1.id, '2016-01-01', { fullName: 'Nhập Một' });
      const { memberId: _a, ...noId1 } = member(g1.id, '2016-02-01', { fullName: 'Nhập Hai' });
      const { memberId: _b, ...noId2 } = member(g2.id, '2016-03-01', { fullName: 'Nhập Ba' });
      const res = await api(app).post('/members/import').send({ members: [withId, noId1, noId2] });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ count: 3, ids: [withId.memberId, expect.any(String), expect.any(String)], position: expect.stringMatching(/^\d+$/) });
      expect(new Set(res.body.ids).size).toBe(3);
      const at = res.body.position;

      const got = [];
      for (const id of res.body.ids as string[]) {
        const m = await memberOn(id, '2016-06-01', at);
        got.push([m.fullName, m.unitId, m.joinedOn, m.status]);
      }
      expect(got).toEqual([
        ['Nhập Một', g1.id, '2016-01-01', 'active'],
        ['Nhập Hai', g1.id, '2016-02-01', 'active'],
        ['Nhập Ba', g2.id, '2016-03-01', 'active'],
      ]);
      expect(await countsOn(g1.id, '2016-06-01', at)).toEqual({ direct: 2, subtree: 2 });
      expect(await countsOn(district.id, '2016-06-01', at)).toEqual({ direct: 0, subtree: 3 });
      expect(await countsOn(district.id, '2016-01-31', at)).toEqual({ direct: 0, subtree: 1 });
    });

    async function expectNoneExist(ids: readonly string[], unitId: string): Promise<void> {
      // a later command's position proves the views have seen everything before it
      const probe = await enrol(app, { unitId, fullName: 'Người thử', joinedOn: '2015-01-01' });
      for (const id of ids) expectProblem(await memberAt(id, '2024-01-01', probe.position), 404, 'member.not_found');
    }

    it('is all or nothing: one member in a district unit refuses the whole import, naming it', async () => {
      const { district, g1 } = await hierarchy('P');
      const members = [member(g1.id, '2016-01-01'), member(district.id, '2016-01-01'), member(g1.id, '2016-01-01')];
      const res = await api(app).post('/members/import').send({ members });
      expectProblem(res, 422, 'member.unit_not_grassroots', ['members[1].unitId']);
      expect(res.body.detail).toContain('members[1]');
      await expectNoneExist(members.map((m) => m.memberId), g1.id);
      expect(await countsOn(g1.id, '2024-01-01', (await enrol(app, { unitId: g1.id, fullName: 'X', joinedOn: '2015-01-01' })).position)).toEqual({
        direct: 2,
        subtree: 2,
      });
    });

    it('is all or nothing: a memberId that exists already refuses the whole import, naming it', async () => {
      const { g1 } = await hierarchy('Q');
      const existing = await enrol(app, { unitId: g1.id, fullName: 'Đã có', joinedOn: '2014-01-01', memberId: randomUUID() });
      const members = [member(g1.id, '2016-01-01'), member(g1.id, '2016-01-01'), member(g1.id, '2016-01-01', { memberId: existing.id })];
      const res = await api(app).post('/members/import').send({ members });
      expectProblem(res, 422, 'member.already_exists', ['members[2].memberId']);
      await expectNoneExist(members.slice(0, 2).map((m) => m.memberId), g1.id);
      // the existing member is untouched
      const m = await memberOn(existing.id, '2024-01-01', existing.position);
      expect({ fullName: m.fullName, joinedOn: m.joinedOn, history: m.history }).toEqual({
        fullName: 'Đã có',
        joinedOn: '2014-01-01',
        history: [{ unitId: g1.id, from: '2014-01-01', to: null, status: 'active' }],
      });
    });

    it('is all or nothing: a memberId repeated within the import refuses it, naming the repeat', async () => {
      const { g1 } = await hierarchy('R');
      const first = member(g1.id, '2016-01-01');
      const members = [first, member(g1.id, '2016-01-01'), member(g1.id, '2017-01-01', { memberId: first.memberId })];
      const res = await api(app).post('/members/import').send({ members });
      expectProblem(res, 422, 'member.duplicate_in_import', ['members[2].memberId']);
      await expectNoneExist(members.slice(0, 2).map((m) => m.memberId), g1.id);
    });

    it('is all or nothing: a date before the unit exists refuses it, naming the member', async () => {
      const { g1 } = await hierarchy('S');
      const members = [member(g1.id, '2016-01-01'), member(g1.id, '2016-01-01'), member(g1.id, '2016-01-01'), member(g1.id, '2004-01-01')];
      const res = await api(app).post('/members/import').send({ members });
      expectProblem(res, 422, 'member.unit_not_active', ['members[3].unitId']);
      await expectNoneExist(members.map((m) => m.memberId), g1.id);
    });

    it('answers 400 naming nested fields', async () => {
      const { g1 } = await hierarchy('T');
      const members = [
        member(g1.id, '2016-01-01', { unitId: 'not-a-uuid' }),
        member(g1.id, '2024-02-30'),
        member(g1.id, '2016-01-01'),
        { ...member(g1.id, '2016-01-01'), fullName: 42, extra: 'x' },
      ];
      const res = await api(app).post('/members/import').send({ members });
      expectProblem(res, 400, 'request.invalid');
      const fields = (res.body.errors as FieldError[]).map((e) => e.field);
      expect(new Set(fields)).toEqual(new Set(['members[0].unitId', 'members[1].joinedOn', 'members[3].fullName', 'members[3].extra']));
      await expectNoneExist(members.map((m) => m.memberId as string), g1.id);
    });

    it('answers 400 for an empty import, a missing list, and more than 10,000 members', async () => {
      const { g1 } = await hierarchy('U');
      expectProblem(await api(app).post('/members/import').send({ members: [] }), 400, 'request.invalid', ['members']);
      const missing = await api(app).post('/members/import').send({});
      expectProblem(missing, 400, 'request.invalid');
      expect(new Set((missing.body.errors as FieldError[]).map((e) => e.field))).toEqual(new Set(['members']));
      const tooMany = Array.from({ length: 10_001 }, (_, i) => ({ unitId: g1.id, fullName: `Đoàn viên ${i}`, memberCode: `TM-${i}`, joinedOn: '2016-01-01' }));
      const res = await api(app).post('/members/import').send({ members: tooMany });
      expectProblem(res, 400, 'request.invalid');
      expect(new Set((res.body.errors as FieldError[]).map((e) => e.field))).toEqual(new Set(['members']));
    }, 60_000);

    it('imports 10,000 members in one request and counts them all', async () => {
      const { province, district, g1 } = await hierarchy('V');
      const run = code('BIG');
      const members = Array.from({ length: 10_000 }, (_, i) => ({
        unitId: g1.id,
        fullName: `Đoàn viên số ${i + 1}`,
        memberCode: `${run}-${i + 1}`,
        joinedOn: '2019-01-01',
      }));
      const res = await api(app).post('/members/import').send({ members });
      expect(res.status).toBe(201);
      expect(res.body.count).toBe(10_000);
      expect(res.body.ids).toHaveLength(10_000);
      expect(new Set(res.body.ids).size).toBe(10_000);
      const at = res.body.position;
      expect(await countsOn(g1.id, '2019-01-01', at)).toEqual({ direct: 10_000, subtree: 10_000 });
      expect(await countsOn(g1.id, '2018-12-31', at)).toEqual({ direct: 0, subtree: 0 });
      expect(await countsOn(district.id, '2019-01-01', at)).toEqual({ direct: 0, subtree: 10_000 });
      expect(await countsOn(province.id, '2019-01-01', at)).toEqual({ direct: 0, subtree: 10_000 });
      const last = await memberOn(res.body.ids[9_999], '2019-01-01', at);
      expect({ fullName: last.fullName, memberCode: last.memberCode, unitId: last.unitId }).toEqual({
        fullName: 'Đoàn viên số 10000',
        memberCode: `${run}-10000`,
        unitId: g1.id,
      });
    }, 120_000);
  });
});
