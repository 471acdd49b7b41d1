import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createDataSource } from '../infrastructure/database/data-source.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../infrastructure/database/embedded-postgres.js';
import type { NewEvent } from '../infrastructure/event-store/event-store.port.js';
import { PostgresEventStore } from '../infrastructure/event-store/postgres/postgres-event-store.js';
import { ProjectionProgress } from '../infrastructure/projections/projection-progress.js';
import { ProjectionRunner } from '../infrastructure/projections/projection-runner.js';
import { MembershipProjection } from '../read-models/membership/membership.projection.js';

/**
 * First throughput figures of the event store and a projection, on one PostgreSQL:
 * `npm run bench` (embedded PostgreSQL in a temporary directory, or BENCH_DATABASE_URL).
 * Sizes: BENCH_APPENDS (single-event appends), BENCH_CONCURRENCY, BENCH_MEMBERS (events
 * the projection rebuild replays).
 */
const APPENDS = Number(process.env.BENCH_APPENDS ?? 5000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 50000);

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

  const unitId = randomUUID();
  const batch = 1000;
  await timed(`store: member enrolments, atomic batches of ${batch} streams`, MEMBERS, 'events', async () => {
    for (let offset = 0; offset < MEMBERS; offset += batch) {
      const appends = Array.from({ length: Math.min(batch, MEMBERS - offset) }, (_, i) => {
        const memberId = randomUUID();
        return {
          stream: `member-${memberId}`,
          expectedRevision: 'no_stream' as const,
          events: [event('MemberEnrolled', { memberId, unitId, fullName: `Member ${offset + i}`, memberCode: `M${offset + i}`, joinedOn: '2024-01-15' }, '2024-01-15')],
        };
      });
      await store.appendToStreams(appends);
    }
  });

  const progress = new ProjectionProgress(ds, url);
  const head = await store.headPosition();
  const projection = new MembershipProjection();
  const runner = new ProjectionRunner(projection, ds, store, { batchSize: 500, lockRetryMs: 100, controlPollMs: 1000, log: () => undefined });
  await timed(`projection: membership from position 0 (batch 500)`, MEMBERS, 'events', async () => {
    runner.start();
    await progress.waitFor([projection.name], head, 600_000);
  });
  await runner.stop();
  const [{ n }] = await ds.query(`SELECT sum(delta)::int AS n FROM unit_member_deltas WHERE unit_id = $1`, [unitId]);
  if (n !== MEMBERS) throw new Error(`projection counted ${n} members, expected ${MEMBERS}`);

  await progress.close();
  await store.close();
  await ds.destroy();
  await embedded?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
