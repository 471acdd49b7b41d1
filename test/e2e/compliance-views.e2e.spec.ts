import { describe, expect, it } from '@jest/globals';
import ExcelJS from 'exceljs';
import type { Response } from 'superagent';
import { issueCampaign, smallProvince } from '../support/campaign-fixtures.js';
import { DataSource } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { studySessionStream } from '../../src/events/campaign/study-session-events.js';
import { orgUnitStream } from '../../src/events/org/org-unit-events.js';
import type { StreamAppend } from '../../src/infrastructure/event-store/event-store.port.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { ProjectionProgress } from '../../src/infrastructure/projections/projection-progress.js';
import { ProjectionsService } from '../../src/infrastructure/projections/projections.service.js';
import { recorded } from '../support/recorded-event.js';
import { expectRollupsToMatchUnitByUnit } from '../support/rollup-oracle.js';
import { api, enrol, establish, type TestApp, useTestApp } from '../support/test-app.js';


describe('compliance views through HTTP', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const session = (unitId: string, attendeeMemberIds: string[], heldOn: string) => ({
    unitId,
    heldOn,
    format: 'in_person',
    title: 'Hội nghị học tập chuyên đề năm 2024',
    attendeeMemberIds,
  });
  const pledge = (memberId: string, submittedOn: string, items = ['Học tập', 'Làm theo']) => ({ memberId, items, submittedOn, submittedTo: 'Chi bộ' });

  async function post(path: string, body: object): Promise<string> {
    const res = await api(app).post(path).send(body);
    expect({ path, status: res.status, body: res.body }).toMatchObject({ status: 201 });
    return res.body.position as string;
  }

  async function view(path: string, query: Record<string, string>, position: string) {
    const res = await api(app).get(path).query({ ...query, minPosition: position });
    expect({ path, status: res.status, body: res.body }).toMatchObject({ status: 200 });
    return res.body;
  }

  const requirement = (body: { requirements: { code: string }[] }, code: string) => body.requirements.find((r) => r.code === code);

  it('judges a grassroots unit requirement by requirement, as of any date, and rolls the subtree up at the district and the province', async () => {
    const { province, district, schoolA, schoolB } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const binh = (await enrol(app, { unitId: schoolA, fullName: 'Bình', joinedOn: '2020-01-01' })).id;
    await enrol(app, { unitId: schoolB, fullName: 'Mai', joinedOn: '2020-01-01' });
    await post(`/campaigns/${campaignId}/study-sessions`, session(schoolA, [lan], '2024-03-20'));
    await post(`/campaigns/${campaignId}/pledges`, pledge(lan, '2024-04-05'));
    await post(`/campaigns/${campaignId}/pledges`, pledge(binh, '2024-04-15'));
    const last = await post(`/campaigns/${campaignId}/action-plans`, {
      unitId: schoolA,
      adoptedOn: '2024-04-01',
      tasks: [{ title: 'Xây dựng mô hình', responsible: 'BCH', dueOn: '2024-10-01', focal: true }],
    });

    const early = await view(`/campaigns/${campaignId}/compliance/${schoolA}`, { asOf: '2024-03-15' }, last);
    expect(early).toMatchObject({ campaignId, unit: { unitId: schoolA, level: 'grassroots' }, status: 'pending', asOf: '2024-03-15', position: expect.any(String) });
    expect(requirement(early, 'study')).toEqual({ code: 'study', status: 'pending', dueOn: '2024-03-31', value: 0, threshold: 1, satisfiedOn: null });
    expect(early.figures).toMatchObject({ members: 2, membersStudied: 0, pledges: 0, sessions: 0 });

    const april = await view(`/campaigns/${campaignId}/compliance/${schoolA}`, { asOf: '2024-04-12' }, last);
    expect(requirement(april, 'study')).toMatchObject({ status: 'met', satisfiedOn: '2024-03-20', value: 1 });
    // One of two members pledged by 10 April: missed on the 12th (minRatio 1).
    expect(requirement(april, 'pledges')).toMatchObject({ status: 'missed', dueOn: '2024-04-10', value: 0.5, threshold: 1, satisfiedOn: null });
    expect(requirement(april, 'action_plan')).toMatchObject({ status: 'met', satisfiedOn: '2024-04-01' });
    expect(requirement(april, 'focal_tasks')).toMatchObject({ status: 'met', value: 1, threshold: 1 });
    expect(april.status).toBe('missed');
    expect(april.figures).toEqual({
      members: 2,
      membersStudied: 1,
      studiedRatio: 0.5,
      pledges: 1,
      pledgeRatio: 0.5,
      latePledges: 0,
      shortPledges: 0,
      sessions: 1,
      focalTasks: 1,
    });

    const may = await view(`/campaigns/${campaignId}/compliance/${schoolA}`, { asOf: '2024-05-01' }, last);
    expect(requirement(may, 'pledges')).toMatchObject({ status: 'met_late', value: 1, satisfiedOn: '2024-04-15' });
    expect(may.figures).toMatchObject({ pledges: 2, latePledges: 1 });
    expect(may.status).toBe('met_late');

    // The district has its own requirements (its session, its action plan, its reports) and the rollup of its schools.
    const dist = await view(`/campaigns/${campaignId}/compliance/${district}`, { asOf: '2024-05-01' }, last);
    expect(dist.unit.level).toBe('district');
    expect(requirement(dist, 'report_study_results')).toMatchObject({ status: 'pending', dueOn: '2024-05-03' });
    expect(requirement(dist, 'study')).toMatchObject({ status: 'missed' });
    expect(dist.status).toBe('missed');
    expect(dist.children).toEqual({ total: 2, byStatus: { met: 0, met_late: 1, pending: 0, missed: 1, not_applicable: 0 } });
    expect(dist.subtree).toEqual(dist.children);
    expect(dist.figures).toMatchObject({ members: 3, membersStudied: 1, studiedRatio: 0.333333, pledges: 2, sessions: 1, focalTasks: 1 });

    const prov = await view(`/campaigns/${campaignId}/compliance/${province}`, { asOf: '2024-05-01' }, last);
    expect(prov.children).toEqual({ total: 1, byStatus: { met: 0, met_late: 0, pending: 0, missed: 1, not_applicable: 0 } });
    expect(prov.subtree.total).toBe(3);
    expect(prov.subtree.byStatus).toEqual({ met: 0, met_late: 1, pending: 0, missed: 2, not_applicable: 0 });
    expect(prov.figures.members).toBe(3);

    const children = await view(`/campaigns/${campaignId}/compliance/${district}/children`, { asOf: '2024-05-01', status: 'missed' }, last);
    expect(children.items.map((c: { unit: { unitId: string } }) => c.unit.unitId)).toEqual([schoolB]);
    expect(children.items[0]).toMatchObject({ status: 'missed', figures: { members: 1 }, subtree: { total: 0 } });

    const overdue = await view(`/campaigns/${campaignId}/overdue`, { unitId: district, asOf: '2024-04-25' }, last);
    const listed = overdue.items.map((i: { unit: { unitId: string }; code: string; status: string }) => `${i.unit.unitId === district ? 'D' : i.unit.unitId === schoolA ? 'A' : 'B'} ${i.code} ${i.status}`);
    // Missed ones, and the district's reports due on 3 and 6 May (within 14 days); not its annual
    // report (November), nor action plans (due at the end of the year), nor A's late pledges (met late).
    expect(listed.sort()).toEqual(
      ['B pledges missed', 'B study missed', 'D report_semi_annual pending', 'D report_study_results pending', 'D study missed'].sort(),
    );
  });

  it('answers as known at a time: a session recorded later, dated before the deadline, counts only in answers known after it was recorded', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const first = await post(`/campaigns/${campaignId}/pledges`, pledge(lan, '2024-04-01'));
    const before = await view(`/campaigns/${campaignId}/compliance/${schoolA}`, { asOf: '2024-03-31' }, first);
    const knownThen = new Date().toISOString();
    const backfilled = await post(`/campaigns/${campaignId}/study-sessions`, session(schoolA, [lan], '2024-03-20'));

    const asKnownThen = await view(`/campaigns/${campaignId}/compliance/${schoolA}`, { asOf: '2024-03-31', knownAt: knownThen }, backfilled);
    const asKnownNow = await view(`/campaigns/${campaignId}/compliance/${schoolA}`, { asOf: '2024-03-31' }, backfilled);
    expect(requirement(before, 'study')).toMatchObject({ status: 'missed' });
    expect(requirement(asKnownThen, 'study')).toMatchObject({ status: 'missed', satisfiedOn: null });
    expect(asKnownThen.knownAt).toBe(knownThen);
    expect(BigInt(asKnownThen.position)).toBeLessThan(BigInt(backfilled));
    expect(requirement(asKnownNow, 'study')).toMatchObject({ status: 'met', satisfiedOn: '2024-03-20' });
    expect(asKnownNow.figures.sessions).toBe(1);
    expect(asKnownThen.figures.sessions).toBe(0);
    // Known before the campaign was issued, it did not exist.
    const ancient = await api(app).get(`/campaigns/${campaignId}/compliance/${schoolA}`).query({ asOf: '2024-03-31', knownAt: '2001-01-01' });
    expect([ancient.status, ancient.body.code]).toEqual([404, 'campaign.not_found']);
  });

  it('counts the commendation pipeline of a subtree by status and award form, as of a date', async () => {
    const { province, district, schoolA, schoolB } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const propose = async (unitId: string, name: string, awardForm: string) => {
      const res = await api(app)
        .post(`/campaigns/${campaignId}/commendations`)
        .send({
          proposingUnitId: unitId,
          nominee: { type: 'unit', id: unitId, name },
          category: 'advanced_model',
          awardForm,
          achievements: 'Điển hình tiên tiến',
          dossier: [{ title: 'Tờ trình' }],
          proposedOn: '2024-10-01',
        });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const a = await propose(schoolA, 'CĐCS A', 'certificate_of_merit');
    await propose(schoolB, 'CĐCS B', 'public_praise');
    await api(app).post(`/commendations/${a}/review`).send({ outcome: 'endorsed', reviewedOn: '2024-10-05' }).expect(200);
    const decided = await api(app).post(`/commendations/${a}/decide`).send({ outcome: 'granted', decisionNumber: '12/QĐ-LĐLĐ', decidedOn: '2024-11-01' }).expect(200);
    const position = decided.body.position as string;

    const october = await view(`/campaigns/${campaignId}/commendations`, { unitId: district, asOf: '2024-10-10' }, position);
    expect(october.total).toBe(2);
    expect(october.counts).toEqual({ proposed: 1, endorsed: 1, returned: 0, granted: 0, rejected: 0, escalated: 0 });
    expect(october.byAwardForm.certificate_of_merit).toMatchObject({ endorsed: 1 });
    const december = await view(`/campaigns/${campaignId}/commendations`, { unitId: province, asOf: '2024-12-01', status: 'granted' }, position);
    expect(december.counts).toMatchObject({ proposed: 1, granted: 1 });
    expect(december.items).toEqual([
      expect.objectContaining({ commendationId: a, status: 'granted', statusOn: '2024-11-01', decisionNumber: '12/QĐ-LĐLĐ', proposingUnit: expect.objectContaining({ unitId: schoolA }) }),
    ]);
    const onlyB = await view(`/campaigns/${campaignId}/commendations`, { unitId: schoolB, asOf: '2024-12-01' }, position);
    expect(onlyB.counts).toMatchObject({ proposed: 1, granted: 0 });
    const september = await view(`/campaigns/${campaignId}/commendations`, { unitId: province, asOf: '2024-09-30' }, position);
    expect(september.total).toBe(0);
  });

  it('exports the subtree as XLSX and CSV with Vietnamese headers and labels, read back with a spreadsheet library', async () => {
    const { province, district, schoolA, schoolB } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    await enrol(app, { unitId: schoolB, fullName: 'Mai, "Cô giáo"', joinedOn: '2020-01-01' });
    const last = await post(`/campaigns/${campaignId}/study-sessions`, session(schoolA, [lan], '2024-03-20'));
    const binary = (res: Response, done: (e: Error | null, body: Buffer) => void) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    };
    const xlsx = await api(app).get(`/campaigns/${campaignId}/compliance/${province}/export`).query({ format: 'xlsx', asOf: '2024-04-12', minPosition: last }).buffer(true).parse(binary);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    expect(xlsx.headers['content-disposition']).toMatch(/attachment; filename="tuan-thu-.*-2024-04-12\.xlsx"/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.body as ArrayBuffer);
    const sheet = workbook.getWorksheet('Tuân thủ')!;
    const rows = sheet.getSheetValues().filter((r) => Array.isArray(r)) as unknown[][];
    const header = rows.find((r) => r.includes('Mã đơn vị'))!;
    expect(header).toEqual(expect.arrayContaining(['Tên đơn vị', 'Cấp', 'Tình trạng chung', 'Học tập chuyên đề (hạn 31/03/2024)', 'Số đoàn viên', 'Tỷ lệ đoàn viên đã học tập']));
    const col = (name: string) => header.indexOf(name);
    const body = rows.slice(rows.indexOf(header) + 1);
    expect(body).toHaveLength(5);
    const byName = new Map(body.map((r) => [r[col('Tên đơn vị')], r]));
    expect(byName.get('CĐCS A')![col('Học tập chuyên đề (hạn 31/03/2024)')]).toBe('Đạt, đúng hạn');
    expect(byName.get('CĐCS B')![col('Học tập chuyên đề (hạn 31/03/2024)')]).toBe('Quá hạn, chưa đạt');
    expect(byName.get('CĐCS B')![col('Cấp')]).toBe('Cơ sở');
    expect(byName.get('CĐCS A')![col('Tỷ lệ đoàn viên đã học tập')]).toBe(1);
    const total = body.at(-1)!;
    expect([total[col('Mã đơn vị')], total[col('Số đoàn viên')], total[col('Số đoàn viên đã học tập')], total[col('Tỷ lệ đoàn viên đã học tập')]]).toEqual(['Tổng cộng', 2, 1, 0.5]);

    const csv = await api(app).get(`/campaigns/${campaignId}/compliance/${district}/export`).query({ format: 'csv', asOf: '2024-04-12', minPosition: last });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.text.startsWith('\uFEFFMã đơn vị,Tên đơn vị,Cấp,')).toBe(true);
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines).toHaveLength(1 + 3 + 1);
    expect(lines.find((l: string) => l.includes('CĐCS B'))).toContain('Quá hạn, chưa đạt');
    expect(lines.at(-1)).toMatch(/^Tổng cộng,LĐLĐ huyện,/);
    const bad = await api(app).get(`/campaigns/${campaignId}/compliance/${district}/export`).query({ format: 'pdf' });
    expect([bad.status, bad.body.errors?.[0]?.field]).toEqual([400, 'format']);
  });

  it('keeps what a withdrawn pledge counted before its withdrawal when the member files a new one', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const first = await api(app).post(`/campaigns/${campaignId}/pledges`).send(pledge(lan, '2024-04-05'));
    expect(first.status).toBe(201);
    await api(app).post(`/pledges/${first.body.id}/withdraw`).send({ reason: 'Nộp lại', withdrawnOn: '2024-04-20' }).expect(200);
    const last = await post(`/campaigns/${campaignId}/pledges`, pledge(lan, '2024-04-25'));
    const april12 = await view(`/campaigns/${campaignId}/compliance/${schoolA}`, { asOf: '2024-04-12' }, last);
    expect(requirement(april12, 'pledges')).toMatchObject({ status: 'met', satisfiedOn: '2024-04-05', value: 1 });
    expect(april12.figures).toMatchObject({ pledges: 1 });
    const april22 = await view(`/campaigns/${campaignId}/compliance/${schoolA}`, { asOf: '2024-04-22' }, last);
    expect(requirement(april22, 'pledges')).toMatchObject({ status: 'missed', value: 0 });
    const april30 = await view(`/campaigns/${campaignId}/compliance/${schoolA}`, { asOf: '2024-04-30' }, last);
    expect(requirement(april30, 'pledges')).toMatchObject({ status: 'met_late', satisfiedOn: '2024-04-25' });
    expect(april30.figures).toMatchObject({ pledges: 1, latePledges: 1 });
  });

  it('keeps counting the sessions and focal tasks of a unit merged mid-year in the subtree that held them', async () => {
    const { province, district, schoolA, schoolB } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    await enrol(app, { unitId: schoolB, fullName: 'Mai', joinedOn: '2020-01-01' });
    await post(`/campaigns/${campaignId}/study-sessions`, session(schoolA, [lan], '2024-03-20'));
    await post(`/campaigns/${campaignId}/action-plans`, {
      unitId: schoolA,
      adoptedOn: '2024-04-01',
      tasks: [{ title: 'Mô hình', responsible: 'BCH', dueOn: '2024-10-01', focal: true }],
    });
    const merged = await api(app).post(`/org-units/${schoolA}/merge`).send({ intoUnitId: schoolB, effectiveOn: '2024-06-01' }).expect(200);
    const position = merged.body.position as string;
    for (const asOf of ['2024-05-15', '2024-07-01']) {
      const prov = await view(`/campaigns/${campaignId}/compliance/${province}`, { asOf }, position);
      expect([asOf, prov.figures]).toEqual([asOf, expect.objectContaining({ members: 2, membersStudied: 1, sessions: 1, focalTasks: 1 })]);
    }
    // After the merger the district has one school to count by status; Lan counts in B now.
    const july = await view(`/campaigns/${campaignId}/compliance/${district}`, { asOf: '2024-07-01' }, position);
    expect(july.children.total).toBe(1);
    const b = await view(`/campaigns/${campaignId}/compliance/${schoolB}`, { asOf: '2024-07-01' }, position);
    expect(b.figures).toMatchObject({ members: 2, membersStudied: 1 });
  });

  it('pages the overdue list and the children one item at a time without losing or repeating any', async () => {
    const { province, district, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    for (const code of ['b1', 'A2', 'c3']) await post('/org-units', { code: `${code}-${campaignId.slice(0, 6)}`, name: `CĐCS ${code}`, kind: 'grassroots_union', parentId: district, establishedOn: '2000-01-01' });
    const { position } = await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' });
    for (const [path, query] of [
      [`/campaigns/${campaignId}/overdue`, { unitId: district, asOf: '2024-05-05' }],
      [`/campaigns/${campaignId}/compliance/${district}/children`, { asOf: '2024-05-05' }],
    ] as const) {
      const whole = await view(path, { ...query, limit: '1000' }, position);
      const paged: unknown[] = [];
      let cursor: string | null = null;
      do {
        const page: { items: unknown[]; nextCursor: string | null } = await view(path, { ...query, limit: '1', ...(cursor ? { cursor } : {}) }, position);
        paged.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(whole.items.length).toBeGreaterThan(3);
      expect(paged).toEqual(whole.items);
    }
  });

  it('refuses a knowledge time after now (422) and one that is not a real date (400)', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const future = await api(app).get(`/campaigns/${campaignId}/compliance/${schoolA}`).query({ asOf: '2024-04-01', knownAt: '2099-01-01' });
    expect([future.status, future.body.code]).toEqual([422, 'known_at.in_future']);
    const impossible = await api(app).get(`/campaigns/${campaignId}/compliance/${schoolA}`).query({ asOf: '2024-04-01', knownAt: '2024-02-31T10:00:00Z' });
    expect([impossible.status, impossible.body.errors?.[0]?.field]).toEqual([400, 'knownAt']);
    const sealing = await api(app).post(`/campaigns/${campaignId}/snapshots`).send({ unitId: schoolA, asOf: '2024-04-01', knownAt: '2099-01-01' });
    expect([sealing.status, sealing.body.code]).toEqual([422, 'known_at.in_future']);
  });

  it('answers 404 before the plan was issued, for a unit outside the campaign, and 400 naming a malformed knownAt or status', async () => {
    const { province, schoolA } = await smallProvince(app);
    const other = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const { position } = await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' });
    const early = await api(app).get(`/campaigns/${campaignId}/compliance/${schoolA}`).query({ asOf: '2024-02-28', minPosition: position });
    expect([early.status, early.body.code]).toEqual([404, 'campaign.not_issued_yet']);
    const outside = await api(app).get(`/campaigns/${campaignId}/compliance/${other.schoolA}`).query({ asOf: '2024-04-01' });
    expect([outside.status, outside.body.code]).toEqual([404, 'compliance.unit_not_covered']);
    const bad = await api(app).get(`/campaigns/${campaignId}/compliance/${schoolA}/children`).query({ knownAt: 'yesterday', status: 'fine' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['knownAt', 'status']);
  });

  it('answers as known at a time the plan as recorded by then, amendments included, before any fact was recorded', async () => {
    const { province, schoolA } = await smallProvince(app);
    await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' });
    const campaignId = await issueCampaign(app, province);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const afterIssue = new Date().toISOString();
    const asKnown = await api(app).get(`/campaigns/${campaignId}/compliance/${schoolA}`).query({ asOf: '2024-04-10', knownAt: afterIssue });
    expect([asKnown.status, requirement(asKnown.body, 'study')]).toEqual([200, expect.objectContaining({ dueOn: '2024-03-31', status: 'missed' })]);
    const amended = await api(app)
      .post(`/campaigns/${campaignId}/amend`)
      .send({ requirements: { study: { dueOn: '2024-04-30', levels: ['district', 'grassroots'] } }, reason: 'Gia hạn', amendedOn: '2024-03-10' });
    expect(amended.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const afterAmendment = new Date().toISOString();
    const latest = await view(`/campaigns/${campaignId}/compliance/${schoolA}`, { asOf: '2024-04-10' }, amended.body.position);
    const known = await api(app).get(`/campaigns/${campaignId}/compliance/${schoolA}`).query({ asOf: '2024-04-10', knownAt: afterAmendment });
    expect(requirement(latest, 'study')).toMatchObject({ dueOn: '2024-04-30', status: 'pending' });
    expect(requirement(known.body, 'study')).toEqual(requirement(latest, 'study'));
    // As known before the amendment, the plan as issued.
    const before = await api(app).get(`/campaigns/${campaignId}/compliance/${schoolA}`).query({ asOf: '2024-04-10', knownAt: afterIssue });
    expect(requirement(before.body, 'study')).toMatchObject({ dueOn: '2024-03-31', status: 'missed' });
  });

  it('keeps the sums of each subtree equal to the units below added up one by one, on every day and as known at every time, through transfers, mergers and ends recorded late', async () => {
    const { province, district, schoolA, schoolB } = await smallProvince(app);
    const districtB = (await establish(app, { name: 'LĐLĐ huyện B', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const schoolC = (await establish(app, { name: 'CĐCS C', kind: 'grassroots_union', parentId: districtB, establishedOn: '2000-01-01' })).id;
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const mai = (await enrol(app, { unitId: schoolB, fullName: 'Mai', joinedOn: '2020-01-01' })).id;
    const hoa = (await enrol(app, { unitId: schoolC, fullName: 'Hoa', joinedOn: '2020-01-01' })).id;
    await enrol(app, { unitId: schoolC, fullName: 'Tuấn', joinedOn: '2024-04-02' });
    await post(`/campaigns/${campaignId}/study-sessions`, session(schoolA, [lan], '2024-03-20'));
    await post(`/campaigns/${campaignId}/study-sessions`, session(schoolC, [hoa], '2024-03-25'));
    await post(`/campaigns/${campaignId}/pledges`, pledge(mai, '2024-04-05'));
    await post(`/campaigns/${campaignId}/pledges`, pledge(hoa, '2024-04-12', ['Học tập']));
    const moves: [string, object][] = [
      [`/org-units/${schoolA}/transfer`, { newParentId: districtB, effectiveOn: '2024-03-01' }],
      [`/members/${mai}/transfer`, { toUnitId: schoolA, effectiveOn: '2024-05-01' }],
      [`/org-units/${schoolA}/transfer`, { newParentId: district, effectiveOn: '2024-08-01' }],
      [`/org-units/${schoolC}/terminate`, { effectiveOn: '2024-09-01', reason: 'Giải thể doanh nghiệp' }],
      [`/org-units/${districtB}/merge`, { intoUnitId: district, effectiveOn: '2024-10-01' }],
      // Recorded last, dated first: B was under the second district from February.
      [`/org-units/${schoolB}/transfer`, { newParentId: districtB, effectiveOn: '2024-02-01' }],
    ];
    for (const [path, body] of moves) {
      const res = await api(app).post(path).send(body);
      expect({ path, status: res.status, body: res.body }).toMatchObject({ status: 200 });
    }
    await post(`/campaigns/${campaignId}/study-sessions`, session(schoolB, [mai], '2024-03-28'));

    const service = app.service.app;
    const names = service.get(ProjectionsService).names();
    await service.get(ProjectionProgress).waitFor(names, await service.get(EventStore).headPosition(), 60_000);
    // Every campaign of this file's tests, every unit, on days spread over the year and every day something changed, as known at several times.
    const compared = await expectRollupsToMatchUnitByUnit(service.get(DataSource));
    expect(compared).toBeGreaterThan(500);
  }, 300_000);

  it('keeps the sums equal at every position a question can be asked at when one transaction records a unit\'s facts and moves it', async () => {
    const { province, district, schoolA, schoolB } = await smallProvince(app);
    const districtB = (await establish(app, { name: 'LĐLĐ huyện B', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const campaignId = await issueCampaign(app, province);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const held = (unitId: string, heldOn: string, attendeeMemberIds: string[]): StreamAppend => {
      const sessionId = randomUUID();
      const data = { sessionId, campaignId, unitId, heldOn, format: 'in_person' as const, title: 'Học tập chuyên đề', presenter: null, materials: [], attendeeMemberIds };
      return { stream: studySessionStream(sessionId), expectedRevision: 'no_stream', events: [recorded('StudySessionHeld', data, heldOn)] };
    };
    const moved = (unitId: string, fromParentId: string, toParentId: string, effectiveOn: string): StreamAppend => ({
      stream: orgUnitStream(unitId),
      expectedRevision: 'any',
      events: [recorded('OrgUnitTransferred', { unitId, fromParentId, toParentId, effectiveOn }, effectiveOn)],
    });
    const store = app.service.app.get(EventStore);
    // The unit's facts first, its move after them; then a move, the moved unit's facts, another unit's move and facts.
    await store.appendToStreams([held(schoolA, '2024-03-20', [lan]), moved(schoolA, district, districtB, '2024-03-01')]);
    await store.appendToStreams([
      moved(schoolA, districtB, district, '2024-06-01'),
      held(schoolA, '2024-06-10', [lan]),
      moved(schoolB, district, districtB, '2024-07-01'),
      held(schoolB, '2024-07-10', []),
    ]);
    const service = app.service.app;
    await service.get(ProjectionProgress).waitFor(service.get(ProjectionsService).names(), await store.headPosition(), 60_000);
    const ds = service.get(DataSource);
    // Nothing in the middle of a transaction is a position a question is asked at.
    const mid: unknown[] = await ds.query(
      `SELECT k.position FROM compliance_knowledge k
        WHERE EXISTS (SELECT 1 FROM es_events f WHERE f.position >> 16 = k.position >> 16 AND f.position > k.position)`,
    );
    expect(mid).toEqual([]);
    expect(await expectRollupsToMatchUnitByUnit(ds, { everyPosition: true })).toBeGreaterThan(300);
  }, 300_000);
});
