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
import { Gate, inRebuild } from '../support/gate.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * Records each of its own events once, in a table of its own: a second application of the
 * same event violates the key. Every ledger reads the same catalogue type (OrgUnitRenamed);
 * an event is a ledger's own when its `previousName` is the ledger's name, and `name`
 * carries its counter. From its third batch on, a rebuild (writing to its copy of the
 * table) waits at `gate` while one is set.
 */
class LedgerProjection implements Projection<'OrgUnitRenamed'> {
  readonly handles = ['OrgUnitRenamed'] as const;
  readonly tables: readonly string[];
  failOn: string | null = null;
  gate: Gate | null = null;
  /** Batches given to the rebuild's copy (counted before the gate). */
  rebuildBatches = 0;

  constructor(readonly name: string) {
    this.tables = [ledgerTable(name)];
  }

  async apply(events: readonly StoredDomainEvent<OrgUnitRenamed>[], m: EntityManager): Promise<void> {
    if (await inRebuild(m)) {
      this.rebuildBatches += 1;
      if (this.rebuildBatches >= 3) await this.gate?.passed;
    }
    for (const e of events) {
      if (e.data.previousName !== this.name) continue;
      await m.query(`INSERT INTO ${this.tables[0]} (event_id, n) VALUES ($1, $2)`, [e.id, Number(e.data.name)]);
      if (this.failOn === e.id) throw new Error('simulated crash in the middle of a batch');
    }
  }
}

/** The table of the ledger `name` (`p-<uuid>`). */
const ledgerTable = (name: string): string => `ledger_${name.slice(2).replaceAll('-', '')}`;

/** Every gate of a test, opened after it (so that no runner stays stuck at one). */
const gates: Gate[] = [];

