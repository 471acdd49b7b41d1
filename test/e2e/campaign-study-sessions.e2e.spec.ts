import { describe, expect, it } from '@jest/globals';
import { studySessionStream } from '../../src/events/campaign/study-session-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { issueCampaign, smallProvince } from '../support/campaign-fixtures.js';
import { api, enrol, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

describe('study sessions through HTTP', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const session = (unitId: string, attendeeMemberIds: string[], heldOn = '2024-03-20') => ({
    unitId,
    heldOn,
    format: 'in_person',
    title: 'Hội nghị học tập chuyên đề năm 2024',
    presenter: 'Báo cáo viên Ban Tuyên giáo',
    attendeeMemberIds,
  });

  it('records a session with the members of the unit on its day, and refuses anyone who was not one then', async () => {
    const { province, schoolA, schoolB } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const binh = (await enrol(app, { unitId: schoolB, fullName: 'Bình', joinedOn: '2020-01-01' })).id;
    const late = (await enrol(app, { unitId: schoolA, fullName: 'Mai', joinedOn: '2024-04-01' })).id;
    const moved = (await enrol(app, { unitId: schoolB, fullName: 'Hà', joinedOn: '2020-01-01' })).id;
    await api(app).post(`/members/${moved}/transfer`).send({ toUnitId: schoolA, effectiveOn: '2024-03-01' }).expect(200);

    const held = await api(app).post(`/campaigns/${campaignId}/study-sessions`).send(session(schoolA, [lan, moved]));
    expect(held.status).toBe(201);
    const [event] = await app.service.app.get(EventStore).readStream(studySessionStream(held.body.id));
    expect(event).toMatchObject({ type: 'StudySessionHeld', occurredOn: '2024-03-20', data: { campaignId, unitId: schoolA, attendeeMemberIds: [lan, moved], materials: [] } });

    for (const [attendee, index] of [[binh, 1], [late, 1]] as const) {
      const refused = await api(app).post(`/campaigns/${campaignId}/study-sessions`).send(session(schoolA, [lan, attendee]));
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('study_session.attendee_not_member');
      expect(refused.body.errors).toEqual([expect.objectContaining({ field: `attendeeMemberIds[${index}]` })]);
    }
    // Before her transfer she was a member of B, not of A.
    const before = await api(app).post(`/campaigns/${campaignId}/study-sessions`).send(session(schoolA, [moved], '2024-02-20'));
    expect(before.body.code).toBe('study_session.attendee_not_member');
  });

  it('records a district federation’s session attended by members of its grassroots units that day', async () => {
    const { province, district, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const elsewhere = (await establish(app, { name: 'CĐCS trực thuộc tỉnh', kind: 'grassroots_union', parentId: province, establishedOn: '2000-01-01' })).id;
    const binh = (await enrol(app, { unitId: elsewhere, fullName: 'Bình', joinedOn: '2020-01-01' })).id;
    expect((await api(app).post(`/campaigns/${campaignId}/study-sessions`).send(session(district, [lan]))).status).toBe(201);
    const outside = await api(app).post(`/campaigns/${campaignId}/study-sessions`).send(session(district, [lan, binh]));
    expect([outside.status, outside.body.code]).toEqual([422, 'study_session.attendee_not_member']);
  });

  it('refuses a session dated after today, outside the campaign year, by a unit outside the campaign or not active that day', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const cases: [ReturnType<typeof session>, string][] = [
      [session(schoolA, [], '2099-01-01'), 'date.in_future'],
      [session(schoolA, [], '2023-12-31'), 'campaign.fact_outside_window'],
    ];
    const elsewhere = (await establish(app, { name: 'Tỉnh khác', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const foreign = (await establish(app, { name: 'CĐCS ngoài', kind: 'grassroots_union', parentId: elsewhere, establishedOn: '2000-01-01' })).id;
    cases.push([session(foreign, []), 'campaign.unit_outside_campaign']);
    const closed = (await establish(app, { name: 'CĐCS giải thể', kind: 'grassroots_union', parentId: province, establishedOn: '2000-01-01' })).id;
    await api(app).post(`/org-units/${closed}/terminate`).send({ effectiveOn: '2024-03-01', reason: 'giải thể' }).expect(200);
    cases.push([session(closed, []), 'campaign.unit_not_active']);
    for (const [body, code] of cases) {
      const res = await api(app).post(`/campaigns/${campaignId}/study-sessions`).send(body);
      expect([res.status, res.body.code]).toEqual([422, code]);
    }
    const unknown = await api(app).post(`/campaigns/${province}/study-sessions`).send(session(schoolA, []));
    expect([unknown.status, unknown.body.code]).toEqual([404, 'campaign.not_found']);
  });

  it('corrects attendance with a reason, keeping the record as made, and stops counting a voided session', async () => {
    const { province, schoolA, schoolB } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const hoa = (await enrol(app, { unitId: schoolA, fullName: 'Hoa', joinedOn: '2020-01-01' })).id;
    const binh = (await enrol(app, { unitId: schoolB, fullName: 'Bình', joinedOn: '2020-01-01' })).id;
    const sessionId = (await api(app).post(`/campaigns/${campaignId}/study-sessions`).send(session(schoolA, [lan])).expect(201)).body.id;
    const path = `/study-sessions/${sessionId}`;

    expect((await api(app).post(`${path}/attendance-corrections`).send({ add: [binh], remove: [], reason: 'x' })).body.code).toBe('study_session.attendee_not_member');
    expect((await api(app).post(`${path}/attendance-corrections`).send({ add: [], remove: [hoa], reason: 'x' })).body.code).toBe('study_session.not_attending');
    expect((await api(app).post(`${path}/attendance-corrections`).send({ add: [], remove: [], reason: 'x' })).body.code).toBe('study_session.correction_empty');
    const corrected = await api(app).post(`${path}/attendance-corrections`).send({ add: [hoa], remove: [lan], reason: 'Ghi nhầm người tham dự' });
    expect(corrected.status).toBe(200);
    expect(corrected.body.streamRevision).toBe(1);

    expect((await api(app).post(`${path}/void`).send({ reason: 'Nhập trùng' })).status).toBe(200);
    const after = await api(app).post(`${path}/attendance-corrections`).send({ add: [lan], remove: [], reason: 'x' });
    expect([after.status, after.body.code]).toEqual([422, 'study_session.voided']);
    const events = await app.service.app.get(EventStore).readStream(studySessionStream(sessionId));
    expect(events.map((e) => e.type)).toEqual(['StudySessionHeld', 'StudySessionAttendanceCorrected', 'StudySessionVoided']);
    expect(events[1]!.data).toMatchObject({ add: [hoa], remove: [lan], reason: 'Ghi nhầm người tham dự', heldOn: '2024-03-20' });
  });

  it("refuses an officer of another district a session of a unit outside her subtree, and its corrections", async () => {
    const { province, district, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const otherDistrict = (await establish(app, { name: 'Huyện khác', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const outsider = tokenFor(app, { sub: 'huyen-khac', role: 'officer', unit: otherDistrict });
    const refused = await api(app, outsider).post(`/campaigns/${campaignId}/study-sessions`).send(session(schoolA, []));
    expect([refused.status, refused.body.code]).toEqual([403, 'auth.out_of_scope']);
    const own = tokenFor(app, { sub: 'huyen', role: 'officer', unit: district });
    const sessionId = (await api(app, own).post(`/campaigns/${campaignId}/study-sessions`).send(session(schoolA, [])).expect(201)).body.id;
    expect((await api(app, outsider).post(`/study-sessions/${sessionId}/void`).send({ reason: 'x' })).status).toBe(403);
    const inspector = tokenFor(app, { sub: 'thanh-tra', role: 'inspector', unit: province });
    expect((await api(app, inspector).post(`/study-sessions/${sessionId}/void`).send({ reason: 'x' })).status).toBe(403);
  });
});
