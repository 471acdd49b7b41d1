import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../infrastructure/database/data-source.js';
import type { NewEvent, StreamAppend } from '../infrastructure/event-store/event-store.port.js';
import { PostgresEventStore } from '../infrastructure/event-store/postgres/postgres-event-store.js';
import { ProjectionProgress } from '../infrastructure/projections/projection-progress.js';
import { ProjectionRunner } from '../infrastructure/projections/projection-runner.js';
import { rollups, campaignAt } from '../read-models/compliance/compliance-reader.js';
import { ComplianceProjection } from '../read-models/compliance/compliance.projection.js';
import { GetComplianceHandler, GetComplianceQuery, ListChildrenComplianceHandler, ListChildrenComplianceQuery } from '../read-models/compliance/compliance.queries.js';
import { writeCsv } from '../read-models/compliance/compliance-export.js';
import { MembershipProjection } from '../read-models/membership/membership.projection.js';
import { OrgStructureProjection } from '../read-models/org-structure/org-structure.projection.js';
import { PeriodSnapshots } from '../read-models/snapshots/period-snapshots.js';
import { Writable } from 'node:stream';

/**
 * Part 3, the views at scale: a province (BENCH_PROVINCE_UNITS grassroots unions in districts
 * of 100, BENCH_PROVINCE_MEMBERS members) and a nation (BENCH_NATION_UNITS grassroots unions,
 * BENCH_NATION_MEMBERS_PER_UNIT members each), each in a database of its own, written through
 * the store's bulk path (atomic appends of 1,000 streams) with a full campaign year of facts,
 * then projected from position 0; then the compliance views, a snapshot and an export timed.
 */
const PROVINCE_UNITS = Number(process.env.BENCH_PROVINCE_UNITS ?? 4000);
const PROVINCE_MEMBERS = Number(process.env.BENCH_PROVINCE_MEMBERS ?? 800_000);
const NATION_UNITS = Number(process.env.BENCH_NATION_UNITS ?? 127_000);
const NATION_MEMBERS_PER_UNIT = Number(process.env.BENCH_NATION_MEMBERS_PER_UNIT ?? 1);
const QUERY_RUNS = Number(process.env.BENCH_VIEW_RUNS ?? 200);
const BATCH = 1000;
const DISTRICT_SIZE = 100;

const REQUIREMENTS = {
  study: { dueOn: '2024-03-31', levels: ['district', 'grassroots'], minAttendanceRatio: 0.6 },
  pledge: { dueOn: '2024-04-10', levels: ['grassroots'], minItems: 2, minRatio: 0.9 },
  actionPlan: { dueOn: '2024-04-30', levels: ['district', 'grassroots'], minFocalTasks: 1 },
  implementationPlan: { dueOn: '2024-03-20', levels: ['district'] },
  reports: [
    { kind: 'study_results', dueOn: '2024-05-03', levels: ['district'] },
    { kind: 'semi_annual', dueOn: '2024-05-06', levels: ['district'] },
    { kind: 'annual', dueOn: '2024-11-11', levels: ['district'] },
  ],
};

