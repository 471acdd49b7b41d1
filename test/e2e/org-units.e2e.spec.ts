import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { expectProblem, type FieldError } from '../support/problems.js';
import { api, code, enrol, establish, type Created, type TestApp, useTestApp } from '../support/test-app.js';

interface UnitSummary {
  unitId: string;
  code: string;
  name: string;
  kind: string;
  level: string;
  parentId: string | null;
  status: string;
  mergedInto: string | null;
  establishedOn: string;
  members: { direct: number; subtree: number };
}

describe('org units through HTTP', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  // ---- helpers bound to the app ------------------------------------------------------
  const unitAt = (id: string, asOf: string, minPosition?: string) =>
    api(app)
      .get(`/org-units/${id}`)
      .query({ asOf, ...(minPosition ? { minPosition } : {}) });

  async function unitOn(id: string, asOf: string, minPosition: string): Promise<UnitSummary & { ancestors: { unitId: string }[] }> {
    const res = await unitAt(id, asOf, minPosition);
    if (res.status !== 200) throw new Error(`GET /org-units/${id}?asOf=${asOf}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  async function childrenOn(id: string, asOf: string, minPosition: string): Promise<UnitSummary[]> {
    const res = await api(app).get(`/org-units/${id}/children`).query({ asOf, minPosition, limit: 1000 });
    if (res.status !== 200) throw new Error(`GET /org-units/${id}/children?asOf=${asOf}: ${res.status} ${JSON.stringify(res.body)}`);
    expect(res.body.nextCursor).toBeNull();
    return res.body.items;
  }

  const childIds = async (id: string, asOf: string, minPosition: string): Promise<string[]> =>
    (await childrenOn(id, asOf, minPosition)).map((c) => c.unitId);

  const ancestorIds = (unit: { ancestors: { unitId: string }[] }): string[] => unit.ancestors.map((a) => a.unitId);

  async function command(path: string, body: object, expectedStatus = 200): Promise<Created> {
    const res = await api(app).post(path).send(body);
    if (res.status !== expectedStatus) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Created;
  }

  const rename = (id: string, name: string, effectiveOn: string) => command(`/org-units/${id}/rename`, { name, effectiveOn });
  const transfer = (id: string, newParentId: string, effectiveOn: string) =>
    command(`/org-units/${id}/transfer`, { newParentId, effectiveOn });
  const merge = (id: string, intoUnitId: string, effectiveOn: string) => command(`/org-units/${id}/merge`, { intoUnitId, effectiveOn });
  const terminate = (id: string, effectiveOn: string, reason = 'giải thể theo quyết định') =>
    command(`/org-units/${id}/terminate`, { effectiveOn, reason });

  /** Codes that sort in the order given (children are listed by code). */
  const orderedCodes = (n: number): string[] => {
    const run = code('C');
    return Array.from({ length: n }, (_, i) => `${run}-${String(i + 1).padStart(2, '0')}`);
  };

  // ---- establish ---------------------------------------------------------------------

  describe('establish', () => {
    it('answers 201 with id, revision 0 and position, an ETag "0", and the unit as of its establishment', async () => {
      const unitId = randomUUID();
      const unitCode = code('LDLD');
      const res = await api(app).post('/org-units').send({
        unitId,
        code: unitCode,
        name: 'LĐLĐ tỉnh Bình Thuận',
        kind: 'provincial_federation',
        establishedOn: '1992-01-01',
      });
      expect(res.status).toBe(201);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers.etag).toBe('"0"');
      expect(Object.keys(res.body).sort()).toEqual(['id', 'position', 'streamRevision']);
      expect(res.body.id).toBe(unitId);
      expect(res.body.streamRevision).toBe(0);
      expect(res.body.position).toMatch(/^\d+$/);

      const got = await unitAt(unitId, '1992-01-01', res.body.position);
      expect(got.status).toBe(200);
      expect(got.body).toEqual({
        unitId,
        code: unitCode,
        name: 'LĐLĐ tỉnh Bình Thuận',
        kind: 'provincial_federation',
        level: 'provincial',
        parentId: null,
        status: 'active',
        mergedInto: null,
        establishedOn: '1992-01-01',
        members: { direct: 0, subtree: 0 },
        asOf: '1992-01-01',
        ancestors: [],
        position: expect.stringMatching(/^\d+$/),
      });
      expect(BigInt(got.body.position)).toBeGreaterThanOrEqual(BigInt(res.body.position));
    });

    it('generates an id when none is given', async () => {
      const res = await api(app)
        .post('/org-units')
        .send({ code: code('GR'), name: 'CĐCS không mã', kind: 'grassroots_union', establishedOn: '2010-01-01' });
      expect(res.status).toBe(201);
      expect(res.body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const got = await unitAt(res.body.id, '2010-01-01', res.body.position);
      expect(got.status).toBe(200);
      expect(got.body.name).toBe('CĐCS không mã');
    });

    it('derives the level from the kind', async () => {
      const expected: Record<string, string> = {
        confederation: 'national',
        provincial_federation: 'provincial',
        central_sector_union: 'provincial',
        corporation_union: 'provincial',
        district_federation: 'district',
        local_sector_union: 'district',
        industrial_zone_union: 'district',
        commune_union: 'district',
        grassroots_union: 'grassroots',
      };
      const created: { id: string; kind: string; position: string }[] = [];
      for (const kind of Object.keys(expected)) {
        const c = await establish(app, { name: `Đơn vị ${kind}`, kind, establishedOn: '2000-01-01' });
        created.push({ id: c.id, kind, position: c.position });
      }
      const last = created[created.length - 1]!.position;
      for (const c of created) {
        const unit = await unitOn(c.id, '2000-01-01', last);
        expect({ kind: unit.kind, level: unit.level }).toEqual({ kind: c.kind, level: expected[c.kind] });
      }
    });

    it('places a unit under a parent of a higher level, with its ancestors', async () => {
      const vgcl = await establish(app, { name: 'Tổng Liên đoàn Lao động Việt Nam', kind: 'confederation', establishedOn: '1929-07-28' });
      const province = await establish(app, { name: 'LĐLĐ tỉnh Bắc Kạn', kind: 'provincial_federation', parentId: vgcl.id, establishedOn: '1997-01-01' });
      const school = await establish(app, { name: 'CĐCS Trường THPT Bắc Kạn', kind: 'grassroots_union', parentId: province.id, establishedOn: '2001-09-01' });
      const unit = await unitOn(school.id, '2001-09-01', school.position);
      expect(unit.parentId).toBe(province.id);
      expect(unit.level).toBe('grassroots');
      expect(unit.ancestors).toEqual([
        { unitId: province.id, code: expect.any(String), name: 'LĐLĐ tỉnh Bắc Kạn', level: 'provincial' },
        { unitId: vgcl.id, code: expect.any(String), name: 'Tổng Liên đoàn Lao động Việt Nam', level: 'national' },
      ]);
    });
  });

  // ---- changes and their as-of answers -------------------------------------------------

  describe('rename, transfer, merge and terminate with effective dates', () => {
    it('answers each date with the name, parent, status and ancestors of that date', async () => {
      const p1 = await establish(app, { name: 'LĐLĐ tỉnh A', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const p2 = await establish(app, { name: 'LĐLĐ tỉnh B', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const d1 = await establish(app, { name: 'LĐLĐ huyện Hàm Thuận Bắc', kind: 'district_federation', parentId: p1.id, establishedOn: '2001-01-01' });
      const d2 = await establish(app, { name: 'LĐLĐ huyện Đức Linh', kind: 'district_federation', parentId: p2.id, establishedOn: '2001-01-01' });

      const renamed = await api(app).post(`/org-units/${d1.id}/rename`).send({ name: 'LĐLĐ thị xã Hàm Thuận Bắc', effectiveOn: '2010-03-15' });
      expect(renamed.status).toBe(200);
      expect(renamed.headers.etag).toBe('"1"');
      expect(renamed.body).toEqual({ id: d1.id, streamRevision: 1, position: expect.stringMatching(/^\d+$/) });
      expect(BigInt(renamed.body.position)).toBeGreaterThan(BigInt(d2.position));

      const moved = await transfer(d1.id, p2.id, '2015-06-01');
      expect(moved.streamRevision).toBe(2);
      const merged = await merge(d1.id, d2.id, '2020-01-01');
      expect(merged.streamRevision).toBe(3);
      const ended = await terminate(d2.id, '2024-01-01');
      expect(ended).toEqual({ id: d2.id, streamRevision: 1, position: expect.stringMatching(/^\d+$/) });
      const at = ended.position;

      // before the rename / from the rename
      expect((await unitOn(d1.id, '2010-03-14', at)).name).toBe('LĐLĐ huyện Hàm Thuận Bắc');
      expect((await unitOn(d1.id, '2010-03-15', at)).name).toBe('LĐLĐ thị xã Hàm Thuận Bắc');

      // before the transfer / from the transfer
      const beforeTransfer = await unitOn(d1.id, '2015-05-31', at);
      expect({ parentId: beforeTransfer.parentId, ancestors: ancestorIds(beforeTransfer), status: beforeTransfer.status }).toEqual({
        parentId: p1.id,
        ancestors: [p1.id],
        status: 'active',
      });
      const afterTransfer = await unitOn(d1.id, '2015-06-01', at);
      expect({ parentId: afterTransfer.parentId, ancestors: afterTransfer.ancestors, name: afterTransfer.name }).toEqual({
        parentId: p2.id,
        ancestors: [{ unitId: p2.id, code: expect.any(String), name: 'LĐLĐ tỉnh B', level: 'provincial' }],
        name: 'LĐLĐ thị xã Hàm Thuận Bắc',
      });

      // before the merger / from the merger
      const beforeMerge = await unitOn(d1.id, '2019-12-31', at);
      expect({ status: beforeMerge.status, mergedInto: beforeMerge.mergedInto }).toEqual({ status: 'active', mergedInto: null });
      const afterMerge = await unitOn(d1.id, '2020-01-01', at);
      expect({ status: afterMerge.status, mergedInto: afterMerge.mergedInto, name: afterMerge.name, level: afterMerge.level }).toEqual({
        status: 'merged',
        mergedInto: d2.id,
        name: 'LĐLĐ thị xã Hàm Thuận Bắc',
        level: 'district',
      });

      // before the termination / from the termination
      const beforeEnd = await unitOn(d2.id, '2023-12-31', at);
      expect({ status: beforeEnd.status, mergedInto: beforeEnd.mergedInto, parentId: beforeEnd.parentId }).toEqual({
        status: 'active',
        mergedInto: null,
        parentId: p2.id,
      });
      const afterEnd = await unitOn(d2.id, '2024-01-01', at);
      expect({ status: afterEnd.status, mergedInto: afterEnd.mergedInto, name: afterEnd.name }).toEqual({
        status: 'terminated',
        mergedInto: null,
        name: 'LĐLĐ huyện Đức Linh',
      });

      // the establishment date itself answers the first version
      const first = await unitOn(d1.id, '2001-01-01', at);
      expect({ name: first.name, parentId: first.parentId, status: first.status, establishedOn: first.establishedOn }).toEqual({
        name: 'LĐLĐ huyện Hàm Thuận Bắc',
        parentId: p1.id,
        status: 'active',
        establishedOn: '2001-01-01',
      });
    });
  });

  // ---- children ----------------------------------------------------------------------

  describe('children as of dates', () => {
    it('follow a transfer and a merger from their effective dates, and not before', async () => {
      const [c1, c2, c3] = orderedCodes(3);
      const province = await establish(app, { name: 'LĐLĐ tỉnh C', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const d1 = await establish(app, { name: 'LĐLĐ huyện 1', kind: 'district_federation', parentId: province.id, establishedOn: '2001-01-01' });
      const d2 = await establish(app, { name: 'LĐLĐ huyện 2', kind: 'district_federation', parentId: province.id, establishedOn: '2001-01-01' });
      const g1 = await establish(app, { code: c1, name: 'CĐCS 1', kind: 'grassroots_union', parentId: d1.id, establishedOn: '2005-01-01' });
      const g2 = await establish(app, { code: c2, name: 'CĐCS 2', kind: 'grassroots_union', parentId: d1.id, establishedOn: '2005-01-01' });
      const g3 = await establish(app, { code: c3, name: 'CĐCS 3', kind: 'grassroots_union', parentId: d2.id, establishedOn: '2005-01-01' });

      await transfer(g2.id, d2.id, '2022-01-01');
      const merged = await merge(d1.id, d2.id, '2023-01-01');
      const at = merged.position;

      expect(await childIds(d1.id, '2021-12-31', at)).toEqual([g1.id, g2.id]);
      expect(await childIds(d2.id, '2021-12-31', at)).toEqual([g3.id]);
      expect(await childIds(d1.id, '2022-01-01', at)).toEqual([g1.id]);
      expect(await childIds(d2.id, '2022-01-01', at)).toEqual([g2.id, g3.id]);
      // the day before the merger: still under the old unit
      expect(await childIds(d1.id, '2022-12-31', at)).toEqual([g1.id]);
      expect(await childIds(d2.id, '2022-12-31', at)).toEqual([g2.id, g3.id]);
      // from the merger: under the target
      expect(await childIds(d1.id, '2023-01-01', at)).toEqual([]);
      expect(await childIds(d2.id, '2023-01-01', at)).toEqual([g1.id, g2.id, g3.id]);

      const g1Before = await unitOn(g1.id, '2022-12-31', at);
      expect({ parentId: g1Before.parentId, ancestors: ancestorIds(g1Before) }).toEqual({ parentId: d1.id, ancestors: [d1.id, province.id] });
      const g1After = await unitOn(g1.id, '2023-01-01', at);
      expect({ parentId: g1After.parentId, ancestors: ancestorIds(g1After), status: g1After.status }).toEqual({
        parentId: d2.id,
        ancestors: [d2.id, province.id],
        status: 'active',
      });

      // each child row is a whole unit summary
      const rows = await childrenOn(d2.id, '2023-01-01', at);
      expect(rows[0]).toEqual({
        unitId: g1.id,
        code: c1,
        name: 'CĐCS 1',
        kind: 'grassroots_union',
        level: 'grassroots',
        parentId: d2.id,
        status: 'active',
        mergedInto: null,
        establishedOn: '2005-01-01',
        members: { direct: 0, subtree: 0 },
      });
    });

    it('answers the list with the unit, date and position it reflects', async () => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh D', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const g = await establish(app, { name: 'CĐCS D1', kind: 'grassroots_union', parentId: province.id, establishedOn: '2000-01-01' });
      const res = await api(app).get(`/org-units/${province.id}/children`).query({ asOf: '2000-01-01', minPosition: g.position });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        unitId: province.id,
        asOf: '2000-01-01',
        items: [expect.objectContaining({ unitId: g.id, parentId: province.id })],
        nextCursor: null,
        position: expect.stringMatching(/^\d+$/),
      });
      expect(BigInt(res.body.position)).toBeGreaterThanOrEqual(BigInt(g.position));
    });

    it('pages with limit and an opaque cursor, without duplicates or gaps', async () => {
      const codes = orderedCodes(5);
      const province = await establish(app, { name: 'LĐLĐ tỉnh E', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const ids: string[] = [];
      let last = province.position;
      // established in reverse code order: the listing order must come from the codes
      for (const c of [...codes].reverse()) {
        const g = await establish(app, { code: c, name: `CĐCS ${c}`, kind: 'grassroots_union', parentId: province.id, establishedOn: '2001-01-01' });
        ids.unshift(g.id);
        last = g.position;
      }
      const page = (cursor?: string) =>
        api(app)
          .get(`/org-units/${province.id}/children`)
          .query({ asOf: '2024-01-01', limit: 2, minPosition: last, ...(cursor ? { cursor } : {}) });

      const p1 = await page();
      expect(p1.status).toBe(200);
      expect(p1.body.items.map((u: UnitSummary) => u.code)).toEqual(codes.slice(0, 2));
      expect(typeof p1.body.nextCursor).toBe('string');
      const p2 = await page(p1.body.nextCursor);
      expect(p2.status).toBe(200);
      expect(p2.body.items.map((u: UnitSummary) => u.code)).toEqual(codes.slice(2, 4));
      expect(typeof p2.body.nextCursor).toBe('string');
      expect(p2.body.nextCursor).not.toBe(p1.body.nextCursor);
      const p3 = await page(p2.body.nextCursor);
      expect(p3.status).toBe(200);
      expect(p3.body.items.map((u: UnitSummary) => u.code)).toEqual(codes.slice(4));
      expect(p3.body.nextCursor).toBeNull();

      const all = [...p1.body.items, ...p2.body.items, ...p3.body.items].map((u: UnitSummary) => u.unitId);
      expect(all).toEqual(ids);
      expect(new Set(all).size).toBe(5);

      // exactly `limit` left: no further page is announced
      const exact = await api(app).get(`/org-units/${province.id}/children`).query({ asOf: '2024-01-01', limit: 5, minPosition: last });
      expect(exact.body.items).toHaveLength(5);
      expect(exact.body.nextCursor).toBeNull();
    });

    it('refuses a cursor it did not hand out, naming cursor', async () => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh F', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      for (const cursor of ['not-a-cursor', 'abc', '%%%', Buffer.from(JSON.stringify(['only-one'])).toString('base64url')]) {
        const res = await api(app).get(`/org-units/${province.id}/children`).query({ asOf: '2024-01-01', cursor, minPosition: province.position });
        expectProblem(res, 400, 'request.invalid', ['cursor']);
      }
    });

    it('refuses a limit outside 1..1000, naming limit', async () => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh G', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      for (const limit of ['0', '1001', 'ten', '-1']) {
        const res = await api(app).get(`/org-units/${province.id}/children`).query({ limit });
        expect(res.status).toBe(400);
        expect(new Set((res.body.errors as FieldError[]).map((e) => e.field))).toEqual(new Set(['limit']));
      }
    });
  });

  // ---- not found -----------------------------------------------------------------------

  describe('unknown units', () => {
    it('answers 404 for a unit that does not exist', async () => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh H', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const unknown = randomUUID();
      expectProblem(await unitAt(unknown, '2024-01-01', province.position), 404, 'org_unit.not_found');
      expectProblem(
        await api(app).get(`/org-units/${unknown}/children`).query({ asOf: '2024-01-01', minPosition: province.position }),
        404,
        'org_unit.not_found',
      );
    });

    it('answers 404 for a date before the establishment, 200 from that day on', async () => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh I', kind: 'provincial_federation', establishedOn: '2000-06-15' });
      const before = await unitAt(province.id, '2000-06-14', province.position);
      expectProblem(before, 404, 'org_unit.not_found');
      expect(before.body.detail).toContain(province.id);
      expectProblem(
        await api(app).get(`/org-units/${province.id}/children`).query({ asOf: '2000-06-14', minPosition: province.position }),
        404,
        'org_unit.not_found',
      );
      expect((await unitAt(province.id, '2000-06-15', province.position)).status).toBe(200);
    });

    it('answers 404 to a command on a unit that does not exist, and creates nothing', async () => {
      const unknown = randomUUID();
      const res = await api(app).post(`/org-units/${unknown}/rename`).send({ name: 'Không có', effectiveOn: '2024-01-01' });
      expectProblem(res, 404, 'org_unit.not_found');
      const probe = await establish(app, { name: 'LĐLĐ tỉnh J', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      expect((await unitAt(unknown, '2024-01-01', probe.position)).status).toBe(404);
    });
  });

  // ---- rules ---------------------------------------------------------------------------

  describe('rules (422, nothing appended)', () => {
    it('refuses a parent of the same or a lower level', async () => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh K', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const district = await establish(app, { name: 'LĐLĐ huyện K', kind: 'district_federation', parentId: province.id, establishedOn: '2000-01-01' });
      const grassroots = await establish(app, { name: 'CĐCS K', kind: 'grassroots_union', parentId: district.id, establishedOn: '2000-01-01' });

      const attempts = [
        { kind: 'industrial_zone_union', parentId: district.id }, // same level
        { kind: 'central_sector_union', parentId: province.id }, // same level
        { kind: 'provincial_federation', parentId: district.id }, // lower level
        { kind: 'district_federation', parentId: grassroots.id }, // lower level
        { kind: 'grassroots_union', parentId: grassroots.id }, // same level
      ];
      const refusedIds: string[] = [];
      for (const attempt of attempts) {
        const unitId = randomUUID();
        refusedIds.push(unitId);
        const res = await api(app)
          .post('/org-units')
          .send({ unitId, code: code('X'), name: 'Đơn vị sai cấp', establishedOn: '2010-01-01', ...attempt });
        expectProblem(res, 422, 'org_unit.parent_level', ['parentId']);
      }
      // nothing was stored: none of the refused ids exists, and each can still be established as a first event
      const probe = await establish(app, { name: 'Đơn vị thử', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      for (const id of refusedIds) expect((await unitAt(id, '2024-01-01', probe.position)).status).toBe(404);
      const retried = await api(app)
        .post('/org-units')
        .send({ unitId: refusedIds[0], code: code('X'), name: 'Đơn vị đúng cấp', kind: 'grassroots_union', parentId: district.id, establishedOn: '2010-01-01' });
      expect(retried.status).toBe(201);
      expect(retried.body.streamRevision).toBe(0);
      expect(new Set(await childIds(district.id, '2024-01-01', retried.body.position))).toEqual(new Set([grassroots.id, refusedIds[0]]));
    });

    it('refuses a transfer under a terminated unit and under a merged unit', async () => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh L', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const d1 = await establish(app, { name: 'LĐLĐ huyện L1', kind: 'district_federation', parentId: province.id, establishedOn: '2000-01-01' });
      const terminated = await establish(app, { name: 'LĐLĐ huyện L2', kind: 'district_federation', parentId: province.id, establishedOn: '2000-01-01' });
      const mergedAway = await establish(app, { name: 'LĐLĐ huyện L3', kind: 'district_federation', parentId: province.id, establishedOn: '2000-01-01' });
      const g = await establish(app, { name: 'CĐCS L', kind: 'grassroots_union', parentId: d1.id, establishedOn: '2005-01-01' });
      await terminate(terminated.id, '2020-01-01');
      await merge(mergedAway.id, d1.id, '2020-01-01');

      expectProblem(
        await api(app).post(`/org-units/${g.id}/transfer`).send({ newParentId: terminated.id, effectiveOn: '2021-01-01' }),
        422,
        'org_unit.parent_not_active',
        ['newParentId'],
      );
      // on the very day of the termination, too
      expectProblem(
        await api(app).post(`/org-units/${g.id}/transfer`).send({ newParentId: terminated.id, effectiveOn: '2020-01-01' }),
        422,
        'org_unit.parent_not_active',
        ['newParentId'],
      );
      expectProblem(
        await api(app).post(`/org-units/${g.id}/transfer`).send({ newParentId: mergedAway.id, effectiveOn: '2021-01-01' }),
        422,
        'org_unit.parent_not_active',
        ['newParentId'],
      );

      // nothing appended to the unit: its next change is revision 1, and it still sits under d1
      const next = await rename(g.id, 'CĐCS L (mới)', '2021-01-01');
      expect(next.streamRevision).toBe(1);
      const unit = await unitOn(g.id, '2021-06-01', next.position);
      expect({ parentId: unit.parentId, name: unit.name }).toEqual({ parentId: d1.id, name: 'CĐCS L (mới)' });
    });

    it('refuses a merger across levels, into itself, and into an unknown unit', async () => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh M', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const district = await establish(app, { name: 'LĐLĐ huyện M', kind: 'district_federation', parentId: province.id, establishedOn: '2000-01-01' });
      const g = await establish(app, { name: 'CĐCS M', kind: 'grassroots_union', parentId: district.id, establishedOn: '2000-01-01' });

      expectProblem(
        await api(app).post(`/org-units/${g.id}/merge`).send({ intoUnitId: district.id, effectiveOn: '2021-01-01' }),
        422,
        'org_unit.merge_across_levels',
        ['intoUnitId'],
      );
      expectProblem(
        await api(app).post(`/org-units/${district.id}/merge`).send({ intoUnitId: province.id, effectiveOn: '2021-01-01' }),
        422,
        'org_unit.merge_across_levels',
        ['intoUnitId'],
      );
      expectProblem(
        await api(app).post(`/org-units/${g.id}/merge`).send({ intoUnitId: g.id, effectiveOn: '2021-01-01' }),
        422,
        'org_unit.merge_into_self',
        ['intoUnitId'],
      );
      expectProblem(
        await api(app).post(`/org-units/${g.id}/merge`).send({ intoUnitId: g.id.toUpperCase(), effectiveOn: '2021-01-01' }),
        422,
        'org_unit.merge_into_self',
        ['intoUnitId'],
      );
      expectProblem(
        await api(app).post(`/org-units/${g.id}/merge`).send({ intoUnitId: randomUUID(), effectiveOn: '2021-01-01' }),
        422,
        'org_unit.unknown_unit',
        ['intoUnitId'],
      );

      const nextG = await rename(g.id, 'CĐCS M (mới)', '2021-01-01');
      expect(nextG.streamRevision).toBe(1);
      const nextD = await rename(district.id, 'LĐLĐ thị xã M', '2021-01-01');
      expect(nextD.streamRevision).toBe(1);
      const unit = await unitOn(g.id, '2022-01-01', nextD.position);
      expect({ status: unit.status, mergedInto: unit.mergedInto }).toEqual({ status: 'active', mergedInto: null });
    });

    it('refuses a change dated before the latest change, and a rename to the same name', async () => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh N', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const p2 = await establish(app, { name: 'LĐLĐ tỉnh N2', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const g = await establish(app, { name: 'CĐCS N', kind: 'grassroots_union', parentId: province.id, establishedOn: '2005-01-01' });
      const first = await rename(g.id, 'CĐCS N mới', '2015-01-01');
      expect(first.streamRevision).toBe(1);

      for (const [path, body] of [
        [`/org-units/${g.id}/rename`, { name: 'CĐCS N cũ hơn', effectiveOn: '2014-12-31' }],
        [`/org-units/${g.id}/transfer`, { newParentId: p2.id, effectiveOn: '2010-01-01' }],
        [`/org-units/${g.id}/terminate`, { effectiveOn: '2014-01-01', reason: 'ngày sai' }],
      ] as const) {
        expectProblem(await api(app).post(path).send(body), 422, 'org_unit.change_predates_history', ['effectiveOn']);
      }
      // a change before the establishment predates it too
      const early = await api(app).post(`/org-units/${p2.id}/rename`).send({ name: 'LĐLĐ tỉnh N2 mới', effectiveOn: '1999-12-31' });
      expectProblem(early, 422, 'org_unit.change_predates_history', ['effectiveOn']);

      expectProblem(
        await api(app).post(`/org-units/${g.id}/rename`).send({ name: 'CĐCS N mới', effectiveOn: '2016-01-01' }),
        422,
        'org_unit.same_name',
        ['name'],
      );

      // nothing was appended: the next change is revision 2, and the history is intact
      const next = await api(app).post(`/org-units/${g.id}/rename`).send({ name: 'CĐCS N 2016', effectiveOn: '2016-01-01' });
      expect(next.status).toBe(200);
      expect(next.headers.etag).toBe('"2"');
      expect(next.body.streamRevision).toBe(2);
      expect((await unitOn(g.id, '2014-12-31', next.body.position)).name).toBe('CĐCS N');
      expect((await unitOn(g.id, '2015-06-01', next.body.position)).name).toBe('CĐCS N mới');
      expect((await unitOn(g.id, '2016-01-01', next.body.position)).parentId).toBe(province.id);
    });

    it('refuses any change to a unit once it has ended', async () => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh O', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const g = await establish(app, { name: 'CĐCS O', kind: 'grassroots_union', parentId: province.id, establishedOn: '2000-01-01' });
      const ended = await terminate(g.id, '2020-01-01');
      expect(ended.streamRevision).toBe(1);
      expectProblem(
        await api(app).post(`/org-units/${g.id}/rename`).send({ name: 'CĐCS O mới', effectiveOn: '2021-01-01' }),
        422,
        'org_unit.not_active',
        ['effectiveOn'],
      );
      expectProblem(
        await api(app).post(`/org-units/${g.id}/terminate`).send({ effectiveOn: '2021-01-01', reason: 'lần hai' }),
        422,
        'org_unit.not_active',
        ['effectiveOn'],
      );
      // a conditional command at the current revision is still decided by the rules
      const res = await api(app).post(`/org-units/${g.id}/rename`).set('If-Match', '"1"').send({ name: 'CĐCS O mới', effectiveOn: '2021-01-01' });
      expectProblem(res, 422, 'org_unit.not_active', ['effectiveOn']);
    });
  });

  // ---- the 2025 reorganisation ----------------------------------------------------------

  describe('the 2025 reorganisation', () => {
    interface World {
      vgcl: Created;
      binhThuan: Created;
      phanThiet: Created;
      g1: Created;
      g2: Created;
      g3: Created;
      bacKan: Created;
      gb: Created;
      thaiNguyen: Created;
      at: string;
      codes: string[];
    }
    let w: World;

    beforeAll(async () => {
      const codes = orderedCodes(9);
      const vgcl = await establish(app, { code: codes[0], name: 'Tổng Liên đoàn Lao động Việt Nam', kind: 'confederation', establishedOn: '1929-07-28' });
      const binhThuan = await establish(app, { code: codes[1], name: 'LĐLĐ tỉnh Bình Thuận', kind: 'provincial_federation', parentId: vgcl.id, establishedOn: '1992-01-01' });
      const bacKan = await establish(app, { code: codes[2], name: 'LĐLĐ tỉnh Bắc Kạn', kind: 'provincial_federation', parentId: vgcl.id, establishedOn: '1997-01-01' });
      const phanThiet = await establish(app, { code: codes[3], name: 'LĐLĐ thành phố Phan Thiết', kind: 'district_federation', parentId: binhThuan.id, establishedOn: '1995-01-01' });
      const g1 = await establish(app, { code: codes[4], name: 'CĐCS Trường THPT Phan Bội Châu', kind: 'grassroots_union', parentId: phanThiet.id, establishedOn: '2005-01-01' });
      const g2 = await establish(app, { code: codes[5], name: 'CĐCS Công ty Điện lực Phan Thiết', kind: 'grassroots_union', parentId: phanThiet.id, establishedOn: '2005-01-01' });
      const g3 = await establish(app, { code: codes[6], name: 'CĐCS Bệnh viện tỉnh Bình Thuận', kind: 'grassroots_union', parentId: binhThuan.id, establishedOn: '2006-01-01' });
      const gb = await establish(app, { code: codes[7], name: 'CĐCS Trường Cao đẳng Bắc Kạn', kind: 'grassroots_union', parentId: bacKan.id, establishedOn: '2000-01-01' });
      for (const [unit, n] of [[g1, 2], [g2, 1], [g3, 1], [gb, 2]] as const) {
        for (let i = 0; i < n; i++) await enrol(app, { unitId: unit.id, fullName: `Đoàn viên ${i + 1}`, joinedOn: '2010-01-01' });
      }

      // 1 July 2025: the district's grassroots units move up to the province, then the district ends;
      // Bắc Kạn merges into the new Thái Nguyên.
      await transfer(g1.id, binhThuan.id, '2025-07-01');
      await transfer(g2.id, binhThuan.id, '2025-07-01');
      await terminate(phanThiet.id, '2025-07-01', 'Kết luận 127-KL/TW: kết thúc hoạt động công đoàn cấp huyện');
      const thaiNguyen = await establish(app, { code: codes[8], name: 'LĐLĐ tỉnh Thái Nguyên', kind: 'provincial_federation', parentId: vgcl.id, establishedOn: '2025-07-01' });
      const merged = await merge(bacKan.id, thaiNguyen.id, '2025-07-01');
      w = { vgcl, binhThuan, phanThiet, g1, g2, g3, bacKan, gb, thaiNguyen, at: merged.position, codes };
    });

    it('answers 2024-05-01 with the old hierarchy and its member counts', async () => {
      const on = '2024-05-01';
      const district = await unitOn(w.phanThiet.id, on, w.at);
      expect({ status: district.status, parentId: district.parentId, members: district.members }).toEqual({
        status: 'active',
        parentId: w.binhThuan.id,
        members: { direct: 0, subtree: 3 },
      });
      expect(await childIds(w.phanThiet.id, on, w.at)).toEqual([w.g1.id, w.g2.id]);
      expect((await childrenOn(w.phanThiet.id, on, w.at)).map((c) => c.members)).toEqual([
        { direct: 2, subtree: 2 },
        { direct: 1, subtree: 1 },
      ]);

      const province = await unitOn(w.binhThuan.id, on, w.at);
      expect({ status: province.status, members: province.members }).toEqual({ status: 'active', members: { direct: 0, subtree: 4 } });
      expect(await childIds(w.binhThuan.id, on, w.at)).toEqual([w.phanThiet.id, w.g3.id]);

      const g1 = await unitOn(w.g1.id, on, w.at);
      expect({ parentId: g1.parentId, ancestors: ancestorIds(g1), members: g1.members }).toEqual({
        parentId: w.phanThiet.id,
        ancestors: [w.phanThiet.id, w.binhThuan.id, w.vgcl.id],
        members: { direct: 2, subtree: 2 },
      });

      const bacKan = await unitOn(w.bacKan.id, on, w.at);
      expect({ status: bacKan.status, mergedInto: bacKan.mergedInto, members: bacKan.members }).toEqual({
        status: 'active',
        mergedInto: null,
        members: { direct: 0, subtree: 2 },
      });
      const gb = await unitOn(w.gb.id, on, w.at);
      expect({ parentId: gb.parentId, ancestors: ancestorIds(gb) }).toEqual({ parentId: w.bacKan.id, ancestors: [w.bacKan.id, w.vgcl.id] });
      expectProblem(await unitAt(w.thaiNguyen.id, on, w.at), 404, 'org_unit.not_found');

      const vgcl = await unitOn(w.vgcl.id, on, w.at);
      expect(vgcl.members).toEqual({ direct: 0, subtree: 6 });
      expect(await childIds(w.vgcl.id, on, w.at)).toEqual([w.binhThuan.id, w.bacKan.id]);
    });

    it('answers 2025-08-01 with the new hierarchy and its member counts', async () => {
      const on = '2025-08-01';
      const district = await unitOn(w.phanThiet.id, on, w.at);
      expect({ status: district.status, members: district.members }).toEqual({ status: 'terminated', members: { direct: 0, subtree: 0 } });
      expect(await childIds(w.phanThiet.id, on, w.at)).toEqual([]);

      const province = await unitOn(w.binhThuan.id, on, w.at);
      expect({ status: province.status, members: province.members }).toEqual({ status: 'active', members: { direct: 0, subtree: 4 } });
      const provinceChildren = await childrenOn(w.binhThuan.id, on, w.at);
      expect(provinceChildren.filter((c) => c.status === 'active').map((c) => [c.unitId, c.members])).toEqual([
        [w.g1.id, { direct: 2, subtree: 2 }],
        [w.g2.id, { direct: 1, subtree: 1 }],
        [w.g3.id, { direct: 1, subtree: 1 }],
      ]);

      const g1 = await unitOn(w.g1.id, on, w.at);
      expect({ parentId: g1.parentId, ancestors: ancestorIds(g1), status: g1.status }).toEqual({
        parentId: w.binhThuan.id,
        ancestors: [w.binhThuan.id, w.vgcl.id],
        status: 'active',
      });

      const bacKan = await unitOn(w.bacKan.id, on, w.at);
      expect({ status: bacKan.status, mergedInto: bacKan.mergedInto, name: bacKan.name, members: bacKan.members }).toEqual({
        status: 'merged',
        mergedInto: w.thaiNguyen.id,
        name: 'LĐLĐ tỉnh Bắc Kạn',
        members: { direct: 0, subtree: 0 },
      });
      expect(await childIds(w.bacKan.id, on, w.at)).toEqual([]);

      const thaiNguyen = await unitOn(w.thaiNguyen.id, on, w.at);
      expect({ status: thaiNguyen.status, members: thaiNguyen.members, parentId: thaiNguyen.parentId }).toEqual({
        status: 'active',
        members: { direct: 0, subtree: 2 },
        parentId: w.vgcl.id,
      });
      expect(await childIds(w.thaiNguyen.id, on, w.at)).toEqual([w.gb.id]);
      const gb = await unitOn(w.gb.id, on, w.at);
      expect({ parentId: gb.parentId, ancestors: ancestorIds(gb) }).toEqual({ parentId: w.thaiNguyen.id, ancestors: [w.thaiNguyen.id, w.vgcl.id] });

      const vgcl = await unitOn(w.vgcl.id, on, w.at);
      expect(vgcl.members).toEqual({ direct: 0, subtree: 6 });
    });

    it('keeps the 2024 answer unchanged after the reorganisation (the day before it, too)', async () => {
      const g2 = await unitOn(w.g2.id, '2025-06-30', w.at);
      expect({ parentId: g2.parentId, ancestors: ancestorIds(g2) }).toEqual({
        parentId: w.phanThiet.id,
        ancestors: [w.phanThiet.id, w.binhThuan.id, w.vgcl.id],
      });
      expect((await unitOn(w.phanThiet.id, '2025-06-30', w.at)).members).toEqual({ direct: 0, subtree: 3 });
      expect((await unitOn(w.bacKan.id, '2025-06-30', w.at)).status).toBe('active');
    });

    it('lists, as of 2025-08-01, only the units that are children on that date (not the ended ones)', async () => {
      const on = '2025-08-01';
      expect(await childIds(w.binhThuan.id, on, w.at)).toEqual([w.g1.id, w.g2.id, w.g3.id]);
      expect(await childIds(w.vgcl.id, on, w.at)).toEqual([w.binhThuan.id, w.thaiNguyen.id]);
    });
  });
});
