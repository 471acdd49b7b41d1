import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { reportSlotStream, reportStream } from '../../src/events/campaign/report-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { BINH_THUAN_2024, issueCampaign, smallProvince } from '../support/campaign-fixtures.js';
import { api, enrol, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

/** The unit that acts on a campaign fact after a termination or a merger: it must exist then. */
describe('campaign facts after a unit ends', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const report = (unitId: string) => ({ unitId, kind: 'study_results', submittedOn: '2024-05-02', figures: { membersStudied: 5 }, narrative: 'Báo cáo' });

  it('refuses a pledge’s revision or review once the member’s unit has been terminated', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2015-01-01' })).id;
    const pledgeId = (await api(app).post(`/campaigns/${campaignId}/pledges`).send({ memberId: lan, items: ['Một'], submittedOn: '2024-04-01', submittedTo: 'Chi bộ' }).expect(201)).body.id;
    await api(app).post(`/org-units/${schoolA}/terminate`).send({ effectiveOn: '2024-06-01', reason: 'giải thể' }).expect(200);
    const revised = await api(app).post(`/pledges/${pledgeId}/revise`).send({ items: ['Hai'], revisedOn: '2024-07-01', reason: 'x' });
    expect([revised.status, revised.body.code]).toEqual([422, 'pledge.not_a_member']);
    const reviewed = await api(app).post(`/pledges/${pledgeId}/review`).send({ outcome: 'fulfilled', reviewedOn: '2024-11-30' });
    expect([reviewed.status, reviewed.body.code]).toEqual([422, 'pledge.not_a_member']);
    // Before the termination it could.
    expect((await api(app).post(`/pledges/${pledgeId}/revise`).send({ items: ['Hai'], revisedOn: '2024-05-01', reason: 'x' })).status).toBe(200);
  });

  it('has a report acknowledged only by the receiving unit itself, or by the unit it merged into, never by one that ended', async () => {
    const { province, district, schoolA, schoolB } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const successor = (await establish(app, { name: 'LĐLĐ huyện mới', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const first = (await api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolA)).expect(201)).body.id;
    const second = (await api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolB)).expect(201)).body.id;
    const provinceOfficer = tokenFor(app, { sub: 'tinh', role: 'officer', unit: province });
    const districtOfficer = tokenFor(app, { sub: 'huyen', role: 'officer', unit: district });
    const successorOfficer = tokenFor(app, { sub: 'huyen-moi', role: 'officer', unit: successor });
    // Above the receiver is not the receiver.
    const above = await api(app, provinceOfficer).post(`/reports/${first}/acknowledge`).send({ on: '2024-05-05' });
    expect([above.status, above.body.code]).toEqual([403, 'auth.out_of_scope']);

    await api(app).post(`/org-units/${district}/merge`).send({ intoUnitId: successor, effectiveOn: '2024-07-01' }).expect(200);
    const byMerged = await api(app, districtOfficer).post(`/reports/${first}/acknowledge`).send({ on: '2024-07-10' });
    expect(byMerged.status).toBe(403);
    expect((await api(app, successorOfficer).post(`/reports/${first}/acknowledge`).send({ on: '2024-07-10' })).status).toBe(200);
    const [, acknowledged] = await app.service.app.get(EventStore).readStream(reportStream(first));
    expect(acknowledged!.data).toMatchObject({ receivedBy: successor, acknowledgedOn: '2024-07-10' });

    // A receiver terminated: nobody acknowledges for it afterwards, not even an administrator.
    await api(app).post(`/org-units/${schoolB}/transfer`).send({ newParentId: province, effectiveOn: '2024-09-01' }).expect(200);
    await api(app).post(`/org-units/${schoolA}/transfer`).send({ newParentId: province, effectiveOn: '2024-09-01' }).expect(200);
    await api(app).post(`/org-units/${successor}/terminate`).send({ effectiveOn: '2024-09-01', reason: 'giải thể cấp huyện' }).expect(200);
    const afterEnd = await api(app).post(`/reports/${second}/return`).send({ reason: 'x', on: '2024-09-02' });
    expect([afterEnd.status, afterEnd.body.code]).toEqual([422, 'campaign.unit_not_active']);
  });

  it('has a report sent to the issuing unit acknowledged by the unit it merged into, outside the campaign’s subtree as that is', async () => {
    const { province, district } = await smallProvince(app);
    const next = (await establish(app, { name: 'LĐLĐ tỉnh hợp nhất', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const campaignId = (await api(app).post('/campaigns').send({ ...BINH_THUAN_2024(province), acceptsFacts: { from: '2024-01-01', until: '2025-12-31' } }).expect(201)).body.id;
    const reportId = (await api(app).post(`/campaigns/${campaignId}/reports`).send({ ...report(district), kind: 'annual', submittedOn: '2025-06-01' }).expect(201)).body.id;
    await api(app).post(`/org-units/${province}/merge`).send({ intoUnitId: next, effectiveOn: '2025-07-01' }).expect(200);
    const successor = tokenFor(app, { sub: 'tinh-hop-nhat', role: 'officer', unit: next });
    expect((await api(app, successor).post(`/reports/${reportId}/acknowledge`).send({ on: '2025-08-01' })).status).toBe(200);
    const [, acknowledged] = await app.service.app.get(EventStore).readStream(reportStream(reportId));
    expect(acknowledged!.data).toMatchObject({ receivedBy: next });
  });

  it('takes a report whose place a claim holds for another unit’s report (left by a failed append): that claim holds nothing', async () => {
    const { province, schoolA, schoolB } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const others = (await api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolB)).expect(201)).body.id;
    const slot = reportSlotStream(campaignId, schoolA, 'study_results');
    const data = { campaignId, unitId: schoolA, kind: 'study_results', reportId: others, claimedOn: '2024-05-02' };
    const metadata = { actor: { id: 'test', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null };
    await app.service.app.get(EventStore).appendToStream(slot, [{ id: randomUUID(), type: 'ReportSlotClaimed', schemaVersion: 1, data, occurredOn: '2024-05-02', metadata }], 'no_stream');
    expect((await api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolA))).status).toBe(201);
    expect(await app.service.app.get(EventStore).readStream(slot)).toHaveLength(2);
  });

  it('lets the unit a campaign’s issuer merged into amend it and decide its commendations, not the merged one', async () => {
    const { province, schoolA } = await smallProvince(app);
    const next = (await establish(app, { name: 'LĐLĐ tỉnh mới', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const plan = { ...BINH_THUAN_2024(province), acceptsFacts: { from: '2024-01-01', until: '2025-12-31' } };
    const campaignId = (await api(app).post('/campaigns').send(plan).expect(201)).body.id;
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2015-01-01' })).id;
    const commendationId = (
      await api(app)
        .post(`/campaigns/${campaignId}/commendations`)
        .send({ proposingUnitId: schoolA, nominee: { type: 'member', id: lan, name: 'Lan' }, category: 'good_deed', awardForm: 'public_praise', achievements: 'x', dossier: [{ title: 'Tờ trình' }], proposedOn: '2025-06-01' })
        .expect(201)
    ).body.id;
    await api(app).post(`/org-units/${province}/merge`).send({ intoUnitId: next, effectiveOn: '2025-07-01' }).expect(200);
    const merged = tokenFor(app, { sub: 'tinh-cu', role: 'officer', unit: province });
    const successor = tokenFor(app, { sub: 'tinh-moi', role: 'officer', unit: next });
    const amendment = { requirements: { study: null }, reason: 'điều chỉnh sau hợp nhất', amendedOn: '2025-08-01' };
    expect((await api(app, merged).post(`/campaigns/${campaignId}/amend`).send(amendment)).status).toBe(403);
    expect((await api(app, successor).post(`/campaigns/${campaignId}/amend`).send(amendment)).status).toBe(200);
    expect((await api(app, merged).post(`/commendations/${commendationId}/review`).send({ outcome: 'endorsed', reviewedOn: '2025-08-02' })).status).toBe(403);
    expect((await api(app, successor).post(`/commendations/${commendationId}/review`).send({ outcome: 'endorsed', reviewedOn: '2025-08-02' })).status).toBe(200);
  });
});
