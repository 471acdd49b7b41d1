import { describe, expect, it } from '@jest/globals';
import { actionPlanStream, classificationStream } from '../../src/events/campaign/unit-record-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { issueCampaign, smallProvince } from '../support/campaign-fixtures.js';
import { api, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

describe('a unit’s own records for a campaign through HTTP', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  it('issues an implementation plan once', async () => {
    const { province, district } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const body = { unitId: district, document: { number: '15/KH-LĐLĐ', issuedOn: '2024-03-12', signedBy: { name: 'Trần Văn B', position: 'CHỦ TỊCH' } } };
    const first = await api(app).post(`/campaigns/${campaignId}/implementation-plans`).send(body);
    expect([first.status, first.body.id]).toEqual([201, district]);
    const second = await api(app).post(`/campaigns/${campaignId}/implementation-plans`).send(body);
    expect([second.status, second.body.code]).toEqual([422, 'implementation_plan.already_issued']);
  });

  it('adopts an action plan once with its tasks, and completes each task once with evidence', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const adopted = await api(app)
      .post(`/campaigns/${campaignId}/action-plans`)
      .send({
        unitId: schoolA,
        adoptedOn: '2024-04-05',
        tasks: [
          { title: 'Thực hiện quy chế dân chủ ở cơ sở', responsible: 'Ban chấp hành', dueOn: '2024-12-31', focal: true },
          { title: 'Tuyên truyền pháp luật', responsible: 'Tổ công đoàn', dueOn: '2024-09-30', focal: false },
        ],
      });
    expect(adopted.status).toBe(201);
    const store = app.service.app.get(EventStore);
    const [event] = await store.readStream(actionPlanStream(campaignId, schoolA));
    const taskId = (event!.data as { tasks: { taskId: string }[] }).tasks[0]!.taskId;
    const path = `/campaigns/${campaignId}/action-plans/${schoolA}/tasks/${taskId}/complete`;
    expect((await api(app).post(path).send({ completedOn: '2024-04-01', evidence: 'x' })).body.code).toBe('action_plan.completed_before_adoption');
    expect((await api(app).post(path).send({ completedOn: '2024-10-01', evidence: 'Biên bản hội nghị người lao động' })).status).toBe(200);
    expect((await api(app).post(path).send({ completedOn: '2024-10-02', evidence: 'x' })).body.code).toBe('action_plan.task_completed');
    const unknown = await api(app).post(`/campaigns/${campaignId}/action-plans/${schoolA}/tasks/${province}/complete`).send({ completedOn: '2024-10-01', evidence: 'x' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'action_plan.task_not_found']);
    const again = await api(app).post(`/campaigns/${campaignId}/action-plans`).send({ unitId: schoolA, adoptedOn: '2024-04-06', tasks: [{ title: 't', responsible: 'r', dueOn: '2024-05-01', focal: true }] });
    expect(again.body.code).toBe('action_plan.already_adopted');
  });

  it('grades a unit; a later grade replaces it only with a reason, the first kept', async () => {
    const { province, district, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const officer = tokenFor(app, { sub: 'huyen', role: 'officer', unit: district });
    const grade = { unitId: schoolA, grade: 'good', decidedOn: '2024-12-10', basis: 'Kết quả học tập và làm theo' };
    const own = tokenFor(app, { sub: 'cdcs', role: 'officer', unit: schoolA });
    const byItself = await api(app, own).post(`/campaigns/${campaignId}/classifications`).send(grade);
    expect([byItself.status, byItself.body.code]).toEqual([403, 'auth.out_of_scope']);
    expect((await api(app, own).post(`/campaigns/${campaignId}/inspections`).send({ unitId: schoolA, conductedOn: '2024-09-15', findings: [] })).status).toBe(403);
    expect((await api(app, officer).post(`/campaigns/${campaignId}/classifications`).send(grade)).status).toBe(201);
    const noReason = await api(app, officer).post(`/campaigns/${campaignId}/classifications`).send({ ...grade, grade: 'excellent', decidedOn: '2024-12-20' });
    expect([noReason.body.code, noReason.body.errors[0].field]).toEqual(['classification.reason_required', 'reason']);
    expect((await api(app, officer).post(`/campaigns/${campaignId}/classifications`).send({ ...grade, grade: 'excellent', decidedOn: '2024-12-20', reason: 'Phúc tra' })).status).toBe(201);
    const events = await app.service.app.get(EventStore).readStream(classificationStream(campaignId, schoolA));
    expect(events[1]!.data).toMatchObject({ grade: 'excellent', replaces: { grade: 'good', decidedOn: '2024-12-10', reason: 'Phúc tra' } });
  });

  it('records an inspection with its findings; an inspector never writes', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const body = { unitId: schoolA, conductedOn: '2024-09-15', findings: [{ code: 'K-01', severity: 'minor', text: 'Chưa niêm yết bản đăng ký' }] };
    expect((await api(app).post(`/campaigns/${campaignId}/inspections`).send(body)).status).toBe(201);
    const inspector = tokenFor(app, { sub: 'thanh-tra', role: 'inspector', unit: province });
    expect((await api(app, inspector).post(`/campaigns/${campaignId}/inspections`).send(body)).status).toBe(403);
    const bad = await api(app).post(`/campaigns/${campaignId}/inspections`).send({ ...body, findings: [{ code: 'K', severity: 'catastrophic', text: 'x' }] });
    expect([bad.status, bad.body.errors[0].field]).toEqual([400, 'findings[0].severity']);
  });
});
