import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { JwtService } from '@nestjs/jwt';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { MembershipProjection } from '../read-models/membership/membership.projection.js';
import { OrgStructureProjection } from '../read-models/org-structure/org-structure.projection.js';
import { GetOrgUnitHandler, GetOrgUnitQuery, ListChildUnitsHandler, ListChildUnitsQuery } from '../read-models/org-structure/org-unit.queries.js';

/**
 * First throughput figures of the event store and a projection, on one PostgreSQL:
 * `npm run bench` (embedded PostgreSQL in a temporary directory, or BENCH_DATABASE_URL).
 * Sizes: BENCH_APPENDS (single-event appends), BENCH_CONCURRENCY, BENCH_MEMBERS (members
 * enrolled across a province of 4,041 units, replayed by the projections, then counted by
 * the as-of queries), BENCH_COMMANDS (renames through HTTP by each kind of caller).
 */
const APPENDS = Number(process.env.BENCH_APPENDS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 100000);
/** Commands through HTTP for each kind of caller (at most half the province's 4,000 grassroots units). */
const COMMANDS = Math.min(2000, Number(process.env.BENCH_COMMANDS ?? 1000));

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
    embedded = await startEmbeddedPostgres({ dataDir: join(root, 'pg'), port: 54399, database: 'bench', persistent: false });
    url = embedded.url;
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

  const getUnit = new GetOrgUnitHandler(ds, progress);
  // Read as the province's leadership would: scoped to the province, filtered in SQL.
  const scope = { unitId: provinceId };
  const children = new ListChildUnitsHandler(ds, progress);
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

  await httpCommands(url, grassroots.map((g) => g.unitId), provinceId);

  await progress.close();
  await store.close();
  await ds.destroy();
  await embedded?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
}

/**
 * Renames through HTTP, by an administrator over everything (no scope check) and by an
 * officer of the province (the scope check walks each unit's chain from the event streams,
 * under shared locks): what access control costs a command.
 */
async function httpCommands(url: string, unitIds: readonly string[], provinceId: string): Promise<void> {
  const secret = randomBytes(32).toString('base64url');
  const service = await createService(loadConfig({ DATABASE_URL: url, AUTH_JWT_SECRET: secret, LOG_LEVEL: 'error' }));
  try {
    await service.app.listen(0, '127.0.0.1');
    const address = service.app.getHttpServer().address() as AddressInfo;
    const now = Math.floor(Date.now() / 1000);
    const jwt = new JwtService();
    const token = (claims: object) => jwt.sign({ ...claims, iat: now, exp: now + 3600 }, { secret, algorithm: 'HS256' });
    const callers = [
      { label: 'admin over everything', token: token({ sub: 'bench-admin', role: 'admin' }), units: unitIds.slice(0, COMMANDS) },
      {
        label: 'officer of the province',
        token: token({ sub: 'bench-officer', role: 'officer', unit: provinceId }),
        units: unitIds.slice(COMMANDS, 2 * COMMANDS),
      },
    ];
    for (const caller of callers) {
      await timed(`http: renames by an ${caller.label}`, caller.units.length, 'cmds', () =>
        pool(caller.units, CONCURRENCY, async (unitId) => {
          const res = await fetch(`http://127.0.0.1:${address.port}/org-units/${unitId}/rename`, {
            method: 'POST',
            headers: { authorization: `Bearer ${caller.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ name: `Renamed ${unitId.slice(0, 8)}`, effectiveOn: '2024-01-01' }),
          });
          if (res.status !== 200) throw new Error(`rename answered ${res.status}: ${await res.text()}`);
        }),
      );
    }
  } finally {
    await service.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
