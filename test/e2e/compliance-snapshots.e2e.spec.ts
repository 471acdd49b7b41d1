import { describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { studySessionStream } from '../../src/events/campaign/study-session-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { issueCampaign, smallProvince } from '../support/campaign-fixtures.js';
import { api, enrol, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

describe('period snapshots through HTTP', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const session = (unitId: string, attendeeMemberIds: string[], heldOn: string) => ({ unitId, heldOn, format: 'online', title: 'Học tập chuyên đề', attendeeMemberIds });

  async function post(path: string, body: object, token = app.adminToken): Promise<{ id: string; position: string } & Record<string, unknown>> {
    const res = await api(app, token).post(path).send(body);
    expect({ path, status: res.status, body: res.body }).toMatchObject({ status: 201 });
    return res.body;
  }

  async function get(path: string, position: string, token = app.adminToken) {
    const res = await api(app, token).get(path).query({ minPosition: position });
    expect({ path, status: res.status, body: res.body }).toMatchObject({ status: 200 });
    return res.body;
  }

  /** A province with a campaign, two schools with a member each, school A's session on 20 March. */
  async function setting() {
    const units = await smallProvince(app);
    const campaignId = await issueCampaign(app, units.province);
    const lan = (await enrol(app, { unitId: units.schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    const mai = (await enrol(app, { unitId: units.schoolB, fullName: 'Mai', joinedOn: '2020-01-01' })).id;
    const last = await post(`/campaigns/${campaignId}/study-sessions`, session(units.schoolA, [lan], '2024-03-20'));
    const upstream = tokenFor(app, { sub: 'tong-lien-doan', role: 'upstream', unit: units.province });
    return { ...units, campaignId, lan, mai, upstream, position: last.position };
  }

  it('seals a province as of a date: the document says what the compliance view says, and it verifies against the events', async () => {
    const s = await setting();
    // Let the views reach the last fact: a snapshot reflects what they have.
    const view = await get(`/campaigns/${s.campaignId}/compliance/${s.province}?asOf=2024-04-12`, s.position);
    const sealed = await post(`/campaigns/${s.campaignId}/snapshots`, { unitId: s.province, asOf: '2024-04-12' }, s.upstream);
    expect(sealed).toMatchObject({ id: sealed.snapshotId, streamRevision: 0, contentHash: expect.stringMatching(/^[0-9a-f]{64}$/), ledgerRoot: null, units: 4 });
    expect(BigInt(sealed.position as string)).toBeGreaterThanOrEqual(BigInt(s.position));
    expect(BigInt(sealed.sealedPosition as string)).toBeGreaterThan(BigInt(sealed.position as string));

    const kept = await get(`/snapshots/${sealed.snapshotId}`, sealed.sealedPosition as string, s.upstream);
    expect(kept).toMatchObject({ snapshotId: sealed.snapshotId, campaignId: s.campaignId, unitId: s.province, asOf: '2024-04-12', knownAt: null, contentHash: sealed.contentHash, hashAlgorithm: 'sha256-jcs', sealedBy: { id: 'tong-lien-doan', role: 'upstream' } });
    const { summary } = kept.document;
    expect(summary).toEqual({ unit: view.unit, status: view.status, requirements: view.requirements, figures: view.figures, children: view.children, subtree: view.subtree });
    expect(kept.document.units.map((u: { unitId: string }) => u.unitId).sort()).toEqual([s.province, s.district, s.schoolA, s.schoolB].sort());

    const verified = await get(`/snapshots/${sealed.snapshotId}/verify`, '0', s.upstream);
    expect(verified).toMatchObject({ snapshotId: sealed.snapshotId, verified: true, contentHash: sealed.contentHash, recomputedHash: sealed.contentHash, differingUnits: [] });
    expect(verified.eventsReplayed).toBeGreaterThan(5);
  });

  it('restates a snapshot with what was recorded later (which units, which figures, which events), and still verifies it', async () => {
    const s = await setting();
    await get(`/campaigns/${s.campaignId}/compliance/${s.province}?asOf=2024-04-12`, s.position);
    const sealed = await post(`/campaigns/${s.campaignId}/snapshots`, { unitId: s.province, asOf: '2024-04-12' }, s.upstream);
    const unchanged = await get(`/snapshots/${sealed.snapshotId}/restatement`, sealed.sealedPosition as string, s.upstream);
    expect(unchanged).toMatchObject({ changed: false, units: [] });

    // School B's session of 20 March, recorded only now; and a session dated after asOf, which changes nothing as of then.
    const backfilled = await post(`/campaigns/${s.campaignId}/study-sessions`, session(s.schoolB, [s.mai], '2024-03-20'));
    const later = await post(`/campaigns/${s.campaignId}/study-sessions`, session(s.schoolA, [s.lan], '2024-06-01'));
    const [held] = await app.service.app.get(EventStore).readStream(studySessionStream(backfilled.id));
    const restated = await get(`/snapshots/${sealed.snapshotId}/restatement`, later.position, s.upstream);
    expect(restated.changed).toBe(true);
    // School B, and the district and the province above it, whose figures are their subtree's.
    const byUnit = new Map((restated.units as { unitId: string }[]).map((u) => [u.unitId, u]));
    expect([...byUnit.keys()].sort()).toEqual([s.schoolB, s.district, s.province].sort());
    expect(byUnit.get(s.schoolB)).toEqual(
      expect.objectContaining({
        before: expect.objectContaining({ requirements: expect.objectContaining({ study: 'missed' }) }),
        after: expect.objectContaining({ requirements: expect.objectContaining({ study: 'met' }) }),
        changes: expect.arrayContaining(['requirements.study', 'figures.sessions', 'figures.membersStudied']),
        causes: [held!.id],
      }),
    );
    for (const upper of [s.district, s.province]) {
      expect(byUnit.get(upper)).toEqual(expect.objectContaining({ changes: expect.arrayContaining(['figures.sessions', 'figures.membersStudied']), causes: [held!.id] }));
    }
    expect(restated.summary.changes).toEqual(expect.arrayContaining(['figures.sessions']));
    expect((await get(`/snapshots/${sealed.snapshotId}/verify`, '0', s.upstream)).verified).toBe(true);
  });

  it('seals as known at an earlier time, leaving out what was recorded after it', async () => {
    const s = await setting();
    await get(`/campaigns/${s.campaignId}/compliance/${s.province}`, s.position);
    const before = new Date().toISOString();
    const backfilled = await post(`/campaigns/${s.campaignId}/study-sessions`, session(s.schoolB, [s.mai], '2024-03-20'));
    await get(`/campaigns/${s.campaignId}/compliance/${s.province}`, backfilled.position);
    const then = await post(`/campaigns/${s.campaignId}/snapshots`, { unitId: s.district, asOf: '2024-04-01', knownAt: before }, s.upstream);
    const now = await post(`/campaigns/${s.campaignId}/snapshots`, { unitId: s.district, asOf: '2024-04-01' }, s.upstream);
    const docThen = (await get(`/snapshots/${then.snapshotId}`, then.sealedPosition as string)).document;
    const docNow = (await get(`/snapshots/${now.snapshotId}`, now.sealedPosition as string)).document;
    const studyOf = (doc: { units: { unitId: string; requirements: { code: string; status: string }[] }[] }) =>
      doc.units.find((u) => u.unitId === s.schoolB)!.requirements.find((r) => r.code === 'study')!.status;
    expect([studyOf(docThen), studyOf(docNow)]).toEqual(['missed', 'met']);
    expect(docThen.knownAt).toBe(before);
    expect(BigInt(docThen.position)).toBeLessThan(BigInt(backfilled.position));
    expect((await get(`/snapshots/${then.snapshotId}/verify`, '0')).verified).toBe(true);
  });

  it('still verifies a 2024 snapshot after the 2025 merger of its district', async () => {
    const s = await setting();
    await get(`/campaigns/${s.campaignId}/compliance/${s.province}`, s.position);
    const sealed = await post(`/campaigns/${s.campaignId}/snapshots`, { unitId: s.province, asOf: '2024-12-31' }, s.upstream);
    const other = await establish(app, { name: 'LĐLĐ huyện mới', kind: 'district_federation', parentId: s.province, establishedOn: '2025-01-01' });
    const merged = await api(app).post(`/org-units/${s.district}/merge`).send({ intoUnitId: other.id, effectiveOn: '2025-07-01' });
    expect(merged.status).toBe(200);
    const verified = await get(`/snapshots/${sealed.snapshotId}/verify`, merged.body.position);
    expect(verified).toMatchObject({ verified: true, recomputedHash: sealed.contentHash });
    expect((await get(`/snapshots/${sealed.snapshotId}/restatement`, merged.body.position)).changed).toBe(false);
  });

  it('gives a unit that left the subtree with its parent the parent’s move as the cause', async () => {
    const s = await setting();
    await get(`/campaigns/${s.campaignId}/compliance/${s.province}`, s.position);
    const sealed = await post(`/campaigns/${s.campaignId}/snapshots`, { unitId: s.province, asOf: '2024-04-12' }, s.upstream);
    const elsewhere = await establish(app, { name: 'LĐLĐ tỉnh khác', kind: 'provincial_federation', establishedOn: '2000-01-01' });
    const moved = await api(app).post(`/org-units/${s.district}/transfer`).send({ newParentId: elsewhere.id, effectiveOn: '2024-03-01' }).expect(200);
    const [transfer] = await app.service.app.get(EventStore).readStream(`orgUnit-${s.district}`, { direction: 'backwards', maxCount: 1 });
    const restated = await get(`/snapshots/${sealed.snapshotId}/restatement`, moved.body.position);
    const byUnit = new Map(restated.units.map((u: { unitId: string; causes: string[]; changes: string[] }) => [u.unitId, u]));
    for (const unit of [s.district, s.schoolA, s.schoolB]) expect(byUnit.get(unit)).toMatchObject({ changes: ['unit'], causes: [transfer!.id] });
  });

  it('shows a kept copy changed in the database as not verified', async () => {
    const s = await setting();
    await get(`/campaigns/${s.campaignId}/compliance/${s.province}`, s.position);
    const sealed = await post(`/campaigns/${s.campaignId}/snapshots`, { unitId: s.schoolA, asOf: '2024-04-12' }, s.upstream);
    await get(`/snapshots/${sealed.snapshotId}`, sealed.sealedPosition as string);
    await app.service.app
      .get(DataSource)
      .query(`UPDATE period_snapshots SET document = jsonb_set(document, '{summary,status}', '"met"') WHERE snapshot_id = $1`, [sealed.snapshotId]);
    const verified = await get(`/snapshots/${sealed.snapshotId}/verify`, '0');
    expect(verified).toMatchObject({ verified: false, contentHash: sealed.contentHash, recomputedHash: sealed.contentHash });
    expect(verified.storedDocumentHash).not.toBe(sealed.contentHash);
  });

  it('is sealed by upstream bodies and admins only, within their subtree; refuses a future date and a malformed knownAt', async () => {
    const s = await setting();
    const leadership = tokenFor(app, { sub: 'lanh-dao', role: 'leadership', unit: s.province });
    expect((await api(app, leadership).post(`/campaigns/${s.campaignId}/snapshots`).send({ unitId: s.province, asOf: '2024-04-12' })).status).toBe(403);
    const elsewhere = tokenFor(app, { sub: 'other', role: 'upstream', unit: s.schoolB });
    const outside = await api(app, elsewhere).post(`/campaigns/${s.campaignId}/snapshots`).send({ unitId: s.schoolA, asOf: '2024-04-12' });
    expect(outside.status).toBe(404);
    const future = await api(app, s.upstream).post(`/campaigns/${s.campaignId}/snapshots`).send({ unitId: s.province, asOf: '2999-01-01' });
    expect([future.status, future.body.code]).toEqual([422, 'date.in_future']);
    const bad = await api(app, s.upstream).post(`/campaigns/${s.campaignId}/snapshots`).send({ unitId: s.province, asOf: '2024-04-12', knownAt: 'soon' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field)).toEqual(['knownAt']);
  });

  it('seals everything recorded before the seal, without being asked to wait for it', async () => {
    const { province, schoolA } = await smallProvince(app);
    const lan = (await enrol(app, { unitId: schoolA, fullName: 'Lan', joinedOn: '2020-01-01' })).id;
    for (let round = 0; round < 3; round++) {
      const campaignId = await issueCampaign(app, province);
      await post(`/campaigns/${campaignId}/study-sessions`, session(schoolA, [lan], '2024-03-20'));
      const sealed = await post(`/campaigns/${campaignId}/snapshots`, { unitId: province, asOf: '2024-03-31' });
      const kept = await get(`/snapshots/${sealed.snapshotId}`, sealed.sealedPosition as string);
      expect([round, kept.document.summary.figures.sessions]).toEqual([round, 1]);
    }
  });

  it('gives upper levels the figures of their subtree, and restates them when a back-dated move or end changes it, naming those events', async () => {
    const s = await setting();
    const district2 = (await establish(app, { name: 'LĐLĐ huyện 2', kind: 'district_federation', parentId: s.province, establishedOn: '2000-01-01' })).id;
    const last = await post(`/campaigns/${s.campaignId}/study-sessions`, session(s.schoolB, [s.mai], '2024-03-22'));
    const sealed = await post(`/campaigns/${s.campaignId}/snapshots`, { unitId: s.province, asOf: '2024-04-30' }, s.upstream);
    const kept = await get(`/snapshots/${sealed.snapshotId}`, sealed.sealedPosition as string, s.upstream);
    const row = (doc: { units: { unitId: string; figures: { members: number; sessions: number } }[] }, id: string) => doc.units.find((u) => u.unitId === id)!;
    expect(row(kept.document, s.district).figures).toMatchObject({ members: 2, sessions: 2 });
    const districtView = await get(`/campaigns/${s.campaignId}/compliance/${s.district}?asOf=2024-04-30`, last.position);
    expect(row(kept.document, s.district).figures).toEqual(districtView.figures);

    // Recorded later: school A under district 2 from 1 April; school B ended on 25 March.
    const moved = await api(app).post(`/org-units/${s.schoolA}/transfer`).send({ newParentId: district2, effectiveOn: '2024-04-01' }).expect(200);
    const ended = await api(app).post(`/org-units/${s.schoolB}/terminate`).send({ effectiveOn: '2024-03-25', reason: 'Giải thể' }).expect(200);
    const restated = await get(`/snapshots/${sealed.snapshotId}/restatement`, ended.body.position, s.upstream);
    const byUnit = new Map((restated.units as { unitId: string; changes: string[]; causes: string[] }[]).map((u) => [u.unitId, u]));
    const events = await app.service.app.get(EventStore).readAll({ after: null, maxCount: 100_000 });
    const idAt = (position: string) => events.find((e) => e.position === BigInt(position))!.id;
    expect(byUnit.get(s.district)).toEqual(expect.objectContaining({ changes: expect.arrayContaining(['figures.members', 'figures.sessions']) }));
    expect(byUnit.get(s.district)!.causes).toEqual(expect.arrayContaining([idAt(moved.body.position), idAt(ended.body.position)]));
    const now = await api(app).get(`/campaigns/${s.campaignId}/compliance/${s.district}`).query({ asOf: '2024-04-30', minPosition: ended.body.position }).expect(200);
    expect(now.body.figures).toMatchObject({ members: 0 });
    const csv = await api(app).get(`/campaigns/${s.campaignId}/compliance/${s.province}/export`).query({ format: 'csv', asOf: '2024-04-30', minPosition: ended.body.position }).expect(200);
    const district2View = await get(`/campaigns/${s.campaignId}/compliance/${district2}?asOf=2024-04-30`, ended.body.position);
    expect(district2View.figures).toMatchObject({ members: 1, sessions: 1 });
    const district2Line = csv.text.split('\r\n').find((l) => l.startsWith(`${district2View.unit.code},`))!;
    expect(district2Line.split(',').slice(-9).map(Number)).toEqual([1, 1, 1, 0, 0, 0, 0, 1, 0]);
  });
});