const event = (type: string, data: object, occurredOn: string | null): NewEvent => ({
  id: randomUUID(),
  type,
  schemaVersion: type === 'PledgeSubmitted' ? 2 : 1,
  data,
  occurredOn,
  metadata: { actor: { id: 'bench', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
});

const one = (stream: string, e: NewEvent): StreamAppend => ({ stream, expectedRevision: 'no_stream', events: [e] });

/** A day of 2024 from a day number (0 = 1 January). */
const day2024 = (n: number): string => new Date(Date.UTC(2024, 0, 1 + n)).toISOString().slice(0, 10);
/** A small deterministic hash, to spread dates and outcomes without randomness. */
const mix = (n: number): number => {
  let x = (n + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
};

interface Tree {
  readonly top: string;
  readonly topLevel: 'national' | 'provincial';
  readonly provinces: readonly string[];
  readonly districts: readonly { id: string; parent: string }[];
  readonly grassroots: readonly { id: string; district: string }[];
}

function tree(units: number, national: boolean): Tree {
  const top = randomUUID();
  const provinces = national ? Array.from({ length: 63 }, () => randomUUID()) : [];
  const districtCount = Math.ceil(units / DISTRICT_SIZE);
  const districts = Array.from({ length: districtCount }, (_, i) => ({ id: randomUUID(), parent: national ? provinces[i % provinces.length]! : top }));
  const grassroots = Array.from({ length: units }, (_, i) => ({ id: randomUUID(), district: districts[Math.floor(i / DISTRICT_SIZE)]!.id }));
  return { top, topLevel: national ? 'national' : 'provincial', provinces, districts, grassroots };
}

/** Writes the hierarchy, the members and a campaign year of facts; answers the campaign and the number of events. */
async function generate(store: PostgresEventStore, t: Tree, membersPerUnit: (unitIndex: number) => number): Promise<{ campaignId: string; events: number }> {
  let count = 0;
  let pending: StreamAppend[] = [];
  const push = async (a: StreamAppend): Promise<void> => {
    pending.push(a);
    count += a.events.length;
    if (pending.length >= BATCH) await flush();
  };
  const flush = async (): Promise<void> => {
    if (pending.length > 0) await store.appendToStreams(pending);
    pending = [];
  };
  const establish = (unitId: string, kind: string, level: string, parentId: string | null, code: string) =>
    push(one(`orgUnit-${unitId}`, event('OrgUnitEstablished', { unitId, code, name: `Đơn vị ${code}`, kind, level, parentId, establishedOn: '2000-01-01' }, '2000-01-01')));

  await establish(t.top, t.topLevel === 'national' ? 'confederation' : 'provincial_federation', t.topLevel, null, 'TOP');
  for (const [i, p] of t.provinces.entries()) await establish(p, 'provincial_federation', 'provincial', t.top, `P${i}`);
  for (const [i, d] of t.districts.entries()) await establish(d.id, 'district_federation', 'district', d.parent, `D${String(i).padStart(4, '0')}`);
  for (const [i, g] of t.grassroots.entries()) await establish(g.id, 'grassroots_union', 'grassroots', g.district, `G${String(i).padStart(6, '0')}`);

  const members: string[][] = [];
  let n = 0;
  for (const [i, g] of t.grassroots.entries()) {
    const ids: string[] = [];
    for (let k = 0; k < membersPerUnit(i); k++, n++) {
      const memberId = randomUUID();
      ids.push(memberId);
      const joinedOn = `${2005 + (mix(n) % 19)}-0${1 + (mix(n + 1) % 9)}-1${mix(n + 2) % 9}`;
      await push(one(`member-${memberId}`, event('MemberEnrolled', { memberId, unitId: g.id, fullName: `Đoàn viên ${n}`, memberCode: `M${n}`, joinedOn }, joinedOn)));
    }
    members.push(ids);
  }

  const campaignId = randomUUID();
  const issuedOn = '2024-02-29';
  await push(
    one(
      `campaign-${campaignId}`,
      event(
        'CampaignPlanIssued',
        {
          campaignId,
          issuingUnitId: t.top,
          year: 2024,
          theme: 'Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh',
          endsOn: '2024-12-31',
          acceptsFacts: { from: issuedOn, until: '2025-01-31' },
          document: { number: '01-KH', kind: 'plan', title: 'Kế hoạch học tập chuyên đề năm 2024', issuedOn, dateAsWritten: null, issuedBy: null, signedBy: { name: 'Chủ tịch', position: 'CHỦ TỊCH' } },
          references: [],
          recipients: [],
          materials: [],
          requirements: REQUIREMENTS,
        },
        issuedOn,
      ),
    ),
  );

  // Districts: their own plan, session, action plan and reports (a few late, a few missing).
  for (const [i, d] of t.districts.entries()) {
    const h = mix(i);
    const on = day2024(70 + (h % 15));
    await push(one(`implementationPlan-${campaignId}_${d.id}`, event('ImplementationPlanIssued', { campaignId, unitId: d.id, document: { number: `${i}/KH`, title: null, issuedOn: on, signedBy: { name: 'Chủ tịch', position: 'CHỦ TỊCH' } } }, on)));
    const sessionId = randomUUID();
    await push(one(`studySession-${sessionId}`, event('StudySessionHeld', { sessionId, campaignId, unitId: d.id, heldOn: day2024(80), format: 'in_person', title: 'Hội nghị quán triệt', presenter: null, materials: [], attendeeMemberIds: [] }, day2024(80))));
    await push(one(`actionPlan-${campaignId}_${d.id}`, event('ActionPlanAdopted', { campaignId, unitId: d.id, adoptedOn: day2024(95), tasks: [{ taskId: randomUUID(), title: 'Nhiệm vụ', responsible: 'BTV', dueOn: '2024-10-01', focal: true }] }, day2024(95))));
    for (const [k, kind] of (['study_results', 'semi_annual', 'annual'] as const).entries()) {
      if ((h >> k) % 7 === 0) continue;
      const reportId = randomUUID();
      const submittedOn = kind === 'annual' ? day2024(300 + (h % 20)) : day2024(118 + ((h >> 3) % 10));
      await push(one(`report-${reportId}`, event('ReportSubmitted', { reportId, campaignId, unitId: d.id, kind, submittedTo: t.top, submittedOn, figures: {}, narrative: 'Báo cáo' }, submittedOn)));
    }
  }

  // Grassroots: two sessions, a pledge from nearly every member, an action plan.
  for (const [i, g] of t.grassroots.entries()) {
    const ids = members[i]!;
    const h = mix(i + 7);
    for (const [k, heldOn] of [day2024(75 + (h % 10)), day2024(95 + (h % 20))].entries()) {
      const sessionId = randomUUID();
      const attendees = ids.filter((_, j) => (mix(i * 31 + j * 7 + k) % 100) < 70);
      await push(one(`studySession-${sessionId}`, event('StudySessionHeld', { sessionId, campaignId, unitId: g.id, heldOn, format: 'in_person', title: 'Học tập chuyên đề', presenter: null, materials: [], attendeeMemberIds: attendees }, heldOn)));
    }
    for (const [j, memberId] of ids.entries()) {
      const r = mix(i * 1009 + j);
      if (r % 50 === 0) continue;
      const pledgeId = randomUUID();
      const submittedOn = day2024(75 + (r % 40));
      const items = r % 23 === 0 ? ['Học tập'] : ['Học tập', 'Làm theo'];
      await push(one(`pledge-${pledgeId}`, event('PledgeSubmitted', { pledgeId, campaignId, memberId, unitId: g.id, items, submittedOn, submittedTo: 'Chi bộ' }, submittedOn)));
    }
    if (h % 9 !== 0) {
      const adoptedOn = day2024(90 + (h % 40));
      await push(one(`actionPlan-${campaignId}_${g.id}`, event('ActionPlanAdopted', { campaignId, unitId: g.id, adoptedOn, tasks: [{ taskId: randomUUID(), title: 'Nhiệm vụ', responsible: 'BCH', dueOn: '2024-10-01', focal: h % 4 !== 0 }] }, adoptedOn)));
    }
  }
  await flush();
  return { campaignId, events: count };
}

async function percentiles(label: string, runs: number, work: (i: number) => Promise<unknown>, limitMs: number): Promise<number> {
  for (let i = 0; i < 5; i++) await work(i);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await work(i);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  const p99 = at(0.99);
  console.log(
    `${label.padEnd(66)} p50 ${at(0.5).toFixed(1).padStart(7)} ms  p99 ${p99.toFixed(1).padStart(7)} ms  max ${at(1).toFixed(1).padStart(7)} ms  (${runs} runs; target p99 < ${limitMs} ms: ${p99 < limitMs ? 'met' : 'NOT MET'})`,
  );
  return p99;
}

async function seconds<T>(work: () => Promise<T>): Promise<[T, number]> {
  const start = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - start) / 1e9];
}

async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Generates one data set, projects it, and hands the views to `measure`. */
async function withDataSet(
  adminUrl: string,
  name: string,
  t: Tree,
  membersPerUnit: (i: number) => number,
  measure: (ds: DataSource, store: PostgresEventStore, progress: ProjectionProgress, campaignId: string) => Promise<void>,
): Promise<void> {
  const url = await freshDatabase(adminUrl, name);
  const ds = createDataSource(url, 10);
  await ds.initialize();
  await ds.runMigrations();
  const store = new PostgresEventStore({ connectionString: url, poolSize: 4 });
  const [{ campaignId, events }, generated] = await seconds(() => generate(store, t, membersPerUnit));
  console.log(`${name}: generated ${events.toLocaleString('en')} events in ${generated.toFixed(1)} s (${Math.round(events / generated)} events/s, atomic appends of ${BATCH} streams)`);
  const progress = new ProjectionProgress(ds, url);
  const projections = [new OrgStructureProjection(), new MembershipProjection(), new ComplianceProjection()];
  const head = await store.headPosition();
  const runners = projections.map((p) => new ProjectionRunner(p, ds, store, { batchSize: 500, lockRetryMs: 100, controlPollMs: 1000, log: () => undefined }));
  const [, projected] = await seconds(async () => {
    runners.forEach((r) => r.start());
    await progress.waitFor(projections.map((p) => p.name), head, 6 * 3600_000);
  });
  await Promise.all(runners.map((r) => r.stop()));
  const [{ versions }] = await ds.query(`SELECT count(*)::int AS versions FROM compliance_versions`);
  console.log(`${name}: organisation, membership and compliance views projected from position 0 in ${projected.toFixed(1)} s (${versions.toLocaleString('en')} compliance rows)`);
  // A served database has been vacuumed and analysed by autovacuum since its rows were written: so is this one.
  await ds.query('VACUUM ANALYZE');
  await measure(ds, store, progress, campaignId);
  await progress.close();
  await store.close();
  await ds.destroy();
}

const DATES = ['2024-03-15', '2024-03-31', '2024-04-10', '2024-04-20', '2024-05-06', '2024-06-30', '2024-09-30', '2024-12-31'];

export async function viewMeasures(adminUrl: string): Promise<void> {
  console.log('');
  console.log('Part 3: compliance views, snapshots and exports at scale');
  const province = tree(PROVINCE_UNITS, false);
  const perUnit = Math.floor(PROVINCE_MEMBERS / PROVINCE_UNITS);
  await withDataSet(adminUrl, 'bench_province', province, (i) => perUnit + (i < PROVINCE_MEMBERS - perUnit * PROVINCE_UNITS ? 1 : 0), async (ds, store, progress, campaignId) => {
    const scope = { unitId: province.top };
    const view = new GetComplianceHandler(ds, progress, store);
    const ask = (unitId: string, asOf: string, knownAt: Date | null = null) =>
      view.execute(new GetComplianceQuery({ scope, campaignId, asOf, knownAt, minPosition: null }, unitId));
    const first = await ask(province.top, '2024-12-31');
    if (first.subtree.total !== province.districts.length + province.grassroots.length) throw new Error(`the province view counts ${first.subtree.total} units`);
    console.log(`province view as of 2024-12-31: ${first.figures.members.toLocaleString('en')} members, subtree ${JSON.stringify(first.subtree.byStatus)}`);
    // The limit to compare with: the one aggregate statement the view is built on, alone.
    const campaign = await campaignAt(ds, campaignId, '2024-06-30', null);
    const floor = await percentiles(`limit: the rollup statement alone (${first.subtree.total} units)`, QUERY_RUNS, () => rollups(ds, campaign, [province.top], '2024-06-30', null), 50);
    const p99 = await percentiles(`province view, as of a date (8 dates of the year)`, QUERY_RUNS, (i) => ask(province.top, DATES[i % DATES.length]!), 50);
    console.log(`  = ${(p99 / floor).toFixed(2)} × the rollup statement's p99`);
    // Half-way through the campaign's facts: the changes of knowledge recorded after its plan.
    const mid = (
      await ds.query(
        `WITH after AS (SELECT known_since, position FROM compliance_knowledge WHERE position >= (SELECT (plan->>'issuedPosition')::bigint FROM compliance_campaigns WHERE campaign_id = $1))
         SELECT known_since FROM after ORDER BY position OFFSET (SELECT count(*) / 2 FROM after) LIMIT 1`,
        [campaignId],
      )
    )[0]?.known_since as Date;
    await percentiles(`province view, as of a date, as known half-way through the campaign's facts`, QUERY_RUNS, (i) => ask(province.top, DATES[i % DATES.length]!, mid), 50);
    await percentiles(`district view (${DISTRICT_SIZE} units), as of a date`, QUERY_RUNS, (i) => ask(province.districts[i % province.districts.length]!.id, DATES[i % DATES.length]!), 50);
    await percentiles(`grassroots view, as of a date`, QUERY_RUNS, (i) => ask(province.grassroots[(i * 37) % province.grassroots.length]!.id, DATES[i % DATES.length]!), 50);
    const children = new ListChildrenComplianceHandler(ds, progress, store);
    await percentiles(`children of the province (${province.districts.length} districts with their subtrees)`, 30, (i) =>
      children.execute(new ListChildrenComplianceQuery({ scope, campaignId, asOf: DATES[i % DATES.length]!, knownAt: null, minPosition: null }, province.top, { status: null, level: null }, 100, null)),
      500,
    );

    const snapshots = new PeriodSnapshots(ds, store, progress);
    const context = { actor: { id: 'bench', role: 'upstream', scopeUnitId: province.top }, correlationId: randomUUID(), causationId: null, idempotencyKey: null, requestHash: null, ifMatch: null };
    const [sealed, sealSeconds] = await seconds(() => snapshots.seal(scope, campaignId, { unitId: province.top, asOf: '2024-06-30', knownAt: null }, context));
    console.log(`snapshot of the whole province (${sealed.answer.units} units) sealed in ${sealSeconds.toFixed(2)} s (target < 5 s: ${sealSeconds < 5 ? 'met' : 'NOT MET'})`);
    const [, exportSeconds] = await seconds(async () => {
      let bytes = 0;
      const sink = new Writable({ write: (chunk: Buffer, _e, done) => ((bytes += chunk.length), done()) });
      await writeCsv(ds, { campaign, unitId: province.top, unitName: 'Tỉnh', asOf: '2024-06-30', knowledge: null, knownAt: new Date().toISOString() }, sink);
      return bytes;
    });
    console.log(`CSV export of the whole province: ${exportSeconds.toFixed(2)} s`);
  });

  const nation = tree(NATION_UNITS, true);
  await withDataSet(adminUrl, 'bench_nation', nation, () => NATION_MEMBERS_PER_UNIT, async (ds, store, progress, campaignId) => {
    const view = new GetComplianceHandler(ds, progress, store);
    const first = await view.execute(new GetComplianceQuery({ scope: { unitId: null }, campaignId, asOf: '2024-12-31', knownAt: null, minPosition: null }, nation.top));
    console.log(`national view: ${first.subtree.total.toLocaleString('en')} units below, ${JSON.stringify(first.subtree.byStatus)}`);
    const campaign = await campaignAt(ds, campaignId, '2024-06-30', null);
    const floor = await percentiles(`limit: the rollup statement alone (${first.subtree.total} units)`, 20, () => rollups(ds, campaign, [nation.top], '2024-06-30', null), 500);
    const p99 = await percentiles(`national rollup, as of a date`, 20, (i) =>
      view.execute(new GetComplianceQuery({ scope: { unitId: null }, campaignId, asOf: DATES[i % DATES.length]!, knownAt: null, minPosition: null }, nation.top)),
      500,
    );
    console.log(`  = ${(p99 / floor).toFixed(2)} × the rollup statement's p99`);
  });
}
