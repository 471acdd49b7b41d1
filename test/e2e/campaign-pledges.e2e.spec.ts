import { describe, expect, it } from '@jest/globals';
import { pledgeSlotStream, pledgeStream } from '../../src/events/campaign/pledge-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { issueCampaign, smallProvince } from '../support/campaign-fixtures.js';
import { api, enrol, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

describe('pledges through HTTP', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const pledge = (memberId: string, over: Record<string, unknown> = {}) => ({
    memberId,
    items: ['Gương mẫu chấp hành pháp luật', 'Thực hành dân chủ ở cơ sở'],
    submittedOn: '2024-04-08',
    submittedTo: 'Chi bộ Trường THCS A',
    ...over,
  });

  it('files one pledge per member per campaign, with the unit she belonged to that day; a late or short one is recorded', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const filed = await api(app).post(`/campaigns/${campaignId}/pledges`).send(pledge(lan, { items: ['Một việc'], submittedOn: '2024-04-20' }));
    expect(filed.status).toBe(201);
    const store = app.service.app.get(EventStore);
    const [event] = await store.readStream(pledgeStream(filed.body.id));
    expect(event).toMatchObject({ type: 'PledgeSubmitted', occurredOn: '2024-04-20', data: { unitId: schoolA, items: ['Một việc'], submittedTo: 'Chi bộ Trường THCS A' } });
    expect((await store.readStream(pledgeSlotStream(campaignId, lan))).map((e) => e.data)).toEqual([{ campaignId, memberId: lan, pledgeId: filed.body.id, claimedOn: '2024-04-20' }]);

    const second = await api(app).post(`/campaigns/${campaignId}/pledges`).send(pledge(lan));
    expect([second.status, second.body.code]).toEqual([422, 'pledge.already_filed']);
    expect(second.body.detail).toContain(filed.body.id);
  });

  it('lets only one of many concurrent submissions for one member succeed', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const answers = await Promise.all(Array.from({ length: 8 }, () => api(app).post(`/campaigns/${campaignId}/pledges`).send(pledge(lan))));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 422, 422, 422, 422, 422, 422, 422]);
    expect(await app.service.app.get(EventStore).readStream(pledgeSlotStream(campaignId, lan))).toHaveLength(1);
  });

  it('revises with a reason keeping the items before, reviews once (final), and after a withdrawal takes another', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const first = (await api(app).post(`/campaigns/${campaignId}/pledges`).send(pledge(lan)).expect(201)).body.id;
    const revised = await api(app).post(`/pledges/${first}/revise`).send({ items: ['Việc mới'], revisedOn: '2024-04-09', reason: 'Cụ thể hơn' });
    expect(revised.status).toBe(200);
    const early = await api(app).post(`/pledges/${first}/revise`).send({ items: ['Khác'], revisedOn: '2024-04-01', reason: 'x' });
    expect(early.body.code).toBe('pledge.change_predates_history');
    expect((await api(app).post(`/pledges/${first}/withdraw`).send({ reason: 'Nộp nhầm mẫu', withdrawnOn: '2024-04-10' })).status).toBe(200);
    // The first stood until 10 April: another dated before then would stand beside it.
    const overlapping = await api(app).post(`/campaigns/${campaignId}/pledges`).send(pledge(lan, { submittedOn: '2024-04-09' }));
    expect([overlapping.status, overlapping.body.code, overlapping.body.errors?.[0]?.field]).toEqual([422, 'pledge.before_withdrawal', 'submittedOn']);
    const again = await api(app).post(`/campaigns/${campaignId}/pledges`).send(pledge(lan, { submittedOn: '2024-04-10' }));
    expect(again.status).toBe(201);
    expect((await api(app).post(`/pledges/${again.body.id}/review`).send({ outcome: 'fulfilled', reviewedOn: '2024-11-30' })).status).toBe(200);
    const twice = await api(app).post(`/pledges/${again.body.id}/review`).send({ outcome: 'not_fulfilled', reviewedOn: '2024-12-01' });
    expect([twice.status, twice.body.code]).toEqual([422, 'pledge.reviewed']);
    const events = await app.service.app.get(EventStore).readStream(pledgeStream(first));
    expect(events[1]!.data).toMatchObject({ items: ['Việc mới'], previousItems: pledge(lan).items, reason: 'Cụ thể hơn' });
  });

  it('refuses a pledge of someone not a member that day, a repeated item, and an officer outside the member’s unit', async () => {
    const { province, district, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const mai = (await enrol(app, { unitId: schoolA, fullName: 'Mai', joinedOn: '2024-05-01' })).id;
    expect((await api(app).post(`/campaigns/${campaignId}/pledges`).send(pledge(mai))).body.code).toBe('pledge.not_a_member');
    const repeated = await api(app).post(`/campaigns/${campaignId}/pledges`).send(pledge(mai, { items: ['A', 'A'], submittedOn: '2024-05-02' }));
    expect([repeated.body.code, repeated.body.errors[0].field]).toEqual(['pledge.item_repeated', 'items[1]']);
    const other = (await smallProvince(app)).district;
    const outsider = tokenFor(app, { sub: 'khac', role: 'officer', unit: other });
    expect((await api(app, outsider).post(`/campaigns/${campaignId}/pledges`).send(pledge(mai, { submittedOn: '2024-05-02' }))).status).toBe(403);
    const own = tokenFor(app, { sub: 'huyen', role: 'officer', unit: district });
    expect((await api(app, own).post(`/campaigns/${campaignId}/pledges`).send(pledge(mai, { submittedOn: '2024-05-02' }))).status).toBe(201);
  });
});
