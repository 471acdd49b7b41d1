import { describe, expect, it } from '@jest/globals';
import { commendationStream } from '../../src/events/campaign/commendation-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { issueCampaign, smallProvince } from '../support/campaign-fixtures.js';
import { api, enrol, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

describe('commendations through HTTP', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const proposal = (proposingUnitId: string, nominee: { type: string; id: string; name: string }) => ({
    proposingUnitId,
    nominee,
    category: 'good_deed',
    awardForm: 'certificate_of_merit',
    achievements: 'Gương người tốt, việc tốt trong học tập và làm theo',
    dossier: [{ title: 'Tờ trình đề nghị khen thưởng', ref: '05/TTr-CĐCS' }, { title: 'Báo cáo thành tích' }],
    proposedOn: '2024-10-01',
  });

  it('moves proposed → reviewed → decided in that order only; a returned one is submitted again; a decided one is final', async () => {
    const { province, district, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Nguyễn Thị Lan', joinedOn: '2015-01-01' })).id;
    const grassroots = tokenFor(app, { sub: 'cdcs', role: 'officer', unit: schoolA });
    const board = tokenFor(app, { sub: 'ban-thuong-vu', role: 'officer', unit: province });
    const districtOfficer = tokenFor(app, { sub: 'huyen', role: 'officer', unit: district });
    const id = (await api(app, grassroots).post(`/campaigns/${campaignId}/commendations`).send(proposal(schoolA, { type: 'member', id: lan, name: 'Nguyễn Thị Lan' })).expect(201)).body.id;

    const early = await api(app, board).post(`/commendations/${id}/decide`).send({ outcome: 'granted', decisionNumber: '120/QĐ-LĐLĐ', decidedOn: '2024-10-05' });
    expect([early.status, early.body.code]).toEqual([422, 'commendation.not_endorsed']);
    // Only the issuing unit (or above) reviews and decides.
    expect((await api(app, districtOfficer).post(`/commendations/${id}/review`).send({ outcome: 'endorsed', reviewedOn: '2024-10-02' })).status).toBe(403);
    expect((await api(app, grassroots).post(`/commendations/${id}/review`).send({ outcome: 'endorsed', reviewedOn: '2024-10-02' })).status).toBe(403);
    expect((await api(app, board).post(`/commendations/${id}/review`).send({ outcome: 'returned', note: 'Thiếu biên bản họp xét', reviewedOn: '2024-10-02' })).status).toBe(200);
    expect((await api(app, board).post(`/commendations/${id}/decide`).send({ outcome: 'rejected', decidedOn: '2024-10-03' })).body.code).toBe('commendation.not_endorsed');
    const resubmitted = await api(app, grassroots)
      .post(`/commendations/${id}/resubmit`)
      .send({ dossier: [...proposal(schoolA, { type: 'member', id: lan, name: 'x' }).dossier, { title: 'Biên bản họp xét' }], note: 'Đã bổ sung biên bản', resubmittedOn: '2024-10-04' });
    expect(resubmitted.status).toBe(200);
    expect((await api(app, board).post(`/commendations/${id}/review`).send({ outcome: 'endorsed', reviewedOn: '2024-10-05' })).status).toBe(200);
    const noNumber = await api(app, board).post(`/commendations/${id}/decide`).send({ outcome: 'granted', decidedOn: '2024-10-06' });
    expect([noNumber.body.code, noNumber.body.errors[0].field]).toEqual(['commendation.decision_number_required', 'decisionNumber']);
    expect((await api(app, board).post(`/commendations/${id}/decide`).send({ outcome: 'granted', decisionNumber: '120/QĐ-LĐLĐ', decidedOn: '2024-10-06' })).status).toBe(200);
    const final = await api(app, board).post(`/commendations/${id}/decide`).send({ outcome: 'rejected', decidedOn: '2024-10-07' });
    expect(final.body.code).toBe('commendation.decided');
    const events = await app.service.app.get(EventStore).readStream(commendationStream(id));
    expect(events.map((e) => e.type)).toEqual(['CommendationProposed', 'CommendationReviewed', 'CommendationResubmitted', 'CommendationReviewed', 'CommendationDecided']);
  });

  it('refuses a nominee outside the proposing unit’s subtree that day', async () => {
    const { province, schoolA, schoolB } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const binh = (await enrol(app, { unitId: schoolB, fullName: 'Bình', joinedOn: '2015-01-01' })).id;
    const res = await api(app).post(`/campaigns/${campaignId}/commendations`).send(proposal(schoolA, { type: 'member', id: binh, name: 'Bình' }));
    expect([res.status, res.body.code, res.body.errors[0].field]).toEqual([422, 'commendation.nominee_outside', 'nominee.id']);
    const unit = await api(app).post(`/campaigns/${campaignId}/commendations`).send(proposal(province, { type: 'unit', id: schoolB, name: 'CĐCS B' }));
    expect(unit.status).toBe(201);
  });
});
