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
 * Rebuilds where things go wrong around them: the lock moving to another instance in the
 * middle of a rebuild batch, a migration changing a table during a rebuild, tables a rebuild
 * cannot copy, a rebuild that keeps failing, readers at REPEATABLE READ spanning the switch,
 * and what an operator set on a live table.
 */

/**
 * Records each of its own events (an OrgUnitRenamed whose `previousName` is the ledger's
 * name, `name` carrying its counter) once, in a table of its own. From its `gateAt`-th
 * rebuild batch on, a rebuild waits at `gate` while one is set; `failInRebuild` makes every
 * rebuild batch with one of its own events fail; `withNote` writes the column a later
 * migration adds.
 */
class Ledger implements Projection<'OrgUnitRenamed'> {
  readonly handles = ['OrgUnitRenamed'] as const;
  readonly tables: readonly string[];
  gate: Gate | null = null;
  gateAt = 3;
  rebuildBatches = 0;
  failInRebuild = false;
  withNote = false;

  constructor(readonly name: string) {
    this.tables = [ledgerTable(name)];
  }

  async apply(events: readonly StoredDomainEvent<OrgUnitRenamed>[], m: EntityManager): Promise<void> {
    const rebuilding = await inRebuild(m);
    if (rebuilding) {
      this.rebuildBatches += 1;
      if (this.rebuildBatches >= this.gateAt) await this.gate?.passed;
    }
    for (const e of events) {
      if (e.data.previousName !== this.name) continue;
      if (rebuilding && this.failInRebuild) throw new Error(`event ${e.id} cannot be rebuilt`);
      if (this.withNote) {
        await m.query(`INSERT INTO ${this.tables[0]} (event_id, n, note) VALUES ($1, $2, 'noted')`, [e.id, Number(e.data.name)]);
      } else {
        await m.query(`INSERT INTO ${this.tables[0]} (event_id, n) VALUES ($1, $2)`, [e.id, Number(e.data.name)]);
      }
    }
  }
}

const ledgerTable = (name: string): string => `ledger_${name.slice(2).replaceAll('-', '')}`;
const tallyTable = (name: string): string => `tally_${name.slice(2).replaceAll('-', '')}`;

/** A later version of the ledger: it also counts its events in a table of its own, which a migration adds. */
class TallyingLedger extends Ledger {
  override readonly tables: readonly string[];

  constructor(name: string) {
    super(name);
    this.tables = [ledgerTable(name), tallyTable(name)];
  }

  override async apply(events: readonly StoredDomainEvent<OrgUnitRenamed>[], m: EntityManager): Promise<void> {
    await super.apply(events, m);
    const own = events.filter((e) => e.data.previousName === this.name).length;
    if (own > 0) await m.query(`INSERT INTO ${this.tables[1]} AS t (k, n) VALUES (1, $1) ON CONFLICT (k) DO UPDATE SET n = t.n + excluded.n`, [own]);
  }
}

const gates: Gate[] = [];
function newGate(): Gate {
  const gate = new Gate();
  gates.push(gate);
  return gate;
}

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

