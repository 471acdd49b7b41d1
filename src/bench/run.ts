import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { JwtService } from '@nestjs/jwt';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { createService } from '../bootstrap.js';
import { loadConfig } from '../config/app-config.js';
import { createDataSource } from '../infrastructure/database/data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../infrastructure/database/embedded-postgres.js';
import type { NewEvent } from '../infrastructure/event-store/event-store.port.js';
import { PostgresEventStore } from '../infrastructure/event-store/postgres/postgres-event-store.js';
import { ProjectionProgress } from '../infrastructure/projections/projection-progress.js';
import { ProjectionRunner } from '../infrastructure/projections/projection-runner.js';
import { ProjectionsService } from '../infrastructure/projections/projections.service.js';
import { MembershipProjection } from '../read-models/membership/membership.projection.js';
import { OrgStructureProjection } from '../read-models/org-structure/org-structure.projection.js';
import { GetOrgUnitHandler, GetOrgUnitQuery, ListChildUnitsHandler, ListChildUnitsQuery } from '../read-models/org-structure/org-unit.queries.js';
import { CeilingDatabase, prepareCeilingTables, startCeiling } from './ceiling.js';
import { closedLoop, type CpuUse, type Figures, figures, HttpLoad, type HttpRequest, type LoopResult, watchCpu } from './load.js';
import { CpuProfiler, PgStatements, preloadPgStatStatements, PROBE } from './profiling.js';
import { viewMeasures } from './views.js';

/**
 * Throughput figures of the event store, the projections and the HTTP commands, on one
 * PostgreSQL: `npm run bench` (embedded PostgreSQL in a temporary directory, or
 * BENCH_DATABASE_URL).
 *
 * Part 1, the store: BENCH_APPENDS (single-event appends, and raw INSERTs to compare with),
 * BENCH_CONCURRENCY, BENCH_MEMBERS (members enrolled across a province of 4,041 units,
 * replayed by the projections, then counted by the as-of queries).
 *
 * Part 2, at BENCH_HTTP_CLIENTS concurrent clients (16), BENCH_HTTP_REQUESTS measured
 * operations each (3000) after BENCH_HTTP_WARMUP uncounted ones (300): raw single-row
 * INSERTs; the framework's ceiling (a minimal NestJS app: JWT guard, validated DTO,
 * CommandBus, one SELECT and one INSERT); and the service's own commands through HTTP, with
 * authentication, validation and scope checks, its projections running, each as a share
 * of the ceiling.
 *
 * Part 3 (views.ts): the compliance views, snapshots and exports on a generated province and
 * nation; BENCH_PARTS=views runs it alone.
 *
 * Profiling aids (opt-in): BENCH_PG_STATEMENTS=1 (pg_stat_statements: top statements and
 * round trips per operation of each part-2 measure), BENCH_CPU_PROFILE=<dir> (a V8 CPU
 * profile of each part-2 measure, <dir>/<measure>.cpuprofile, and its top self-time functions).
 */
const APPENDS = Number(process.env.BENCH_APPENDS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 100000);
const HTTP_CLIENTS = Number(process.env.BENCH_HTTP_CLIENTS ?? 16);
const HTTP_REQUESTS = Number(process.env.BENCH_HTTP_REQUESTS ?? 3000);
const HTTP_WARMUP = Number(process.env.BENCH_HTTP_WARMUP ?? 300);
/** Commands sent to the service before its first measure, per kind of caller (uncounted). */
const SERVICE_WARMUP = Number(process.env.BENCH_SERVICE_WARMUP ?? 1000);
/** BENCH_PARTS=views runs part 3 alone (the views at scale). */
const ONLY_VIEWS = process.env.BENCH_PARTS === 'views';
const PG_STATEMENTS = ['1', 'true', 'yes'].includes((process.env.BENCH_PG_STATEMENTS ?? '').toLowerCase());
const CPU_PROFILE = process.env.BENCH_CPU_PROFILE || null;
/** The credentials `startEmbeddedPostgres` gives the clusters it creates (for the pg_stat_statements pre-initialisation). */
const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'postgres';

