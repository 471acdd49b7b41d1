import { describe, expect, it } from '@jest/globals';
import { DataSource } from 'typeorm';
import { type DemoApi, runDemo } from '../../src/cli/demo-scenario.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { ProjectionProgress } from '../../src/infrastructure/projections/projection-progress.js';
import { ProjectionsService } from '../../src/infrastructure/projections/projections.service.js';
import { expectRollupsToMatchUnitByUnit } from '../support/rollup-oracle.js';
import { api, type TestApp, useTestApp } from '../support/test-app.js';

interface ProjectionStatus {
  name: string;
  rebuilding: boolean;
  rebuildCompletedAt: string | null;
  rebuildRequested: boolean;
}

/** Drops the time an answer was given at (a view asked as known now says when that was), not what it says. */
function answerOf(body: unknown, asked: string | undefined): unknown {
  return JSON.parse(JSON.stringify(body, (key, value) => (key === 'knownAt' && typeof value === 'string' && asked === undefined ? undefined : value)));
}

describe('the views rebuilt from the start of the log', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  it('answer every question exactly as before: compliance of every unit on several dates and as known at several times, children, overdue, commendations, exports, snapshots', async () => {
    const client: DemoApi = {
      async post(path, body, key) {
        const res = await api(app).post(path).set('Idempotency-Key', key).send(body as object);
        if (res.status !== 200 && res.status !== 201) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
      },
    };
    const quiet = { step: () => undefined, done: () => undefined };
    const times: string[] = [];
    await runDemo(client, quiet, { membersPerUnit: 12, concurrency: 4 });
    const service = app.service.app;
    const names = service.get(ProjectionsService).names();
    const settle = async () => service.get(ProjectionProgress).waitFor(names, await service.get(EventStore).headPosition(), 60_000);
    await settle();
    const ds = service.get(DataSource);
    // Knowledge times in the middle of the load, once both campaigns were known: a tenth, a third and two thirds of the way through.
    const recorded: { known_since: Date }[] = await ds.query(
      `SELECT known_since FROM compliance_knowledge WHERE position >= (SELECT max((plan->>'issuedPosition')::bigint) FROM compliance_campaigns) ORDER BY position`,
    );
    for (const share of [0.1, 0.33, 0.66]) times.push(recorded[Math.floor(recorded.length * share)]!.known_since.toISOString());

    const campaigns: { campaign_id: string; issuing_unit_id: string }[] = await ds.query(`SELECT campaign_id, issuing_unit_id FROM compliance_campaigns ORDER BY campaign_id`);
    expect(campaigns.length).toBe(2);
    const sealed: string[] = [];
    for (const c of campaigns) {
      const res = await api(app).post(`/campaigns/${c.campaign_id}/snapshots`).send({ unitId: c.issuing_unit_id, asOf: c.campaign_id === campaigns[0]!.campaign_id ? '2020-06-30' : '2024-06-30' });
      if (res.status !== 201) throw new Error(`sealing answered ${res.status}: ${JSON.stringify(res.body)}`);
      sealed.push(res.body.snapshotId);
    }
    await settle();

    async function everyAnswer(): Promise<Map<string, unknown>> {
      const answers = new Map<string, unknown>();
      const ask = async (path: string, query: Record<string, string> = {}) => {
        const res = await api(app).get(path).query(query);
        answers.set(`${path} ${JSON.stringify(query)}`, { status: res.status, body: res.type === 'application/json' ? answerOf(res.body, query['knownAt']) : res.text });
      };
      for (const c of campaigns) {
        const plan: { plan: { issuedOn: string } } = (await ds.query(`SELECT plan FROM compliance_campaigns WHERE campaign_id = $1`, [c.campaign_id]))[0];
        const year = plan.plan.issuedOn.slice(0, 4);
        const units: { unit_id: string; level: string }[] = await ds.query(
          `SELECT DISTINCT c.descendant_id AS unit_id, v.level FROM org_unit_closure c JOIN org_unit_versions v ON v.unit_id = c.descendant_id WHERE c.ancestor_id = $1 ORDER BY 1`,
          [c.issuing_unit_id],
        );
        const dates = [`${year}-03-31`, `${year}-05-15`, `${year}-12-31`];
        for (const u of units) {
          for (const asOf of dates) await ask(`/campaigns/${c.campaign_id}/compliance/${u.unit_id}`, { asOf });
          for (const knownAt of times) await ask(`/campaigns/${c.campaign_id}/compliance/${u.unit_id}`, { asOf: dates[1]!, knownAt });
          if (u.level !== 'grassroots') await ask(`/campaigns/${c.campaign_id}/compliance/${u.unit_id}/children`, { asOf: dates[1]! });
        }
        for (const asOf of dates) {
          await ask(`/campaigns/${c.campaign_id}/overdue`, { unitId: c.issuing_unit_id, asOf, limit: '1000' });
          await ask(`/campaigns/${c.campaign_id}/commendations`, { unitId: c.issuing_unit_id, asOf, limit: '1000' });
          await ask(`/campaigns/${c.campaign_id}/compliance/${c.issuing_unit_id}/export`, { format: 'csv', asOf });
        }
        for (const knownAt of times) await ask(`/campaigns/${c.campaign_id}/commendations`, { unitId: c.issuing_unit_id, asOf: dates[2]!, knownAt });
        for (const u of units.slice(0, 20)) await ask(`/org-units/${u.unit_id}`, { asOf: dates[1]! });
      }
      for (const id of sealed) {
        await ask(`/snapshots/${id}`);
        await ask(`/snapshots/${id}/verify`);
        await ask(`/snapshots/${id}/restatement`);
      }
      return answers;
    }

    const before = await everyAnswer();
    expect(before.size).toBeGreaterThan(300);
    expect([...before.values()].filter((a) => (a as { status: number }).status !== 200)).toEqual([]);
    // The seed campaigns' snapshots, sealed after the 2025 reorganisation was recorded, verify against the events.
    for (const id of sealed) expect((before.get(`/snapshots/${id}/verify {}`) as { body: { verified: boolean } }).body.verified).toBe(true);

    const started = Date.now();
    for (const name of names) await api(app).post(`/admin/projections/${name}/rebuild`).expect(202);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const res = await api(app).get('/admin/projections').expect(200);
      const items = res.body.items as ProjectionStatus[];
      if (items.every((p) => !p.rebuildRequested && !p.rebuilding && p.rebuildCompletedAt !== null && Date.parse(p.rebuildCompletedAt) >= started - 1000)) break;
      if (Date.now() > deadline) throw new Error(`rebuilds not done: ${JSON.stringify(items)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await settle();
    const after = await everyAnswer();
    const differing = [...before.keys()].filter((k) => JSON.stringify(before.get(k)) !== JSON.stringify(after.get(k)));
    expect(differing.map((k) => [k, before.get(k), after.get(k)]).slice(0, 3)).toEqual([]);
    expect(after.size).toBe(before.size);
    // The rebuilt sums of each subtree are the units below added up one by one, through the 2025 reorganisation.
    expect(await expectRollupsToMatchUnitByUnit(ds, { maxDays: 40 })).toBeGreaterThan(1000);
  }, 600_000);
});