describe('projection rebuild hazards', () => {
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

  async function newLedger(columns = 'event_id uuid PRIMARY KEY, n int NOT NULL'): Promise<string> {
    const name = `p-${randomUUID()}`;
    await ds.query(`CREATE TABLE ${ledgerTable(name)} (${columns})`);
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

  interface Row {
    position: string;
    events_applied: string;
    requested: boolean;
    started: string | null;
    rebuild_position: string | null;
    completed: string | null;
    last_error: string | null;
    rebuild_error: string | null;
  }

  async function checkpointOf(name: string): Promise<Row> {
    const [row]: Row[] = await ds.query(
      `SELECT position, events_applied, rebuild_requested_at IS NOT NULL AS requested, rebuild_started_at::text AS started,
              rebuild_position, rebuild_completed_at::text AS completed, last_error, rebuild_error
         FROM projection_checkpoints WHERE projection = $1`,
      [name],
    );
    return row!;
  }

  /** Events of the type ledgers read, up to a position: what a rebuild to it goes through. */
  async function renamesUpTo(position: string): Promise<number> {
    const [row]: { n: number }[] = await ds.query(`SELECT count(*)::int AS n FROM es_events WHERE type = 'OrgUnitRenamed' AND position <= $1`, [
      position,
    ]);
    return row!.n;
  }

  async function requestRebuild(name: string): Promise<void> {
    await ds.query(`UPDATE projection_checkpoints SET rebuild_requested_at = now() WHERE projection = $1`, [name]);
  }

  async function switchedIn(name: string, completedBefore: string | null, timeoutMs = 10000): Promise<Row> {
    let row: Row | undefined;
    await waitUntil(async () => {
      row = await checkpointOf(name);
      return row.completed !== completedBefore && row.rebuild_position === null && !row.requested;
    }, timeoutMs, () => `switch of ${name} (checkpoint ${JSON.stringify(row)}; runner said: ${logs.filter((l) => l.includes(name)).slice(-6).join(' | ')})`);
    return row!;
  }

  it('finishes a rebuild after the lock passes to another instance while the first one’s copy loop is mid-batch, the stale batch never committing', async () => {
    const name = await newLedger();
    // Batches of other ledgers' events first (nothing to write), then the ledger's own.
    await appendCounted(30, `p-${randomUUID()}`);
    const head = await appendCounted(5, name);
    const first = new Ledger(name);
    const firstRunner = run(first);
    await progress.waitFor([name], head, 10000);
    const second = new Ledger(name);
    second.gateAt = 1;
    const secondRunner = run(second);
    await waitUntil(() => secondRunner.state === 'standby');
    const before = await checkpointOf(name);

    first.gate = newGate();
    second.gate = newGate();
    await requestRebuild(name);
    await waitUntil(() => first.rebuildBatches >= 3);

    // The first instance loses its lock (its live connection dies); the second takes over and
    // continues the rebuild, its first batch waiting at its gate.
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    await admin.query(
      `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = hashtext($2)::oid AND granted`,
      [0x5553, name],
    );
    await admin.end();
    await waitUntil(() => secondRunner.state === 'active' && second.rebuildBatches >= 1, 10000, 'takeover');

    // The first instance's copy loop, still going, moves the rebuild on; then the second's batch goes through.
    first.gate.open();
    await waitUntil(() => firstRunner.state === 'standby', 10000, 'first in standby');
    second.gate.open();

    const more = await appendCounted(2, name, 5);
    await progress.waitFor([name], more, 5000);
    expect(await ledger(name)).toEqual(upTo(7));
    // The active instance finishes the rebuild.
    const after = await switchedIn(name, before.completed);
    expect(await ledger(name)).toEqual(upTo(7));
    // Every event once: the first instance's stale batch committed nothing.
    expect(Number(after.events_applied)).toBe(await renamesUpTo(after.position));
  });

  it('starts a rebuild over in the new shape when a migration changes the table (and the code writes the new column) during it', async () => {
    const name = await newLedger();
    const head = await appendCounted(30, name);
    const projection = new Ledger(name);
    run(projection);
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);

    projection.gate = newGate();
    await requestRebuild(name);
    await waitUntil(() => projection.rebuildBatches >= 3);
    // A deploy: the migration adds a column, the new code writes it.
    await ds.query(`ALTER TABLE ${ledgerTable(name)} ADD COLUMN note text NOT NULL DEFAULT ''`);
    projection.withNote = true;
    projection.gate.open();

    const more = await appendCounted(2, name, 30);
    await progress.waitFor([name], more, 5000);
    await switchedIn(name, before.completed);
    expect(await ledger(name)).toEqual(upTo(32));
    expect(logs).toContain(`projection ${name}: its tables changed during the rebuild; rebuilding again in their new shape`);
  });

  it('starts over a rebuild that new code continues with a table the copies lack, never writing the live table meanwhile', async () => {
    const name = await newLedger();
    const head = await appendCounted(60, name);
    const v1 = new Ledger(name);
    const v1Runner = run(v1);
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);
    v1.gate = newGate();
    await requestRebuild(name);
    await waitUntil(() => v1.rebuildBatches >= 3);
    // A deploy in the middle of the rebuild: the old instance stops, a migration adds the
    // tally (filled from the live ledger), the new code counts into it.
    v1.gate.open();
    await v1Runner.stop();
    await ds.query(`CREATE TABLE ${tallyTable(name)} (k int PRIMARY KEY, n int NOT NULL)`);
    await ds.query(`INSERT INTO ${tallyTable(name)} SELECT 1, count(*) FROM ${ledgerTable(name)}`);
    const v2 = new TallyingLedger(name);
    v2.gate = newGate();
    v2.gateAt = 4;
    run(v2);
    await waitUntil(() => v2.rebuildBatches >= 4, 10000, 'the new rebuild under way');
    const [live]: { n: number }[] = await ds.query(`SELECT n FROM ${tallyTable(name)}`);
    expect(live!.n).toBe(60);
    v2.gate.open();
    await switchedIn(name, before.completed);
    expect(await ds.query(`SELECT n FROM ${tallyTable(name)}`)).toEqual([{ n: 60 }]);
    expect(await ledger(name)).toEqual(upTo(60));
  });

  it('switches a rebuild in when a deploy during it stopped declaring a table the copies still hold', async () => {
    const name = await newLedger();
    await ds.query(`CREATE TABLE ${tallyTable(name)} (k int PRIMARY KEY, n int NOT NULL)`);
    const head = await appendCounted(30, name);
    const v1 = new TallyingLedger(name);
    const v1Runner = run(v1);
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);
    v1.gate = newGate();
    await requestRebuild(name);
    await waitUntil(() => v1.rebuildBatches >= 3);
    v1.gate.open();
    await v1Runner.stop();
    // The new code no longer keeps the tally.
    run(new Ledger(name));
    await switchedIn(name, before.completed);
    expect(await ledger(name)).toEqual(upTo(30));
    expect((await checkpointOf(name)).rebuild_error).toBeNull();
    expect(await ds.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`rebuild_${name}%`])).toEqual([]);
  });

  it('names the session that keeps a caught-up rebuild from being switched in, then switches once it lets go', async () => {
    const name = await newLedger();
    const head = await appendCounted(5, name);
    run(new Ledger(name));
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    try {
      await reader.query('BEGIN');
      await reader.query(`SELECT count(*) FROM ${ledgerTable(name)}`);
      const [{ pid }] = (await reader.query('SELECT pg_backend_pid() AS pid')).rows as { pid: number }[];
      await requestRebuild(name);
      await waitUntil(async () => (await checkpointOf(name)).rebuild_error?.includes(`pid ${pid}`) ?? false, 10000, 'the holder named');
      expect((await checkpointOf(name)).rebuild_error).toMatch(new RegExp(`found the live ones held by pid ${pid} \\(idle in transaction, transaction open \\d+ s, database [^)]+\\)`));
      expect((await checkpointOf(name)).completed).toBe(before.completed);
      await reader.query('COMMIT');
    } finally {
      await reader.end();
    }
    const after = await switchedIn(name, before.completed, 15000);
    expect(after.rebuild_error).toBeNull();
    expect(await ledger(name)).toEqual(upTo(5));
  }, 30000);

  it('refuses up front to rebuild a table with a serial column, saying why, while minPosition waits keep being answered', async () => {
    const name = await newLedger('seq bigserial, event_id uuid PRIMARY KEY, n int NOT NULL');
    const table = ledgerTable(name);
    const head = await appendCounted(5, name);
    run(new Ledger(name));
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);

    await requestRebuild(name);
    // Give the rebuild time to be refused, switched in, or to fail at the switch a few times.
    const switchFailures = (): number => logs.filter((l) => l.includes(name) && l.includes(`cannot drop table ${table}`)).length;
    await waitUntil(async () => {
      const row = await checkpointOf(name);
      return switchFailures() >= 5 || (!row.requested && row.rebuild_position === null);
    }, 20000);
    // A reader asking for its own write, as a minPosition query does (default wait).
    const more = await appendCounted(2, name, 5);
    await progress.waitFor([name], more);
    expect(await ledger(name)).toEqual(upTo(7));
    const row = await checkpointOf(name);
    expect(row.rebuild_error).toBe(
      `projection ${name} cannot be rebuilt beside its live view: ${table} has a column numbered by a sequence (serial or identity)`,
    );
    expect(row.rebuild_position).toBeNull();
    expect(row.completed).toBe(before.completed);
    expect(switchFailures()).toBe(0);
  }, 40000);

  it('keeps the live view following when the switch itself fails, and says why in the rebuild error', async () => {
    const name = await newLedger();
    const table = ledgerTable(name);
    // Something the refusal does not look for depends on the live table (its row type), so dropping it fails.
    await ds.query(`CREATE TABLE ${table}_archive (entry ${table})`);
    const head = await appendCounted(5, name);
    run(new Ledger(name));
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);

    await requestRebuild(name);
    await waitUntil(async () => (await checkpointOf(name)).rebuild_error?.includes('switching the rebuilt tables in failed') ?? false);
    const more = await appendCounted(2, name, 5);
    await progress.waitFor([name], more, 5000);
    expect(await ledger(name)).toEqual(upTo(7));
    const row = await checkpointOf(name);
    expect(row.last_error).toBeNull();
    expect(row.rebuild_position).not.toBeNull();
    expect(row.completed).toBe(before.completed);
    expect(logs.some((l) => l.includes(`projection ${name} failed, retrying`))).toBe(false);
  });

  it('keeps saying why a rebuild keeps failing while the live view goes on', async () => {
    const name = await newLedger();
    const head = await appendCounted(5, name);
    const projection = new Ledger(name);
    run(projection);
    await progress.waitFor([name], head, 10000);

    projection.failInRebuild = true;
    await requestRebuild(name);
    await waitUntil(async () => (await checkpointOf(name)).rebuild_error?.startsWith('rebuild:') ?? false);
    // A live batch goes through meanwhile.
    const more = await appendCounted(1, name, 5);
    await progress.waitFor([name], more, 5000);
    const row = await checkpointOf(name);
    expect(row.rebuild_position).not.toBeNull();
    expect(row.last_error).toBeNull();
    expect(row.rebuild_error).toContain('cannot be rebuilt');
  });

  it('shows a REPEATABLE READ transaction that spans the switch the rebuilt table empty (PostgreSQL: a table rewritten after the snapshot)', async () => {
    const name = await newLedger();
    const head = await appendCounted(10, name);
    run(new Ledger(name));
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);

    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      // The report's first statement reads something else: its snapshot is taken.
      await reader.query(`SELECT count(*) FROM projection_checkpoints`);
      await requestRebuild(name);
      await switchedIn(name, before.completed);
      // Documented for table-rewriting commands (MVCC caveats): the new table's rows were
      // written after the snapshot, so this transaction sees none; reports run at READ COMMITTED.
      const { rows } = await reader.query(`SELECT count(*)::int AS n FROM ${ledgerTable(name)}`);
      expect(rows).toEqual([{ n: 0 }]);
      await reader.query('ROLLBACK');
      expect((await reader.query(`SELECT count(*)::int AS n FROM ${ledgerTable(name)}`)).rows).toEqual([{ n: 10 }]);
    } finally {
      await reader.query('ROLLBACK').catch(() => undefined);
      await reader.end();
    }
  });

  it('keeps the privileges granted on a live table after the switch', async () => {
    const name = await newLedger();
    const role = `reporting_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await ds.query(`CREATE ROLE ${role} NOLOGIN`);
    await ds.query(`GRANT SELECT ON ${ledgerTable(name)} TO ${role}`);
    const head = await appendCounted(3, name);
    run(new Ledger(name));
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);

    await requestRebuild(name);
    await switchedIn(name, before.completed);
    const [row]: { allowed: boolean }[] = await ds.query(`SELECT has_table_privilege($1, $2, 'SELECT') AS allowed`, [role, ledgerTable(name)]);
    expect(row!.allowed).toBe(true);
  });

  it('keeps the storage parameters and the comment an operator set on a live table after the switch', async () => {
    const name = await newLedger();
    const table = ledgerTable(name);
    await ds.query(`ALTER TABLE ${table} SET (fillfactor = 70, autovacuum_vacuum_scale_factor = 0.01)`);
    await ds.query(`COMMENT ON TABLE ${table} IS 'ledger of renames'`);
    const head = await appendCounted(3, name);
    run(new Ledger(name));
    await progress.waitFor([name], head, 10000);
    const before = await checkpointOf(name);

    await requestRebuild(name);
    await switchedIn(name, before.completed);
    const [row]: { options: string[] | null; comment: string | null }[] = await ds.query(
      `SELECT reloptions AS options, obj_description(oid, 'pg_class') AS comment FROM pg_class WHERE oid = $1::regclass`,
      [`public.${table}`],
    );
    expect(row).toEqual({ options: ['fillfactor=70', 'autovacuum_vacuum_scale_factor=0.01'], comment: 'ledger of renames' });
  });


});

async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10000,
  what: string | (() => string) = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${typeof what === 'string' ? what : what()} not reached in time`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
