import { describe, expect, it } from '@jest/globals';
import { campaignStream } from '../../src/events/campaign/campaign-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { BINH_THUAN_2024, issueCampaign, smallProvince } from '../support/campaign-fixtures.js';
import { api, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

describe('campaign plans through HTTP', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  it('issues the 2024 plan as written, with its requirements as data and the defaults written out', async () => {
    const { province } = await smallProvince(app);
    const res = await api(app).post('/campaigns').send(BINH_THUAN_2024(province));
    expect(res.status).toBe(201);
    const [event] = await app.service.app.get(EventStore).readStream(campaignStream(res.body.id));
    expect(event!.type).toBe('CampaignPlanIssued');
    expect(event!.occurredOn).toBe('2024-02-29');
    expect(event!.data).toMatchObject({
      issuingUnitId: province,
      year: 2024,
      endsOn: '2024-12-31',
      acceptsFacts: { from: '2024-01-01', until: '2024-12-31' },
      document: { number: null, kind: 'plan', issuedOn: '2024-02-29', issuedBy: 'Đảng đoàn Liên đoàn Lao động tỉnh Bình Thuận', signedBy: { name: 'Đỗ Hữu Quy', position: 'T/M ĐẢNG ĐOÀN — BÍ THƯ' } },
      requirements: {
        study: { dueOn: '2024-03-31', levels: ['district', 'grassroots'] },
        pledge: { dueOn: '2024-04-10', levels: ['grassroots'], minItems: 1, minRatio: 1 },
        actionPlan: { levels: ['district', 'grassroots'], minFocalTasks: 1 },
      },
    });
    const read = await api(app).get(`/campaigns/${res.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body.requirements.reports).toHaveLength(3);
    expect(read.body.references.map((r: { number: string }) => r.number)).toEqual(['213-KH/TU', '113-HD/BTGTU', '01-KL/TW', '21-KL/TW', '39-KH/TU']);
    // A reference cited without its date is kept without one.
    expect(read.body.references[2].issuedOn).toBeNull();
    expect(read.body.position).toBe(res.body.position);
  });

  it('writes out the defaults API.md gives each part of the requirements', async () => {
    const { province } = await smallProvince(app);
    const res = await api(app)
      .post('/campaigns')
      .send({ ...BINH_THUAN_2024(province), requirements: { study: {}, pledge: { minItems: 2 }, implementationPlan: {}, actionPlan: { levels: ['grassroots'], minFocalTasks: 0 } } });
    expect(res.status).toBe(201);
    const [event] = await app.service.app.get(EventStore).readStream(campaignStream(res.body.id));
    expect((event!.data as { requirements: unknown }).requirements).toEqual({
      study: { levels: ['grassroots'] },
      pledge: { levels: ['grassroots'], minItems: 2, minRatio: 1 },
      implementationPlan: { levels: ['district'] },
      actionPlan: { levels: ['grassroots'], minFocalTasks: 0 },
    });
  });

  it('amends parts of the requirements, each replaced whole, keeping the plan as issued and the reason', async () => {
    const { province } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const amended = await api(app)
      .post(`/campaigns/${campaignId}/amend`)
      .send({
        requirements: { pledge: { dueOn: '2024-04-20', minItems: 2 }, implementationPlan: null, study: { levels: ['grassroots'], minAttendanceRatio: 0.9 } },
        reason: 'Gia hạn nộp bản đăng ký theo Công văn của Ban Tuyên giáo',
        document: { number: '45/CV-LĐLĐ', title: 'Công văn gia hạn', issuedOn: '2024-04-05' },
      });
    expect(amended.status).toBe(200);
    const read = await api(app).get(`/campaigns/${campaignId}`);
    expect(read.body.requirements.pledge).toEqual({ dueOn: '2024-04-20', levels: ['grassroots'], minItems: 2, minRatio: 1 });
    expect(read.body.requirements.study).toEqual({ levels: ['grassroots'], minAttendanceRatio: 0.9 });
    expect(read.body.requirements.actionPlan.minFocalTasks).toBe(1);
    expect(read.body.issued.requirements.pledge.dueOn).toBe('2024-04-10');
    expect(read.body.amendments).toEqual([expect.objectContaining({ amendedOn: '2024-04-05', reason: 'Gia hạn nộp bản đăng ký theo Công văn của Ban Tuyên giáo' })]);
  });

  it('refuses a plan dated in the future, an amendment changing nothing, and names each malformed field', async () => {
    const { province, schoolA } = await smallProvince(app);
    const future = await api(app).post('/campaigns').send({ ...BINH_THUAN_2024(province), year: 2099, document: { ...BINH_THUAN_2024(province).document, issuedOn: '2099-01-05' } });
    expect(future.status).toBe(422);
    expect(future.body.code).toBe('date.in_future');
    const grassroots = await api(app).post('/campaigns').send(BINH_THUAN_2024(schoolA));
    expect(grassroots.body.code).toBe('campaign.issuing_unit_grassroots');
    const campaignId = await issueCampaign(app, province);
    const empty = await api(app).post(`/campaigns/${campaignId}/amend`).send({ requirements: {}, reason: 'không đổi gì', amendedOn: '2024-04-01' });
    expect(empty.status).toBe(422);
    expect(empty.body.code).toBe('campaign.amendment_empty');
    const bad = await api(app)
      .post('/campaigns')
      .send({ ...BINH_THUAN_2024(province), year: 'năm', requirements: { study: { levels: ['village'] }, pledge: { minItems: -1 }, extra: 1 } });
    expect(bad.status).toBe(400);
    const fields = bad.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['year', 'requirements.study.levels', 'requirements.pledge.minItems', 'requirements.extra']));
    expect(await app.service.app.get(EventStore).readStream(campaignStream(campaignId))).toHaveLength(1);
  });

  it('refuses null where a value may only be left out, naming the field, and takes null as removal in an amendment', async () => {
    const { province } = await smallProvince(app);
    const plan = BINH_THUAN_2024(province);
    const nulls: [Record<string, unknown>, string][] = [
      [{ ...plan.requirements, study: { ...plan.requirements.study, dueOn: null } }, 'requirements.study.dueOn'],
      [{ ...plan.requirements, study: { ...plan.requirements.study, minAttendanceRatio: null } }, 'requirements.study.minAttendanceRatio'],
      [{ ...plan.requirements, pledge: { ...plan.requirements.pledge, dueOn: null } }, 'requirements.pledge.dueOn'],
      [{ ...plan.requirements, actionPlan: { ...plan.requirements.actionPlan, dueOn: null } }, 'requirements.actionPlan.dueOn'],
      [{ ...plan.requirements, reports: [{ ...plan.requirements.reports[0], dueOn: null }] }, 'requirements.reports[0].dueOn'],
    ];
    for (const [requirements, field] of nulls) {
      const res = await api(app).post('/campaigns').send({ ...plan, requirements });
      expect([res.status, [...new Set(res.body.errors?.map((e: { field: string }) => e.field))]]).toEqual([400, [field]]);
    }
    const campaignId = await issueCampaign(app, province);
    // One kind of report named twice: refused with the field named, on issue and on amendment.
    const twice = { ...plan.requirements, reports: [plan.requirements.reports[0], plan.requirements.reports[0]] };
    const issuedTwice = await api(app).post('/campaigns').send({ ...plan, requirements: twice });
    const amendedTwice = await api(app).post(`/campaigns/${campaignId}/amend`).send({ requirements: { reports: twice.reports }, reason: 'sửa', amendedOn: '2024-04-01' });
    for (const res of [issuedTwice, amendedTwice]) {
      expect([res.status, res.body.errors?.map((e: { field: string; message: string }) => [e.field, e.message])]).toEqual([400, [['requirements.reports', 'reports must not name a kind of report twice']]]);
    }
    const removed = await api(app).post(`/campaigns/${campaignId}/amend`).send({ requirements: { actionPlan: null }, reason: 'bỏ yêu cầu', amendedOn: '2024-04-01' });
    expect(removed.status).toBe(200);
    expect((await api(app).get(`/campaigns/${campaignId}`)).body.requirements.actionPlan).toBeUndefined();
    const bad = await api(app).post(`/campaigns/${campaignId}/amend`).send({ requirements: { implementationPlan: { dueOn: null } }, reason: 'x', amendedOn: '2024-04-02' });
    expect([bad.status, [...new Set(bad.body.errors?.map((e: { field: string }) => e.field))]]).toEqual([400, ['requirements.implementationPlan.dueOn']]);
  });

  it('lets an officer issue a plan for her own subtree only, and shows it to the units below and above', async () => {
    const { province, district, schoolA } = await smallProvince(app);
    const other = (await establish(app, { name: 'LĐLĐ tỉnh khác', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const officer = tokenFor(app, { sub: 'can-bo-tinh', role: 'officer', unit: province });
    const refused = await api(app, officer).post('/campaigns').send(BINH_THUAN_2024(other));
    expect(refused.status).toBe(403);
    const campaignId = await issueCampaign(app, province, officer);
    const grassrootsOfficer = tokenFor(app, { sub: 'cdcs', role: 'leadership', unit: schoolA });
    expect((await api(app, grassrootsOfficer).get(`/campaigns/${campaignId}`)).status).toBe(200);
    const districtOfficer = tokenFor(app, { sub: 'huyen', role: 'officer', unit: district });
    const amend = await api(app, districtOfficer).post(`/campaigns/${campaignId}/amend`).send({ requirements: { study: null }, reason: 'x', amendedOn: '2024-04-01' });
    expect(amend.status).toBe(403);
    const outsider = tokenFor(app, { sub: 'khac', role: 'leadership', unit: other });
    expect((await api(app, outsider).get(`/campaigns/${campaignId}`)).status).toBe(404);
  });
});