function event(type: string, data: object, occurredOn: string | null = null): NewEvent {
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    data,
    occurredOn,
    metadata: { actor: { id: 'bench', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
  };
}

async function timed(label: string, count: number, unit: string, work: () => Promise<void>): Promise<void> {
  const start = process.hrtime.bigint();
  await work();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(`${label.padEnd(58)} ${String(count).padStart(8)} ${unit.padEnd(7)} ${seconds.toFixed(2).padStart(7)} s ${Math.round(count / seconds).toString().padStart(9)} ${unit}/s`);
}

async function latency(label: string, runs: number, work: () => Promise<unknown>): Promise<void> {
  await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await work();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
  console.log(`${label.padEnd(66)} p50 ${at(0.5).padStart(6)} ms  p95 ${at(0.95).padStart(6)} ms  max ${at(1).padStart(6)} ms  (${runs} runs)`);
}

async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

async function main(): Promise<void> {
  let embedded: EmbeddedDatabase | null = null;
  let root: string | null = null;
  let url = process.env.BENCH_DATABASE_URL;
  if (!url) {
    root = mkdtempSync(join(tmpdir(), 'usl-bench-'));
    chmodSync(root, 0o755);
    if (PG_STATEMENTS) {
      const unavailable = await preloadPgStatStatements(join(root, 'pg'), EMBEDDED_USER, EMBEDDED_PASSWORD);
      if (unavailable) console.log(`BENCH_PG_STATEMENTS: ${unavailable}; pg_stat_statements skipped`);
    }
    embedded = await startEmbeddedPostgres({ dataDir: join(root, 'pg'), port: 54399, database: 'bench', persistent: false });
    url = embedded.url;
  }
  if (ONLY_VIEWS) {
    await viewMeasures(url);
    await embedded?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
    return;
  }
  const ds: DataSource = createDataSource(url, 20);
  await ds.initialize();
  await ds.runMigrations();
  const store = new PostgresEventStore({ connectionString: url, poolSize: CONCURRENCY + 2 });
  console.log(`PostgreSQL: ${(await ds.query('SHOW server_version'))[0].server_version}; concurrency ${CONCURRENCY}`);

  // The floor to compare with: plain single-row INSERTs of the same payload, same concurrency.
  await ds.query(`CREATE TABLE IF NOT EXISTS bench_raw (id uuid PRIMARY KEY, data jsonb NOT NULL, metadata jsonb NOT NULL)`);
  const raw = new pg.Pool({ connectionString: url, max: CONCURRENCY });
  await timed(`raw: single-row INSERT (autocommit), for comparison`, APPENDS, 'rows', () =>
    pool(Array.from({ length: APPENDS }, (_, i) => i), CONCURRENCY, async (i) => {
      const e = event('BenchHappened', { i });
      await raw.query(`INSERT INTO bench_raw (id, data, metadata) VALUES ($1, $2, $3)`, [e.id, e.data, e.metadata]);
    }),
  );
  await raw.end();

  await timed(`store: single-event appends, new streams (no_stream)`, APPENDS, 'events', () =>
    pool(Array.from({ length: APPENDS }, (_, i) => i), CONCURRENCY, async (i) => {
      await store.appendToStream(`bench-${randomUUID()}`, [event('BenchHappened', { i })], 'no_stream');
    }),
  );

  const streams = Array.from({ length: CONCURRENCY * 4 }, () => `bench-${randomUUID()}`);
  await timed(`store: single-event appends, existing streams (exact rev.)`, APPENDS, 'events', async () => {
    const revisions = new Map<string, bigint | 'no_stream'>(streams.map((s) => [s, 'no_stream']));
    await pool(Array.from({ length: APPENDS }, (_, i) => i), CONCURRENCY, async (i) => {
      const stream = streams[i % streams.length]!;
      for (;;) {
        const expected = revisions.get(stream)!;
        try {
          const r = await store.appendToStream(stream, [event('BenchHappened', { i })], expected);
          revisions.set(stream, r.streamRevision);
          return;
        } catch {
          const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
          revisions.set(stream, last ? last.streamRevision : 'no_stream');
        }
      }
    });
  });

  // A province as large as a big real one in units: 40 districts of 100 grassroots unions.
  const provinceId = randomUUID();
  const districts = Array.from({ length: 40 }, () => randomUUID());
  const grassroots = districts.flatMap((districtId) => Array.from({ length: 100 }, () => ({ districtId, unitId: randomUUID() })));
  const established = (unitId: string, kind: string, level: string, parentId: string | null) => ({
    stream: `orgUnit-${unitId}`,
    expectedRevision: 'no_stream' as const,
    events: [event('OrgUnitEstablished', { unitId, code: unitId.slice(0, 8), name: `Unit ${unitId.slice(0, 8)}`, kind, level, parentId, establishedOn: '2000-01-01' }, '2000-01-01')],
  });
  const units = [
    established(provinceId, 'provincial_federation', 'provincial', null),
    ...districts.map((id) => established(id, 'district_federation', 'district', provinceId)),
    ...grassroots.map((g) => established(g.unitId, 'grassroots_union', 'grassroots', g.districtId)),
  ];
  const batch = 1000;
  await timed(`store: ${units.length} org units, atomic batches of ${batch} streams`, units.length, 'events', async () => {
    for (let offset = 0; offset < units.length; offset += batch) await store.appendToStreams(units.slice(offset, offset + batch));
  });
  await timed(`store: member enrolments, atomic batches of ${batch} streams`, MEMBERS, 'events', async () => {
    for (let offset = 0; offset < MEMBERS; offset += batch) {
      const appends = Array.from({ length: Math.min(batch, MEMBERS - offset) }, (_, i) => {
        const memberId = randomUUID();
        const n = offset + i;
        const joinedOn = `${2001 + (n % 24)}-${String(1 + (n % 12)).padStart(2, '0')}-${String(1 + (n % 28)).padStart(2, '0')}`;
        return {
          stream: `member-${memberId}`,
          expectedRevision: 'no_stream' as const,
          events: [event('MemberEnrolled', { memberId, unitId: grassroots[n % grassroots.length]!.unitId, fullName: `Member ${n}`, memberCode: `M${n}`, joinedOn }, joinedOn)],
        };
      });
      await store.appendToStreams(appends);
    }
  });

  const progress = new ProjectionProgress(ds, url);
  const head = await store.headPosition();
  const projections = [new OrgStructureProjection(), new MembershipProjection()];
  const runners = projections.map(
    (p) => new ProjectionRunner(p, ds, store, { batchSize: 500, lockRetryMs: 100, controlPollMs: 1000, log: () => undefined }),
  );
  await timed(`projection: org structure and membership from position 0`, MEMBERS + units.length, 'events', async () => {
    runners.forEach((r) => r.start());
    await progress.waitFor(projections.map((p) => p.name), head, 600_000);
  });
  await Promise.all(runners.map((r) => r.stop()));
  // After a bulk load the planner's statistics are stale until autovacuum comes by; a served
  // database has them: gather them now, so that no measure runs on plans made for empty tables.
  await ds.query('ANALYZE');

  const getUnit = new GetOrgUnitHandler(ds, progress, store);
  // Read as the province's leadership would: scoped to the province, filtered in SQL.
  const scope = { unitId: provinceId };
  const children = new ListChildUnitsHandler(ds, progress, store);
  const province = await getUnit.execute(new GetOrgUnitQuery(scope, provinceId, '2024-12-31', null));
  if (province.members.subtree !== MEMBERS) throw new Error(`province counts ${province.members.subtree} members, expected ${MEMBERS}`);
  await latency(`query: province (${units.length} units) with subtree member count as of a date`, 30, () =>
    getUnit.execute(new GetOrgUnitQuery(scope, provinceId, '2015-06-30', null)),
  );
  await latency(`query: children of the province (40 districts, subtree counts)`, 30, () =>
    children.execute(new ListChildUnitsQuery(scope, provinceId, '2015-06-30', 100, null, null)),
  );
  await latency(`query: children of a district (100 grassroots, counts)`, 30, () =>
    children.execute(new ListChildUnitsQuery(scope, districts[0]!, '2015-06-30', 100, null, null)),
  );

  await progress.close();
  await store.close();

  await concurrentMeasures(url, { provinceId, districts, grassroots: grassroots.map((g) => g.unitId) });
  await viewMeasures(url);

  await ds.destroy();
  await embedded?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
}

interface Province {
  readonly provinceId: string;
  readonly districts: readonly string[];
  readonly grassroots: readonly string[];
}

type Kind = 'raw' | 'ceiling' | 'service';

interface Row {
  readonly label: string;
  readonly kind: Kind;
  readonly figures: Figures;
  readonly cpu: CpuUse;
  readonly roundTrips: number | null;
}

interface MeasureSpec {
  readonly label: string;
  /** File name of its CPU profile. */
  readonly slug: string;
  readonly kind: Kind;
  /** Measured operations (after HTTP_WARMUP uncounted ones). */
  readonly count: number;
  /** Runs operations `from` to `from + count - 1` at HTTP_CLIENTS concurrency (0 to HTTP_WARMUP - 1 warm up). */
  readonly run: (from: number, count: number) => Promise<LoopResult>;
  /** Resolves once the work a measure leaves behind (the projections) is done. */
  readonly settle?: () => Promise<void>;
}

/**
 * Part 2: raw INSERTs, the framework's ceiling and the service's commands, at HTTP_CLIENTS
 * concurrent clients on the same PostgreSQL. The servers run in this process, on the main
 * thread; the HTTP load generator on a worker thread of it (see HttpLoad).
 */
async function concurrentMeasures(url: string, province: Province): Promise<void> {
  const statements = PG_STATEMENTS ? await PgStatements.open(url) : null;
  const profiler = CPU_PROFILE ? new CpuProfiler(CPU_PROFILE) : null;
  const rows: Row[] = [];
  const ceiling = () => rows.find((r) => r.kind === 'ceiling')?.figures.opsPerSecond ?? null;
  const ofCeiling = (row: Row): string => {
    const c = ceiling();
    return row.kind === 'service' && c ? `${Math.round((100 * row.figures.opsPerSecond) / c)}%` : row.kind === 'ceiling' ? '100%' : '';
  };

  const measure = async (spec: MeasureSpec): Promise<void> => {
    if (HTTP_WARMUP > 0) await spec.run(0, HTTP_WARMUP);
    await spec.settle?.();
    await statements?.reset();
    await profiler?.start();
    const cpuSince = watchCpu();
    const result = await spec.run(HTTP_WARMUP, spec.count);
    const cpu = cpuSince();
    const profile = (await profiler?.stop(spec.slug)) ?? [];
    // The projections' share of the work is part of the commands' cost: counted before reading the statements.
    await spec.settle?.();
    const f = figures(result);
    const row: Row = { label: spec.label, kind: spec.kind, figures: f, cpu, roundTrips: null };
    const share = ofCeiling(row);
    console.log(
      `${`${spec.label}: ${Math.round(f.opsPerSecond)}/s${share && spec.kind === 'service' ? ` = ${share} of ceiling` : ''}`.padEnd(66)}` +
        ` p50 ${f.p50.toFixed(1).padStart(6)} ms  p99 ${f.p99.toFixed(1).padStart(6)} ms  (${f.count} in ${f.seconds.toFixed(2)} s)`,
    );
    console.log(
      `  CPU: machine ${pct(cpu.machine)} busy (${cpus().length} cores: PostgreSQL, this process, anything else running), main thread ${pct(cpu.mainThread)}` +
        (result.loaderBusy === undefined ? '' : `, load generator thread ${pct(result.loaderBusy)}`),
    );
    const report = await statements?.report(f.count);
    for (const line of profile) console.log(line);
    rows.push({ ...row, roundTrips: report?.roundTripsPerOp ?? null });
  };
  /** HTTP operations: request `i` of each measure is made beforehand, the worker only sends them. */
  const http = (load: HttpLoad, request: (i: number) => HttpRequest) => (from: number, count: number) =>
    load.run(Array.from({ length: count }, (_, k) => request(from + k)));
  const post = (path: string, token: string, body: object, expected: number): HttpRequest => ({ path, token, body: JSON.stringify(body), expected });

  const units64 = Array.from({ length: 64 }, (_, i) => province.grassroots[Math.floor((i * province.grassroots.length) / 64)]!);
  console.log(
    `\n${HTTP_CLIENTS} concurrent clients, ${HTTP_REQUESTS} measured operations per measure after ${HTTP_WARMUP} uncounted` +
      `${statements ? '; pg_stat_statements on' : ''}${profiler ? `; CPU profiles in ${CPU_PROFILE}` : ''}`,
  );

  // 1. The database's own ceiling for one-statement transactions at this concurrency.
  await withRawPool(url, async (raw) => {
    await measure({
      label: `raw INSERT of an event-like row (pg pool of ${HTTP_CLIENTS})`,
      slug: 'raw-insert',
      kind: 'raw',
      count: HTTP_REQUESTS,
      // The client is this thread itself: no HTTP, a pg pool as the service's stores have.
      run: (from, count) =>
        closedLoop(HTTP_CLIENTS, count, async (k) => {
          const i = from + k;
          const memberId = randomUUID();
          const data = { memberId, unitId: units64[i % 64], fullName: `Raw ${i}`, memberCode: `R${i}`, joinedOn: '2024-03-01' };
          const e = event('MemberEnrolled', data, '2024-03-01');
          await raw.query(
            `INSERT INTO bench_raw_events (event_id, stream, stream_revision, category, type, schema_version, data, metadata, occurred_on)
             VALUES ($1, $2, 0, 'member', $3, $4, $5, $6, $7)`,
            [e.id, `member-${memberId}`, e.type, e.schemaVersion, e.data, e.metadata, e.occurredOn],
          );
        }),
    });

    // 2. The framework's ceiling: the least a NestJS command endpoint of this shape costs.
    const secret = randomBytes(32).toString('base64url');
    await prepareCeilingTables(raw, units64);
    const app = await startCeiling(secret, new CeilingDatabase(raw));
    const load = new HttpLoad(app.port, HTTP_CLIENTS);
    const token = signer(secret)({ sub: 'bench-ceiling', role: 'officer', unit: province.provinceId });
    try {
      await measure({
        label: 'ceiling: NestJS + JWT guard + DTO + CommandBus + SELECT/INSERT',
        slug: 'ceiling',
        kind: 'ceiling',
        count: HTTP_REQUESTS,
        run: http(load, (i) =>
          post('/ceiling/members', token, { memberId: randomUUID(), unitId: units64[i % 64], fullName: `Member ${i}`, memberCode: `C${i}`, joinedOn: '2024-03-01' }, 201),
        ),
      });
    } finally {
      await load.close();
      await app.close();
    }
  });

  // 3. The service's commands, through the service as `npm start` builds it (createService:
  // helmet, authentication middleware, validation, scope checks under advisory locks, its own
  // pools, and its projections running), with a token of the province's officer or an admin.
  const secret = randomBytes(32).toString('base64url');
  const service = await createService(loadConfig({ DATABASE_URL: url, AUTH_JWT_SECRET: secret, LOG_LEVEL: 'error' }));
  const probe = new pg.Client({ connectionString: url });
  await probe.connect();
  try {
    await service.app.listen(0, '127.0.0.1');
    const load = new HttpLoad((service.app.getHttpServer().address() as AddressInfo).port, HTTP_CLIENTS);
    const projections = service.app.get(ProjectionsService).names();
    // Its projections start where part 1 left them (caught up): wait until they are at the head, then leave them running.
    const settle = () => projectionsCaughtUp(probe, projections, 120_000);
    await settle();
    const sign = signer(secret);
    const officer = sign({ sub: 'bench-officer', role: 'officer', unit: province.provinceId });
    const admin = sign({ sub: 'bench-admin', role: 'admin' });
    const enrol = (token: string, tag: string, unitOf: (i: number) => string) =>
      http(load, (i) => post('/members', token, { unitId: unitOf(i), fullName: `Member ${tag} ${i}`, memberCode: `${tag}-${i}`, joinedOn: '2024-03-01' }, 201));
    const spread = (i: number) => units64[i % 64]!;
    const oneUnit = province.grassroots[1]!;
    const renamed = [...province.grassroots, ...province.districts];
    try {
      // The service's first requests run cold (JIT, plans, pools): a warm-up of both kinds of caller, not measured.
      await enrol(admin, 'WA', spread)(0, SERVICE_WARMUP);
      await enrol(officer, 'WO', spread)(0, SERVICE_WARMUP);
      await settle();
      await measure({ label: 'enrol across 64 units (officer)', slug: 'enrol-64-officer', kind: 'service', count: HTTP_REQUESTS, settle, run: enrol(officer, 'O64', spread) });
      await measure({ label: 'enrol across 64 units (admin)', slug: 'enrol-64-admin', kind: 'service', count: HTTP_REQUESTS, settle, run: enrol(admin, 'A64', spread) });
      await measure({ label: 'enrol into 1 unit (officer)', slug: 'enrol-1-officer', kind: 'service', count: HTTP_REQUESTS, settle, run: enrol(officer, 'O1', () => oneUnit) });
      await measure({
        label: 'rename a unit, each once (officer)',
        slug: 'rename-officer',
        kind: 'service',
        count: Math.min(HTTP_REQUESTS, renamed.length - HTTP_WARMUP),
        settle,
        run: http(load, (i) => post(`/org-units/${renamed[i]}/rename`, officer, { name: `Renamed ${i}`, effectiveOn: '2024-01-01' }, 200)),
      });
    } finally {
      await load.close();
    }
  } finally {
    await probe.end();
    await service.close();
    await statements?.close();
  }

  console.log(`\nSummary (${HTTP_CLIENTS} clients, ${HTTP_REQUESTS} operations per measure, one PostgreSQL):`);
  const header = `${'measure'.padEnd(64)} ${'ops/s'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'of ceiling'.padStart(10)} ${'main thr.'.padStart(9)} ${'machine'.padStart(7)}`;
  console.log(`${header}${statements ? ` ${'round trips/op'.padStart(14)}` : ''}`);
  for (const row of rows) {
    const f = row.figures;
    console.log(
      `${row.label.padEnd(64)} ${Math.round(f.opsPerSecond).toString().padStart(7)} ${f.p50.toFixed(1).padStart(8)} ${f.p99.toFixed(1).padStart(8)} ${ofCeiling(row).padStart(10)}` +
        ` ${pct(row.cpu.mainThread).padStart(9)} ${pct(row.cpu.machine).padStart(7)}` +
        (statements ? ` ${(row.roundTrips?.toFixed(2) ?? '').padStart(14)}` : ''),
    );
  }
}

const pct = (share: number): string => `${Math.round(100 * share)}%`;

/** A pool of HTTP_CLIENTS connections and the event-like table of the raw measure. */
async function withRawPool(url: string, work: (pool: pg.Pool) => Promise<void>): Promise<void> {
  const pool = new pg.Pool({ connectionString: url, max: HTTP_CLIENTS });
  try {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS bench_raw_events (
         position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid NOT NULL UNIQUE, stream text NOT NULL,
         stream_revision bigint NOT NULL, category text NOT NULL, type text NOT NULL, schema_version integer NOT NULL,
         data jsonb NOT NULL, metadata jsonb NOT NULL, occurred_on date, recorded_at timestamptz NOT NULL DEFAULT statement_timestamp(),
         UNIQUE (stream, stream_revision))`,
    );
    await work(pool);
  } finally {
    await pool.end();
  }
}

/** Signs bearer tokens valid for an hour, as `npm run token` would. */
function signer(secret: string): (claims: object) => string {
  const jwt = new JwtService();
  const now = Math.floor(Date.now() / 1000);
  return (claims) => jwt.sign({ ...claims, iat: now, exp: now + 3600 }, { secret, algorithm: 'HS256' });
}

/**
 * Waits until every projection has processed the head of the log. Its statement carries
 * PROBE, so that pg_stat_statements leaves it out of the service's counts.
 */
async function projectionsCaughtUp(client: pg.Client, projections: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await client.query<{ head: string; reached: string | null; n: string }>(
      `SELECT ${PROBE}.head, ${PROBE}.reached, ${PROBE}.n
         FROM (SELECT (SELECT coalesce(max(position), 0) FROM es_events) AS head,
                      (SELECT min(position) FROM projection_checkpoints WHERE projection = ANY($1)) AS reached,
                      (SELECT count(*) FROM projection_checkpoints WHERE projection = ANY($1)) AS n) ${PROBE}`,
      [projections],
    );
    const r = rows[0]!;
    if (Number(r.n) === projections.length && r.reached !== null && BigInt(r.reached) >= BigInt(r.head)) return;
    if (Date.now() > deadline) throw new Error(`the projections did not catch up within ${timeoutMs / 1000} s (at ${r.reached ?? 'none'}, head ${r.head})`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
