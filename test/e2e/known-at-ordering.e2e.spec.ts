/**
 * "As known at" when transactions record, take their positions and commit in different orders:
 * a change is one transaction (however many share its millisecond), every view (commendations
 * too) answers with what was recorded by then, and a rebuild answers the same.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { studySessionStream } from '../../src/events/campaign/study-session-events.js';
import { orgUnitStream } from '../../src/events/org/org-unit-events.js';
import type { NewEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { issueCampaign, smallProvince } from '../support/campaign-fixtures.js';
import { recorded } from '../support/recorded-event.js';
import { api, enrol, establish, getOk, type TestApp, useTestApp } from '../support/test-app.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('as known at, whatever the order transactions record and commit in', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const get = (path: string, query: Record<string, string>) => getOk(app, path, query);

  async function client(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: app.service.databaseUrl });
    await c.connect();
    return c;
  }

  /** es_append inside the client's open transaction (as the adapter does); answers the position and the stored recording time. */
  async function append(c: pg.Client, stream: string, expected: string, e: NewEvent): Promise<{ position: bigint; recordedAt: Date }> {
    const r = await c.query<{ last_position: string }>(`SELECT last_position FROM es_append($1, $2, $3, $4, $5, $6, $7, $8, true)`, [
      stream, expected, [e.id], [e.type], [e.schemaVersion], [JSON.stringify(e.data)], [JSON.stringify(e.metadata)], [e.occurredOn],
    ]);
    const position = BigInt(r.rows[0]!.last_position);
    const t = await c.query<{ recorded_at: Date }>(`SELECT recorded_at FROM es_events WHERE position = $1`, [position.toString()]);
    return { position, recordedAt: t.rows[0]!.recorded_at };
  }

  const renamed = (unitId: string, previousName: string, name: string) =>
    recorded('OrgUnitRenamed', { unitId, name, previousName, effectiveOn: '2024-01-01' }, '2024-01-01');
  const nameAt = async (unitId: string, knownAt: string, minPosition: string) =>
    (await get(`/org-units/${unitId}`, { asOf: '2024-03-31', knownAt, minPosition })).name as string;

  it('lists commendation steps recorded by K as known at K, when no change of another view follows them', async () => {
    const { province, schoolA } = await smallProvince(app);
    const campaignId = await issueCampaign(app, province);
    const proposed = await api(app)
      .post(`/campaigns/${campaignId}/commendations`)
      .send({
        proposingUnitId: schoolA,
        nominee: { type: 'unit', id: schoolA, name: 'CĐCS A' },
        category: 'advanced_model',
        awardForm: 'certificate_of_merit',
        achievements: 'Điển hình tiên tiến',
        dossier: [{ title: 'Tờ trình' }],
        proposedOn: '2024-10-01',
      });
    expect(proposed.status).toBe(201);
    const position = proposed.body.position as string;
    await pause(20);
    const knownAt = new Date().toISOString();
    const now = await get(`/campaigns/${campaignId}/commendations`, { unitId: province, asOf: '2024-12-01', minPosition: position });
    const known = await get(`/campaigns/${campaignId}/commendations`, { unitId: province, asOf: '2024-12-01', knownAt, minPosition: position });
    expect(now.total).toBe(1);
    // Recorded (and committed) before knownAt: must be counted as known at knownAt.
    expect({ total: known.total, position: known.position }).toEqual({ total: 1, position: expect.any(String) });
  });

  /** A province with a grassroots union X (Lan its member), Y and Z under it, and a campaign. */
  async function setting() {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const school = (await establish(app, { name: 'CĐCS X', kind: 'grassroots_union', parentId: province, establishedOn: '2000-01-01' })).id;
    const y = (await establish(app, { name: 'CĐCS Y', kind: 'grassroots_union', parentId: province, establishedOn: '2000-01-01' })).id;
    const z = (await establish(app, { name: 'CĐCS Z', kind: 'grassroots_union', parentId: province, establishedOn: '2000-01-01' })).id;
    const campaignId = await issueCampaign(app, province);
    const lan = await enrol(app, { unitId: school, fullName: 'Lan', joinedOn: '2020-01-01' });
    await get(`/campaigns/${campaignId}/compliance/${province}`, { minPosition: lan.position });
    return { province, school, y, z, campaignId, lan: lan.id };
  }

  /**
   * T1 (a session of X) and T2 (Z's rename) recorded in one millisecond, T3 (Y's rename) after
   * it, their positions in the order T1 < T3 < T2; `commit` ends the three, in its own order.
   */
  async function sameMillisecond(
    s: Awaited<ReturnType<typeof setting>>,
    commit: (c: { c1: pg.Client; c2: pg.Client; c3: pg.Client; p1: bigint }) => Promise<void>,
  ): Promise<{ t: Date; p1: bigint; p2: bigint; p3: bigint }> {
    const [c1, c2, c3] = [await client(), await client(), await client()];
    try {
      for (let attempt = 0; attempt < 200; attempt++) {
        const sessionId = randomUUID();
        const session = recorded(
          'StudySessionHeld',
          { sessionId, campaignId: s.campaignId, unitId: s.school, heldOn: '2024-03-20', format: 'in_person', title: 'Học tập chuyên đề', presenter: null, materials: [], attendeeMemberIds: [s.lan] },
          '2024-03-20',
        );
        // Transaction ids in the order T1 < T3 < T2.
        for (const c of [c1, c3, c2]) await c.query('BEGIN; SELECT pg_current_xact_id()');
        const [r1, r2] = await Promise.all([
          append(c1, studySessionStream(sessionId), 'no_stream', session),
          append(c2, orgUnitStream(s.z), 'any', renamed(s.z, 'CĐCS Z', 'CĐCS Z mới')),
        ]);
        if (r1.recordedAt.getTime() !== r2.recordedAt.getTime()) {
          for (const c of [c1, c2, c3]) await c.query('ROLLBACK');
          continue;
        }
        await pause(5);
        const r3 = await append(c3, orgUnitStream(s.y), 'any', renamed(s.y, 'CĐCS Y', 'CĐCS Y mới'));
        expect(r3.recordedAt.getTime()).toBeGreaterThan(r1.recordedAt.getTime());
        await commit({ c1, c2, c3, p1: r1.position });
        return { t: r1.recordedAt, p1: r1.position, p2: r2.position, p3: r3.position };
      }
      throw new Error('no two transactions were recorded in the same millisecond in 200 attempts');
    } finally {
      for (const c of [c1, c2, c3]) {
        await c.query('ROLLBACK').catch(() => undefined);
        await c.end();
      }
    }
  }

  it('reads as known at K a change recorded by K and placed before the first change recorded after K, another transaction recorded in the same millisecond', async () => {
    const s = await setting();
    const { province, school, y, z, campaignId } = s;
    const { t, p1, p2, p3 } = await sameMillisecond(s, async ({ c1, c2, c3 }) => {
      for (const c of [c2, c3, c1]) await c.query('COMMIT');
    });
    expect(p1 < p3 && p3 < p2).toBe(true);
    await get(`/campaigns/${campaignId}/compliance/${province}`, { minPosition: p2.toString() });
    await get(`/org-units/${z}`, { minPosition: p2.toString() });
    const knownAt = t.toISOString();
    const ds = await client();
    const knowledge = (
      await ds.query(
        `SELECT 'compliance' AS t, position::text, known_since FROM compliance_knowledge WHERE position >= $1
         UNION ALL SELECT 'org', position::text, known_since FROM org_knowledge WHERE position >= $1 ORDER BY 2`,
        [p1.toString()],
      )
    ).rows;
    await ds.end();
    const view = await get(`/campaigns/${campaignId}/compliance/${school}`, { asOf: '2024-03-31', knownAt, minPosition: p2.toString() });
    // The session (T1, recorded at K, placed before T3, recorded after K) is known at K; Y's rename (T3) is not, nor Z's (T2, placed after T3).
    expect({ sessions: view.figures.sessions, y: await nameAt(y, knownAt, p2.toString()), z: await nameAt(z, knownAt, p2.toString()), p1: p1.toString(), knowledge }).toEqual({
      sessions: 1,
      y: 'CĐCS Y',
      z: 'CĐCS Z',
      p1: p1.toString(),
      knowledge: expect.arrayContaining([expect.objectContaining({ position: p1.toString() })]),
    });
  }, 60_000);

  it('answers as known at K the same from views rebuilt from position 0 as from the live ones, which read the same-millisecond transactions in two batches', async () => {
    const s = await setting();
    const { province, school, campaignId } = s;
    const { t, p2 } = await sameMillisecond(s, async ({ c1, c2, c3, p1 }) => {
      // T1 first: the live views read it alone, before T3 and T2 are committed.
      await c1.query('COMMIT');
      await get(`/campaigns/${campaignId}/compliance/${province}`, { minPosition: p1.toString() });
      await c3.query('COMMIT');
      await c2.query('COMMIT');
    });
    const knownAt = t.toISOString();
    const ask = async () => (await get(`/campaigns/${campaignId}/compliance/${school}`, { asOf: '2024-03-31', knownAt, minPosition: p2.toString() })).figures.sessions as number;
    const live = await ask();

    const started = Date.now();
    for (const name of ['org-structure', 'compliance']) await api(app).post(`/admin/projections/${name}/rebuild`).expect(202);
    for (const deadline = Date.now() + 60_000; ; ) {
      const items = ((await api(app).get('/admin/projections').expect(200)).body.items as { name: string; rebuilding: boolean; rebuildRequested: boolean; rebuildCompletedAt: string | null }[]).filter((p) => ['org-structure', 'compliance'].includes(p.name));
      if (items.every((p) => !p.rebuildRequested && !p.rebuilding && p.rebuildCompletedAt !== null && Date.parse(p.rebuildCompletedAt) >= started - 1000)) break;
      if (Date.now() > deadline) throw new Error(`rebuilds not done: ${JSON.stringify(items)}`);
      await pause(200);
    }
    const rebuilt = await ask();
    expect({ live, rebuilt }).toEqual({ live: 1, rebuilt: 1 });
  }, 120_000);

  it('does not wait, asked as known at a time, for a transaction that writes no event', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    await get(`/org-units/${province}`, { minPosition: (await establish(app, { name: 'x', kind: 'grassroots_union', parentId: province, establishedOn: '2000-01-01' })).position });
    const c = await client();
    try {
      // e.g. a long projection batch, a snapshot verification (throwaway schema), any write to a non-event table.
      await c.query('BEGIN');
      await c.query(`CREATE TEMP TABLE review_scratch (a int)`);
      await pause(20);
      const res = await api(app).get(`/org-units/${province}`).query({ knownAt: new Date().toISOString() });
      expect({ status: res.status, unitId: res.body.unitId }).toEqual({ status: 200, unitId: province });
    } finally {
      await c.query('ROLLBACK').catch(() => undefined);
      await c.end();
    }
  }, 30_000);

});
