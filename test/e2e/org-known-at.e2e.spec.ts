import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { studySessionStream } from '../../src/events/campaign/study-session-events.js';
import { orgUnitStream } from '../../src/events/org/org-unit-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { issueCampaign } from '../support/campaign-fixtures.js';
import { recorded } from '../support/recorded-event.js';
import { api, enrol, establish, getOk, type TestApp, useTestApp } from '../support/test-app.js';

describe('the organisation as known at a time', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const get = (path: string, query: Record<string, string>) => getOk(app, path, query);

  it('answers the hierarchy and the memberships of 31 March as known then and as known after a back-dated reorganisation', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const districtA = (await establish(app, { name: 'LĐLĐ huyện A', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const districtB = (await establish(app, { name: 'LĐLĐ huyện B', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const school = (await establish(app, { name: 'CĐCS Trường cũ', kind: 'grassroots_union', parentId: districtA, establishedOn: '2000-01-01' })).id;
    const other = (await establish(app, { name: 'CĐCS Nhà máy', kind: 'grassroots_union', parentId: districtB, establishedOn: '2000-01-01' })).id;
    const campaignId = await issueCampaign(app, province);
    const lan = await enrol(app, { unitId: school, fullName: 'Lan', joinedOn: '2020-01-01' });
    await get(`/campaigns/${campaignId}/compliance/${province}`, { minPosition: lan.position });
    const then = new Date().toISOString();

    // Recorded later, dated before 31 March: the school moves to district B, is renamed, and Lan moves to the factory.
    await api(app).post(`/org-units/${school}/rename`).send({ name: 'CĐCS Trường mới', effectiveOn: '2024-01-01' }).expect(200);
    await api(app).post(`/org-units/${school}/transfer`).send({ newParentId: districtB, effectiveOn: '2024-03-01' }).expect(200);
    const moved = await api(app).post(`/members/${lan.id}/transfer`).send({ toUnitId: other, effectiveOn: '2024-02-01' }).expect(200);
    const last = moved.body.position as string;

    const known = { asOf: '2024-03-31', knownAt: then, minPosition: last };
    const now = { asOf: '2024-03-31', minPosition: last };
    const schoolThen = await get(`/org-units/${school}`, known);
    const schoolNow = await get(`/org-units/${school}`, now);
    expect([schoolThen.parentId, schoolThen.name, schoolThen.ancestors.map((a: { unitId: string }) => a.unitId)]).toEqual([districtA, 'CĐCS Trường cũ', [districtA, province]]);
    expect([schoolNow.parentId, schoolNow.name, schoolNow.ancestors.map((a: { unitId: string }) => a.unitId)]).toEqual([districtB, 'CĐCS Trường mới', [districtB, province]]);
    expect(schoolThen.members).toEqual({ direct: 1, subtree: 1 });
    expect(schoolNow.members).toEqual({ direct: 0, subtree: 0 });
    expect(BigInt(schoolThen.position)).toBeLessThan(BigInt(last));

    const childrenThen = await get(`/org-units/${districtA}/children`, known);
    const childrenNow = await get(`/org-units/${districtA}/children`, now);
    expect(childrenThen.items.map((c: { unitId: string }) => c.unitId)).toEqual([school]);
    expect(childrenNow.items).toEqual([]);
    expect((await get(`/org-units/${districtA}`, known)).members).toEqual({ direct: 0, subtree: 1 });
    expect((await get(`/org-units/${districtA}`, now)).members).toEqual({ direct: 0, subtree: 0 });

    const lanThen = await get(`/members/${lan.id}`, known);
    const lanNow = await get(`/members/${lan.id}`, now);
    expect([lanThen.unitId, lanNow.unitId]).toEqual([school, other]);

    // The compliance rollups follow the hierarchy of the date asked, as known at the time asked.
    const districtThen = await get(`/campaigns/${campaignId}/compliance/${districtA}`, known);
    const districtNow = await get(`/campaigns/${campaignId}/compliance/${districtA}`, now);
    expect([districtThen.children.total, districtThen.figures.members]).toEqual([1, 1]);
    expect([districtNow.children.total, districtNow.figures.members]).toEqual([0, 0]);
    const schoolView = await get(`/campaigns/${campaignId}/compliance/${school}`, known);
    expect(schoolView.unit.name).toBe('CĐCS Trường cũ');
  });

  const renamed = (unitId: string, previousName: string, name: string) => recorded('OrgUnitRenamed', { unitId, name, previousName, effectiveOn: '2024-01-01' }, '2024-01-01');
  const nameAt = async (unitId: string, knownAt: string, minPosition: bigint) => (await get(`/org-units/${unitId}`, { asOf: '2024-03-31', knownAt, minPosition: minPosition.toString() })).name;
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('answers as known at a time with nothing recorded after it, when a change took its place in the log before one recorded earlier', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const slow = (await establish(app, { name: 'CĐCS Chậm', kind: 'grassroots_union', parentId: province, establishedOn: '2000-01-01' })).id;
    const quick = (await establish(app, { name: 'CĐCS Nhanh', kind: 'grassroots_union', parentId: province, establishedOn: '2000-01-01' })).id;
    const store = app.service.app.get(EventStore);
    const holder = app.service.app.get(DataSource).createQueryRunner();
    await holder.connect();
    try {
      // The slow rename takes its place in the log, then waits for its stream's row; the quick one, placed after it, records and commits meanwhile.
      await holder.startTransaction();
      await holder.query(`SELECT 1 FROM es_streams WHERE stream = $1 FOR UPDATE`, [orgUnitStream(slow)]);
      const slowAppend = store.appendToStream(orgUnitStream(slow), [renamed(slow, 'CĐCS Chậm', 'CĐCS Chậm mới')], 'any');
      await pause(150);
      const quickAppend = await store.appendToStream(orgUnitStream(quick), [renamed(quick, 'CĐCS Nhanh', 'CĐCS Nhanh mới')], 'any');
      await pause(50);
      await holder.commitTransaction();
      const slowDone = await slowAppend;
      const [slowEvent] = await store.readStream(orgUnitStream(slow), { direction: 'backwards', maxCount: 1 });
      const [quickEvent] = await store.readStream(orgUnitStream(quick), { direction: 'backwards', maxCount: 1 });
      expect(slowDone.position).toBeLessThan(quickAppend.position);
      expect(slowEvent!.recordedAt.getTime()).toBeGreaterThan(quickEvent!.recordedAt.getTime() + 20);

      // Between the two recordings: the slow rename is not known yet, nor the quick one behind it in the log (readers could not pass the slow one then).
      const between = new Date((slowEvent!.recordedAt.getTime() + quickEvent!.recordedAt.getTime()) / 2).toISOString();
      expect([await nameAt(slow, between, quickAppend.position), await nameAt(quick, between, quickAppend.position)]).toEqual(['CĐCS Chậm', 'CĐCS Nhanh']);
      const after = new Date(slowEvent!.recordedAt.getTime() + 1).toISOString();
      expect([await nameAt(slow, after, quickAppend.position), await nameAt(quick, after, quickAppend.position)]).toEqual(['CĐCS Chậm mới', 'CĐCS Nhanh mới']);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('reads every view at one position as known at a time: a session recorded after it, placed before a rename recorded before it, counts in neither', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const school = (await establish(app, { name: 'CĐCS Trường', kind: 'grassroots_union', parentId: province, establishedOn: '2000-01-01' })).id;
    const campaignId = await issueCampaign(app, province);
    const lan = await enrol(app, { unitId: school, fullName: 'Lan', joinedOn: '2020-01-01' });
    const sessionId = randomUUID();
    const session = recorded(
      'StudySessionHeld',
      { sessionId, campaignId, unitId: school, heldOn: '2024-03-20', format: 'in_person', title: 'Học tập chuyên đề', presenter: null, materials: [], attendeeMemberIds: [lan.id] },
      '2024-03-20',
    );
    const store = app.service.app.get(EventStore);
    const holder = app.service.app.get(DataSource).createQueryRunner();
    await holder.connect();
    try {
      // The session takes its place in the log, then waits for its new stream's row, held by a transaction that gives it up.
      await holder.startTransaction();
      await holder.query(`INSERT INTO es_streams (stream, revision, last_position) VALUES ($1, 0, 0)`, [studySessionStream(sessionId)]);
      const slowAppend = store.appendToStream(studySessionStream(sessionId), [session], 'no_stream');
      await pause(150);
      const rename = await store.appendToStream(orgUnitStream(school), [renamed(school, 'CĐCS Trường', 'CĐCS Trường mới')], 'any');
      await pause(50);
      await holder.rollbackTransaction();
      const held = await slowAppend;
      const [heldEvent] = await store.readStream(studySessionStream(sessionId));
      const [renameEvent] = await store.readStream(orgUnitStream(school), { direction: 'backwards', maxCount: 1 });
      expect(held.position).toBeLessThan(rename.position);
      expect(heldEvent!.recordedAt.getTime()).toBeGreaterThan(renameEvent!.recordedAt.getTime() + 20);

      const ask = async (knownAt: Date) => {
        const view = await get(`/campaigns/${campaignId}/compliance/${school}`, { asOf: '2024-03-31', knownAt: knownAt.toISOString(), minPosition: rename.position.toString() });
        return [view.unit.name, view.figures.sessions, await nameAt(school, knownAt.toISOString(), rename.position)];
      };
      const between = new Date((heldEvent!.recordedAt.getTime() + renameEvent!.recordedAt.getTime()) / 2);
      expect(await ask(between)).toEqual(['CĐCS Trường', 0, 'CĐCS Trường']);
      expect(await ask(new Date(heldEvent!.recordedAt.getTime() + 1))).toEqual(['CĐCS Trường mới', 1, 'CĐCS Trường mới']);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('waits, asked as known at a time, for a transaction that began by then to end, so that the answer never changes afterwards', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const unit = await establish(app, { name: 'CĐCS Mở', kind: 'grassroots_union', parentId: province, establishedOn: '2000-01-01' });
    const open = app.service.app.get(DataSource).createQueryRunner();
    await open.connect();
    try {
      const e = renamed(unit.id, 'CĐCS Mở', 'CĐCS Đã ghi');
      await open.startTransaction();
      await open.query(`SELECT es_append($1, 'any', $2, $3, $4, $5, $6, $7, true)`, [
        orgUnitStream(unit.id), [e.id], [e.type], [e.schemaVersion], [JSON.stringify(e.data)], [JSON.stringify(e.metadata)], [e.occurredOn],
      ]);
      await pause(20);
      const knownAt = new Date().toISOString();
      // Held open for longer than a question waits: the caller is told to retry.
      const refused = await api(app).get(`/org-units/${unit.id}`).query({ asOf: '2024-03-31', knownAt });
      expect([refused.status, refused.body.code, refused.headers['retry-after']]).toEqual([503, 'event_store.recording_open', '1']);
      let answered = false;
      const asked = nameAt(unit.id, knownAt, BigInt(unit.position)).then((name) => ((answered = true), name));
      await pause(300);
      expect(answered).toBe(false);
      await open.commitTransaction();
      expect(await asked).toBe('CĐCS Đã ghi');
      expect(await nameAt(unit.id, knownAt, BigInt(unit.position))).toBe('CĐCS Đã ghi');
    } finally {
      if (open.isTransactionActive) await open.rollbackTransaction();
      await open.release();
    }
  }, 30_000);
});