function newGate(): Gate {
  const gate = new Gate();
  gates.push(gate);
  return gate;
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
    store = new PostgresEventStore({ connectionString: db.url, pollIntervalMs: 100 });
    progress = new ProjectionProgress(ds, db.url);
  });
  afterEach(async () => {
    for (const gate of gates.splice(0)) gate.open();
    await Promise.all(runners.splice(0).map((r) => r.stop()));
  });
  afterAll(async () => {
    await progress.close();
    await store.close();
    await ds.destroy();
    await db.drop();
  });

  /** A new ledger's name, its table created (with a secondary index, as a migration would). */
  async function newLedger(): Promise<string> {
    const name = `p-${randomUUID()}`;
    const table = ledgerTable(name);
    await ds.query(`CREATE TABLE ${table} (event_id uuid PRIMARY KEY, n int NOT NULL)`);
    await ds.query(`CREATE INDEX ${table}_by_n ON ${table} (n)`);
    return name;
  }

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
    const rows: { n: number }[] = await ds.query(`SELECT n FROM ${ledgerTable(name)} ORDER BY n`);
    return rows.map((r) => r.n);
  }

  const upTo = (count: number): number[] => Array.from({ length: count }, (_, i) => i);

  interface RebuildRow {
    position: string;
    events_applied: string;
    requested: boolean;
    started: string | null;
    rebuild_position: string | null;
    rebuild_events_applied: string;
    completed: string | null;
    last_error: string | null;
    rebuild_error: string | null;
  }

  async function checkpointOf(name: string): Promise<RebuildRow> {
    const [row]: RebuildRow[] = await ds.query(
      `SELECT position, events_applied, rebuild_requested_at IS NOT NULL AS requested, rebuild_started_at::text AS started,
              rebuild_position, rebuild_events_applied, rebuild_completed_at::text AS completed, last_error, rebuild_error
         FROM projection_checkpoints WHERE projection = $1`,
      [name],
    );
    return row!;
  }

  async function requestRebuild(name: string): Promise<void> {
    await ds.query(`UPDATE projection_checkpoints SET rebuild_requested_at = now() WHERE projection = $1`, [name]);
  }

  /** Waits for a rebuild switched in after `completedBefore` (the `completed` of the checkpoint before it). */
  async function switchedIn(name: string, completedBefore: string | null): Promise<RebuildRow> {
    let row: RebuildRow | undefined;
    await waitUntil(async () => {
      row = await checkpointOf(name);
      return row.completed !== completedBefore && row.rebuild_position === null && !row.requested;
    });
    return row!;
  }

  async function schemaExists(name: string): Promise<boolean> {
    const rows: unknown[] = await ds.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [`rebuild_${name}`]);
    return rows.length > 0;
  }

  async function indexesOf(name: string): Promise<unknown[]> {
    return ds.query(`SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = $1 ORDER BY indexname`, [
      ledgerTable(name),
    ]);
  }

  /** Events of the type ledgers read, up to a position: what a rebuild to it goes through. */
  async function renamesUpTo(position: string): Promise<number> {
    const [row]: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM es_events WHERE type = 'OrgUnitRenamed' AND position <= $1`, [
      position,
    ]);
    return row!.n;
  }

  it('applies every event once, in batches, and stores the checkpoint with the writes', async () => {
    const name = await newLedger();
    const last = await appendCounted(20, name);
    run(new LedgerProjection(name));
    expect(await progress.waitFor([name], last, 10000)).toBeGreaterThanOrEqual(last);
    expect(await ledger(name)).toEqual(upTo(20));
    const [cp]: { events_applied: string }[] = await ds.query(`SELECT events_applied FROM projection_checkpoints WHERE projection = $1`, [name]);
    expect(Number(cp!.events_applied)).toBeGreaterThanOrEqual(20);
  });

  it('leaves neither effect nor checkpoint of a batch that fails midway, then resumes exactly once', async () => {
    const name = await newLedger();
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
    const name = await newLedger();
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
    expect(await ledger(name)).toEqual(upTo(20));
  });

  it('rebuilds beside the live table: readers keep every row, new events reach the live table meanwhile, and the rebuilt one takes its place', async () => {
    const name = await newLedger();
    const head = await appendCounted(30, name);
    const projection = new LedgerProjection(name);
    run(projection);
    await progress.waitFor([name], head, 10000);
    const indexes = await indexesOf(name);
    expect(indexes).toHaveLength(2);

    // A reader counting the rows all along: never fewer than the complete table.
    let reading = true;
    let fewest = Infinity;
    let reads = 0;
    const reader = (async () => {
      while (reading) {
        const [r]: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM ${ledgerTable(name)}`);
        fewest = Math.min(fewest, r!.n);
        reads += 1;
      }
    })();

    // The reader stops whatever happens: the test fails rather than hang.
    let during: RebuildRow;
    let more: bigint;
    let after: RebuildRow;
    try {
      projection.gate = newGate();
      await requestRebuild(name);
      await waitUntil(() => fewest < 30 || projection.rebuildBatches >= 3);
      expect(fewest).toBeGreaterThanOrEqual(30);
      during = await checkpointOf(name);
      expect(during.rebuild_position).not.toBeNull();
      expect(BigInt(during.rebuild_position!)).toBeLessThan(BigInt(during.position));
      expect(await schemaExists(name)).toBe(true);
      expect(await ledger(name)).toEqual(upTo(30));

      // The live table follows the log while the rebuild waits.
      more = await appendCounted(3, name, 30);
      await progress.waitFor([name], more, 5000);
      expect(await ledger(name)).toEqual(upTo(33));
      expect((await checkpointOf(name)).rebuild_position).toBe(during.rebuild_position);

      projection.gate.open();
      after = await switchedIn(name, during.completed);
    } finally {
      reading = false;
      await reader;
    }
    expect(reads).toBeGreaterThan(0);
    expect(fewest).toBeGreaterThanOrEqual(30);
    expect(await ledger(name)).toEqual(upTo(33));
    expect(BigInt(after.position)).toBeGreaterThanOrEqual(more);
    expect(Number(after.events_applied)).toBe(await renamesUpTo(after.position));
    expect(await schemaExists(name)).toBe(false);
    expect(await indexesOf(name)).toEqual(indexes);

    // And again, with the rebuilt table as the live one.
    projection.gate = null;
    await requestRebuild(name);
    await switchedIn(name, after.completed);
    expect(await ledger(name)).toEqual(upTo(33));
    expect(await indexesOf(name)).toEqual(indexes);
    const last = await appendCounted(2, name, 33);
    await progress.waitFor([name], last, 5000);
    expect(await ledger(name)).toEqual(upTo(35));
  });

  it('switches the rebuilt table in only when no reader holds the live one, the live table going on meanwhile', async () => {
    const name = await newLedger();
    const head = await appendCounted(10, name);
    run(new LedgerProjection(name));
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);

    // A reader's transaction that has read the live table holds it until it ends.
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      expect((await reader.query(`SELECT count(*)::int AS n FROM ${ledgerTable(name)}`)).rows).toEqual([{ n: 10 }]);
      await requestRebuild(name);
      await waitUntil(() => logs.includes(`projection ${name}: readers held the live tables, switching the rebuilt ones in a little later`));
      const held = await checkpointOf(name);
      expect(held.rebuild_position).not.toBeNull();
      expect(held.last_error).toBeNull();
      const more = await appendCounted(2, name, 10);
      await progress.waitFor([name], more, 5000);
      expect(await ledger(name)).toEqual(upTo(12));
      // The reader's next statement reads the live table, new rows included.
      expect((await reader.query(`SELECT count(*)::int AS n FROM ${ledgerTable(name)}`)).rows).toEqual([{ n: 12 }]);
      await reader.query('COMMIT');
    } finally {
      await reader.end();
    }
    await switchedIn(name, before.completed);
    expect(await ledger(name)).toEqual(upTo(12));
  });

  it('starts a rebuild over, on fresh copies, when asked again during it', async () => {
    const name = await newLedger();
    const head = await appendCounted(30, name);
    const projection = new LedgerProjection(name);
    run(projection);
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);

    projection.gate = newGate();
    await requestRebuild(name);
    await waitUntil(() => projection.rebuildBatches >= 3);
    const first = await checkpointOf(name);
    expect(first.started).not.toBeNull();
    await requestRebuild(name);
    const gate = projection.gate;
    projection.gate = null;
    gate.open();
    await waitUntil(async () => (await checkpointOf(name)).started !== first.started);

    const after = await switchedIn(name, before.completed);
    expect(logs.filter((l) => l.includes(name) && l.includes('rebuilding from the start of the log'))).toHaveLength(2);
    expect(await ledger(name)).toEqual(upTo(30));
    // Counted from the second start alone: the copies were made afresh.
    expect(Number(after.events_applied)).toBe(await renamesUpTo(after.position));
    expect(await schemaExists(name)).toBe(false);
  });

  it('leaves an unfinished rebuild to the next active runner, which continues it where it stood', async () => {
    const name = await newLedger();
    const head = await appendCounted(40, name);
    const first = new LedgerProjection(name);
    const firstRunner = run(first);
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);

    first.gate = newGate();
    await requestRebuild(name);
    await waitUntil(() => first.rebuildBatches >= 3);
    // Stopped while a batch of the rebuild is in flight: that batch gives up, nothing after it is applied.
    const stopping = firstRunner.stop();
    first.gate.fail();
    await stopping;
    const left = await checkpointOf(name);
    expect(left.rebuild_position).not.toBeNull();
    expect(left.started).not.toBeNull();
    expect(await schemaExists(name)).toBe(true);
    expect(await ledger(name)).toEqual(upTo(40));

    const second = new LedgerProjection(name);
    run(second);
    const after = await switchedIn(name, before.completed);
    expect(logs).toContain(`projection ${name}: continuing the rebuild from position ${left.rebuild_position}`);
    expect(after.started).toBe(left.started);
    expect(second.rebuildBatches).toBeGreaterThan(0);
    expect(await ledger(name)).toEqual(upTo(40));
    // Every event once across both runners: none applied twice, none skipped.
    expect(Number(after.events_applied)).toBe(await renamesUpTo(after.position));
  });

  it('refuses a rebuild that would drop what ties its table to another, and keeps the live table going', async () => {
    const name = await newLedger();
    const table = ledgerTable(name);
    await ds.query(`CREATE TABLE ${table}_notes (event_id uuid REFERENCES ${table} (event_id), note text)`);
    const head = await appendCounted(5, name);
    run(new LedgerProjection(name));
    await progress.waitFor([name], head, 10000);

    await requestRebuild(name);
    await waitUntil(async () => !(await checkpointOf(name)).requested);
    const refused = await checkpointOf(name);
    expect(refused.rebuild_error).toBe(`projection ${name} cannot be rebuilt beside its live view: ${table} has a foreign key to or from it`);
    expect(refused.rebuild_position).toBeNull();
    expect(await schemaExists(name)).toBe(false);
    const more = await appendCounted(2, name, 5);
    await progress.waitFor([name], more, 5000);
    expect(await ledger(name)).toEqual(upTo(7));
  });
});

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
