import { describe, expect, it } from '@jest/globals';
import { issueCampaign, smallProvince } from '../support/campaign-fixtures.js';
import { api, enrol, establish, type TestApp, useTestApp } from '../support/test-app.js';

describe('restatement causes of a fact of a unit that ended before asOf', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  it('names a back-filled session of a unit merged before asOf as the cause of every change it made', async () => {
    const { province, district, schoolA } = await smallProvince(app);
    const district2 = (await establish(app, { name: 'Huyện 2', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const schoolC = (await establish(app, { name: 'CĐCS C', kind: 'grassroots_union', parentId: district2, establishedOn: '2000-01-01' })).id;
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const merged = await api(app).post(`/org-units/${schoolA}/merge`).send({ intoUnitId: schoolC, effectiveOn: '2024-04-01' });
    expect(merged.status).toBe(200);
    await api(app).get(`/campaigns/${campaignId}/compliance/${province}`).query({ minPosition: merged.body.position }).expect(200);
    const sealed = await api(app).post(`/campaigns/${campaignId}/snapshots`).send({ unitId: province, asOf: '2024-05-01' });
    expect(sealed.status).toBe(201);
    // A's session of 20 March (A still existed then), attended by Lan, recorded only after the seal.
    const held = await api(app).post(`/campaigns/${campaignId}/study-sessions`).send({ unitId: schoolA, heldOn: '2024-03-20', format: 'in_person', title: 'Học', attendeeMemberIds: [lan] });
    expect(held.status).toBe(201);
    const restated = await api(app).get(`/snapshots/${sealed.body.snapshotId}/restatement`).query({ minPosition: held.body.position });
    expect(restated.status).toBe(200);
    const units = restated.body.units as { unitId: string; changes: string[]; causes: string[] }[];
    const names = new Map([[province, 'province'], [district, 'district'], [district2, 'district2'], [schoolC, 'schoolC']]);
    const seen = units.map((u) => ({ unit: names.get(u.unitId) ?? u.unitId, changes: u.changes, causes: u.causes.length }));
    // Every unit that changed has the session as its cause.
    expect(seen.filter((u) => u.causes === 0)).toEqual([]);
    expect(seen.length).toBeGreaterThan(0);
  }, 120_000);
});

describe('restatement of a snapshot whose unit later turns out to have ended before asOf', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  it('restates (every unit gone) instead of answering 404 when a back-dated merger ends the sealed unit before asOf', async () => {
    const { province, district, schoolA } = await smallProvince(app);
    const district2 = (await establish(app, { name: 'Huyện 2', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const held = await api(app).post(`/campaigns/${campaignId}/study-sessions`).send({ unitId: schoolA, heldOn: '2024-03-20', format: 'in_person', title: 'Học', attendeeMemberIds: [lan] });
    expect(held.status).toBe(201);
    await api(app).get(`/campaigns/${campaignId}/compliance/${district}`).query({ minPosition: held.body.position }).expect(200);
    const sealed = await api(app).post(`/campaigns/${campaignId}/snapshots`).send({ unitId: district, asOf: '2024-05-01' });
    expect(sealed.status).toBe(201);
    const merged = await api(app).post(`/org-units/${district}/merge`).send({ intoUnitId: district2, effectiveOn: '2024-04-01' });
    expect(merged.status).toBe(200);
    const verify = await api(app).get(`/snapshots/${sealed.body.snapshotId}/verify`).query({ minPosition: merged.body.position });
    const restated = await api(app).get(`/snapshots/${sealed.body.snapshotId}/restatement`).query({ minPosition: merged.body.position });
    expect(verify.body.verified).toBe(true);
    expect(restated.status).toBe(200);
    expect(restated.body.changed).toBe(true);
    // The district and its school were in the sealed answer; as known now, neither is in the district's on 1 May.
    expect(restated.body.summary).toMatchObject({ after: null, changes: ['unit'] });
    expect(restated.body.summary.before.figures.sessions).toBe(1);
    const units = restated.body.units as { unitId: string; after: unknown; changes: string[]; causes: string[] }[];
    const snapshot = await api(app).get(`/snapshots/${sealed.body.snapshotId}`);
    const sealedUnits = (snapshot.body.document.units as { unitId: string }[]).map((u) => u.unitId).sort();
    expect(sealedUnits).toEqual(expect.arrayContaining([district, schoolA]));
    expect(units.map((u) => u.unitId).sort()).toEqual(sealedUnits);
    expect(units.every((u) => u.after === null && u.changes.join() === 'unit')).toBe(true);
    // The merger is what changed them.
    expect(units.every((u) => u.causes.length > 0)).toBe(true);
  }, 120_000);
});
