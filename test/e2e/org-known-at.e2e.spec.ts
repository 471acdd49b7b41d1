import { describe, expect, it } from '@jest/globals';
import { issueCampaign } from '../support/campaign-fixtures.js';
import { api, enrol, establish, type TestApp, useTestApp } from '../support/test-app.js';

describe('the organisation as known at a time', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  async function get(path: string, query: Record<string, string>) {
    const res = await api(app).get(path).query(query);
    expect({ path, query, status: res.status, body: res.body }).toMatchObject({ status: 200 });
    return res.body;
  }

  it('answers the hierarchy and the memberships of 31 March as known then and as known after a back-dated reorganisation', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const districtA = (await establish(app, { name: 'LĐLĐ huyện A', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const districtB = (await establish(app, { name: 'LĐLĐ huyện B', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const school = (await establish(app, { name: 'CĐCS Trường cũ', kind: 'grassroots_union', parentId: districtA, establishedOn: '2000-01-01' })).id;
    const other = (await establish(app, { name: 'CĐCS Nhà máy', kind: 'grassroots_union', parentId: districtB, establishedOn: '2000-01-01' })).id;
    const campaignId = await issueCampaign(app, province);
    const lan = await enrol(app, { unitId: school, fullName: 'Lan', joinedOn: '2020-01-01' });
    await get(`/campaigns/${campaignId}/compliance/${province}`, { minPosition: lan.position });
    const then = new Date().toISOString();

    // Recorded later, dated before 31 March: the school moves to district B, is renamed, and Lan moves to the factory.
    await api(app).post(`/org-units/${school}/rename`).send({ name: 'CĐCS Trường mới', effectiveOn: '2024-01-01' }).expect(200);
    await api(app).post(`/org-units/${school}/transfer`).send({ newParentId: districtB, effectiveOn: '2024-03-01' }).expect(200);
    const moved = await api(app).post(`/members/${lan.id}/transfer`).send({ toUnitId: other, effectiveOn: '2024-02-01' }).expect(200);
    const last = moved.body.position as string;

    const known = { asOf: '2024-03-31', knownAt: then, minPosition: last };
    const now = { asOf: '2024-03-31', minPosition: last };
    const schoolThen = await get(`/org-units/${school}`, known);
    const schoolNow = await get(`/org-units/${school}`, now);
    expect([schoolThen.parentId, schoolThen.name, schoolThen.ancestors.map((a: { unitId: string }) => a.unitId)]).toEqual([districtA, 'CĐCS Trường cũ', [districtA, province]]);
    expect([schoolNow.parentId, schoolNow.name, schoolNow.ancestors.map((a: { unitId: string }) => a.unitId)]).toEqual([districtB, 'CĐCS Trường mới', [districtB, province]]);
    expect(schoolThen.members).toEqual({ direct: 1, subtree: 1 });
    expect(schoolNow.members).toEqual({ direct: 0, subtree: 0 });
    expect(BigInt(schoolThen.position)).toBeLessThan(BigInt(last));

    const childrenThen = await get(`/org-units/${districtA}/children`, known);
    const childrenNow = await get(`/org-units/${districtA}/children`, now);
    expect(childrenThen.items.map((c: { unitId: string }) => c.unitId)).toEqual([school]);
    expect(childrenNow.items).toEqual([]);
    expect((await get(`/org-units/${districtA}`, known)).members).toEqual({ direct: 0, subtree: 1 });
    expect((await get(`/org-units/${districtA}`, now)).members).toEqual({ direct: 0, subtree: 0 });

    const lanThen = await get(`/members/${lan.id}`, known);
    const lanNow = await get(`/members/${lan.id}`, now);
    expect([lanThen.unitId, lanNow.unitId]).toEqual([school, other]);

    // The compliance rollups follow the hierarchy of the date asked, as known at the time asked.
    const districtThen = await get(`/campaigns/${campaignId}/compliance/${districtA}`, known);
    const districtNow = await get(`/campaigns/${campaignId}/compliance/${districtA}`, now);
    expect([districtThen.children.total, districtThen.figures.members]).toEqual([1, 1]);
    expect([districtNow.children.total, districtNow.figures.members]).toEqual([0, 0]);
    const schoolView = await get(`/campaigns/${campaignId}/compliance/${school}`, known);
    expect(schoolView.unit.name).toBe('CĐCS Trường cũ');
  });
});
