import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { schemaVersionOf } from '../../src/events/event-catalogue.js';
import { type OrgUnitRenamed, orgUnitStream } from '../../src/events/org/org-unit-events.js';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import type { StoredDomainEvent } from '../../src/infrastructure/event-store/domain-events.js';
import type { NewEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store.js';
import type { Projection } from '../../src/infrastructure/projections/projection.js';
import { ProjectionProgress } from '../../src/infrastructure/projections/projection-progress.js';
import { ProjectionRunner } from '../../src/infrastructure/projections/projection-runner.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Records each of its own events once: a second application of the same event violates the
 * key. Every ledger reads the same catalogue type (OrgUnitRenamed); an event is a ledger's
 * own when its `previousName` is the ledger's name, and `name` carries its counter.
 */
class LedgerProjection implements Projection<'OrgUnitRenamed'> {
  readonly handles = ['OrgUnitRenamed'] as const;
  failOn: string | null = null;

  constructor(readonly name: string) {}

  async apply(events: readonly StoredDomainEvent<OrgUnitRenamed>[], m: EntityManager): Promise<void> {
    for (const e of events) {
      if (e.data.previousName !== this.name) continue;
      await m.query(`INSERT INTO test_ledger (projection, event_id, n) VALUES ($1, $2, $3)`, [this.name, e.id, Number(e.data.name)]);
      if (this.failOn === e.id) throw new Error('simulated crash in the middle of a batch');
    }
  }

  async reset(m: EntityManager): Promise<void> {
    await m.query(`DELETE FROM test_ledger WHERE projection = $1`, [this.name]);
  }
}

/** Event `n` of the ledger `name`: a well-formed OrgUnitRenamed carrying both. */
function counted(n: number, name: string, unitId: string = randomUUID()): NewEvent {
  const data: OrgUnitRenamed['data'] = { unitId, name: String(n), previousName: name, effectiveOn: '2024-01-01' };
  return {
    id: randomUUID(),
    type: 'OrgUnitRenamed',
    schemaVersion: schemaVersionOf('OrgUnitRenamed'),
    data,
    occurredOn: data.effectiveOn,
    metadata: { actor: { id: 't', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
  };
}

describe('projection runner', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let store: PostgresEventStore;
  let progress: ProjectionProgress;
  const runners: ProjectionRunner[] = [];
  const logs: string[] = [];
  const options = { batchSize: 7, lockRetryMs: 100, controlPollMs: 100, log: (_: string, m: string) => void logs.push(m) };

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url);
    await ds.initialize();
    await ds.query(`CREATE TABLE test_ledger (projection text, event_id uuid, n int, PRIMARY KEY (projection, event_id))`);
    store = new PostgresEventStore({ connectionString: db.url, pollIntervalMs: 100 });
    progress = new ProjectionProgress(ds, db.url);
  });
  afterEach(async () => {
    await Promise.all(runners.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await progress.close();
    await store.close();
    await ds.destroy();
    await db.drop();
  });

  async function appendCounted(count: number, name: string, from = 0): Promise<bigint> {
    let last = 0n;
    for (let i = from; i < from + count; i++) {
      const unitId = randomUUID();
      last = (await store.appendToStream(orgUnitStream(unitId), [counted(i, name, unitId)], 'no_stream')).position;
    }
    return last;
  }

  function run(projection: Projection): ProjectionRunner {
    const runner = new ProjectionRunner(projection, ds, store, options);
    runners.push(runner);
    runner.start();
    return runner;
  }

  async function ledger(name: string): Promise<number[]> {
    const rows: { n: number }[] = await ds.query(`SELECT n FROM test_ledger WHERE projection = $1 ORDER BY n`, [name]);
    return rows.map((r) => r.n);
  }

  it('applies every event once, in batches, and stores the checkpoint with the writes', async () => {
    const name = `p-${randomUUID()}`;
    const last = await appendCounted(20, name);
    run(new LedgerProjection(name));
    expect(await progress.waitFor([name], last, 10000)).toBeGreaterThanOrEqual(last);
    expect(await ledger(name)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const [cp]: { events_applied: string }[] = await ds.query(`SELECT events_applied FROM projection_checkpoints WHERE projection = $1`, [name]);
    expect(Number(cp!.events_applied)).toBeGreaterThanOrEqual(20);
  });

  it('leaves neither effect nor checkpoint of a batch that fails midway, then resumes exactly once', async () => {
    const name = `p-${randomUUID()}`;
    const before = await store.headPosition();
    // Every ledger reads the same event type: let this one pass over the other ledgers'
    // events first, so that its next batch is made of its own five events alone.
    const warmUp = run(new LedgerProjection(name));
    await progress.waitFor([name], before, 10000);
    await warmUp.stop();
    const unitId = randomUUID();
    const events = Array.from({ length: 5 }, (_, i) => counted(100 + i, name, unitId));
    await store.appendToStream(orgUnitStream(unitId), events, 'no_stream');
    const projection = new LedgerProjection(name);
    projection.failOn = events[3]!.id;
    run(projection);
    await waitUntil(() => logs.some((l) => l.includes(name) && l.includes('simulated crash')));
    await waitUntil(async () => {
      const [r]: { last_error: string | null }[] = await ds.query(`SELECT last_error FROM projection_checkpoints WHERE projection = $1`, [name]);
      return r?.last_error?.includes('simulated crash') ?? false;
    });
    // The failed batch wrote events 100..103 then threw: nothing of it may remain.
    expect(await ledger(name)).toEqual([]);
    const [cp]: { position: string }[] = await ds.query(`SELECT position FROM projection_checkpoints WHERE projection = $1`, [name]);
    expect(BigInt(cp!.position) <= before).toBe(true);

    projection.failOn = null;
    const head = await store.headPosition();
    await progress.waitFor([name], head, 10000);
    expect(await ledger(name)).toEqual([100, 101, 102, 103, 104]);
    const [cleared]: { last_error: string | null }[] = await ds.query(`SELECT last_error FROM projection_checkpoints WHERE projection = $1`, [name]);
    expect(cleared!.last_error).toBeNull();
  });

  it('runs a projection on one instance only, and another takes over when the first dies', async () => {
    const name = `p-${randomUUID()}`;
    const first = run(new LedgerProjection(name));
    await waitUntil(() => first.state === 'active');
    const second = run(new LedgerProjection(name));
    await waitUntil(() => second.state === 'standby');
    expect(first.state).toBe('active');

    const p1 = await appendCounted(10, name);
    await progress.waitFor([name], p1, 10000);

    // Kill the connection holding the lock, as a crashed instance would lose it.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = hashtext($2)::oid AND granted`,
      [0x5553, name],
    );
    await admin.end();
    await first.stop();
    await waitUntil(() => second.state === 'active');

    const p2 = await appendCounted(10, name, 10);
    await progress.waitFor([name], p2, 10000);
    // Each of the 20 events exactly once (the ledger's key refuses a second application).
    expect(await ledger(name)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('rebuilds from the start of the log while running, to the same state', async () => {
    const name = `p-${randomUUID()}`;
    const head = await appendCounted(5, name);
    run(new LedgerProjection(name));
    await progress.waitFor([name], head, 10000);
    const built = await ledger(name);

    await ds.query(`UPDATE projection_checkpoints SET rebuild_requested_at = now() WHERE projection = $1`, [name]);
    await waitUntil(async () => {
      const [r]: { requested: boolean; started: boolean }[] = await ds.query(
        `SELECT rebuild_requested_at IS NOT NULL AS requested, rebuild_started_at IS NOT NULL AS started FROM projection_checkpoints WHERE projection = $1`,
        [name],
      );
      return !r!.requested && r!.started;
    });
    const more = await appendCounted(3, name, 5);
    await progress.waitFor([name], more, 10000);
    expect(built).toEqual([0, 1, 2, 3, 4]);
    expect(await ledger(name)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
