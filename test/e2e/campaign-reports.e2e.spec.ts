import { describe, expect, it } from '@jest/globals';
import { reportStream } from '../../src/events/campaign/report-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { issueCampaign, smallProvince } from '../support/campaign-fixtures.js';
import { api, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

describe('reports through HTTP', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const report = (unitId: string, over: Record<string, unknown> = {}) => ({
    unitId,
    kind: 'study_results',
    submittedOn: '2024-05-02',
    figures: { unitsOrganisedStudy: 12, membersStudied: 850, pledgesFiled: 840 },
    narrative: 'Báo cáo kết quả học tập chuyên đề năm 2024',
    ...over,
  });

  it('sends a report to the unit’s parent as the hierarchy stood on the submission date', async () => {
    const { province, district, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const otherDistrict = (await establish(app, { name: 'Huyện mới', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    await api(app).post(`/org-units/${schoolA}/transfer`).send({ newParentId: otherDistrict, effectiveOn: '2024-06-01' }).expect(200);
    const before = await api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolA));
    expect(before.status).toBe(201);
    const after = await api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolA, { kind: 'semi_annual', submittedOn: '2024-06-05' }));
    const store = app.service.app.get(EventStore);
    expect((await store.readStream(reportStream(before.body.id)))[0]!.data).toMatchObject({ submittedTo: district, figures: { unitsOrganisedStudy: 12, membersStudied: 850, pledgesFiled: 840 } });
    expect((await store.readStream(reportStream(after.body.id)))[0]!.data).toMatchObject({ submittedTo: otherDistrict });
    const top = await api(app).post(`/campaigns/${campaignId}/reports`).send(report(province));
    expect([top.status, top.body.code]).toEqual([422, 'report.no_parent']);
  });

  it('is acknowledged or returned only by the receiving unit; a returned one counts again once amended', async () => {
    const { province, district, schoolA, schoolB } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const sender = tokenFor(app, { sub: 'cdcs-a', role: 'officer', unit: schoolA });
    const sibling = tokenFor(app, { sub: 'cdcs-b', role: 'officer', unit: schoolB });
    const receiver = tokenFor(app, { sub: 'huyen', role: 'officer', unit: district });
    const reportId = (await api(app, sender).post(`/campaigns/${campaignId}/reports`).send(report(schoolA)).expect(201)).body.id;

    expect((await api(app, sender).post(`/reports/${reportId}/acknowledge`).send({ on: '2024-05-03' })).status).toBe(403);
    expect((await api(app, sibling).post(`/reports/${reportId}/return`).send({ reason: 'x', on: '2024-05-03' })).status).toBe(403);
    const returned = await api(app, receiver).post(`/reports/${reportId}/return`).send({ reason: 'Thiếu số liệu đoàn viên', on: '2024-05-03' });
    expect(returned.status).toBe(200);
    const again = await api(app, receiver).post(`/reports/${reportId}/acknowledge`).send({ on: '2024-05-04' });
    expect([again.status, again.body.code]).toEqual([422, 'report.returned']);
    const amended = await api(app, sender)
      .post(`/reports/${reportId}/amend`)
      .send({ figures: { unitsOrganisedStudy: 12, membersStudied: 870, pledgesFiled: 860 }, reason: 'Bổ sung số liệu', amendedOn: '2024-05-04' });
    expect(amended.status).toBe(200);
    expect((await api(app, receiver).post(`/reports/${reportId}/acknowledge`).send({ on: '2024-05-05' })).status).toBe(200);
    const twice = await api(app, receiver).post(`/reports/${reportId}/acknowledge`).send({ on: '2024-05-06' });
    expect(twice.body.code).toBe('report.acknowledged');
    const events = await app.service.app.get(EventStore).readStream(reportStream(reportId));
    expect(events.map((e) => e.type)).toEqual(['ReportSubmitted', 'ReportReturned', 'ReportAmended', 'ReportAcknowledged']);
    expect(events[2]!.data).toMatchObject({ resubmits: true, reason: 'Bổ sung số liệu', figures: { membersStudied: 870 } });
    expect(events[3]!.data).toMatchObject({ receivedBy: district, acknowledgedOn: '2024-05-05' });
  });

  it('takes one report of a kind from a unit: a second is refused, naming the first to amend', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const first = (await api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolA)).expect(201)).body.id;
    const second = await api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolA, { submittedOn: '2024-05-03' }));
    expect([second.status, second.body.code, second.body.errors[0].field]).toEqual([422, 'report.already_submitted', 'kind']);
    expect(second.body.detail).toContain(first);
    const concurrent = await Promise.all(Array.from({ length: 5 }, () => api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolA, { kind: 'annual', submittedOn: '2024-11-10' }))));
    expect(concurrent.map((r) => r.status).sort()).toEqual([201, 422, 422, 422, 422]);
  });

  it('refuses an amendment changing nothing and a report whose figures are not counts', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const reportId = (await api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolA)).expect(201)).body.id;
    const same = await api(app).post(`/reports/${reportId}/amend`).send({ narrative: report(schoolA).narrative, reason: 'x', amendedOn: '2024-05-03' });
    expect(same.body.code).toBe('report.amendment_empty');
    const bad = await api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolA, { figures: { membersStudied: -1, invented: 3 } }));
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['figures.invented', 'figures.membersStudied']);
    const nullFigure = await api(app).post(`/campaigns/${campaignId}/reports`).send(report(schoolA, { figures: { membersStudied: null } }));
    expect([nullFigure.status, [...new Set(nullFigure.body.errors?.map((e: { field: string }) => e.field))]]).toEqual([400, ['figures.membersStudied']]);
    const nullAmend = await api(app).post(`/reports/${reportId}/amend`).send({ figures: { sessions: null }, reason: 'x', amendedOn: '2024-05-03' });
    expect([nullAmend.status, [...new Set(nullAmend.body.errors?.map((e: { field: string }) => e.field))]]).toEqual([400, ['figures.sessions']]);
  });
});
