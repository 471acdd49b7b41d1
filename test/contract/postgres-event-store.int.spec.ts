import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import {
  AppendLocksBusyError,
  EventStoreUsageError,
  ReadStreamsMovedError,
  RecordingOpenError,
  WrongExpectedRevisionError,
} from '../../src/infrastructure/event-store/event-store.errors.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store.js';
import type { NewEvent, StoredEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { describeEventStoreContract } from './event-store-contract.js';

describeEventStoreContract('PostgreSQL', async () => {
  const db = await createTestDatabase();
  const store = new PostgresEventStore({ connectionString: db.url, pollIntervalMs: 200 });
  return {
    store,
    atomicMultiStreamAppend: true,
    cleanup: async () => {
      await store.close();
      await db.drop();
    },
  };
});

function event(type: string, data: object): NewEvent {
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    data,
    occurredOn: null,
    metadata: {
      actor: { id: 'tester', role: 'admin', scopeUnitId: null },
      correlationId: randomUUID(),
      causationId: null,
      idempotencyKey: null,
    },
  };
}

/** Calls es_append inside an open transaction of `client`, as the adapter does. */
async function appendInTransaction(client: pg.Client, stream: string, e: NewEvent): Promise<bigint> {
  const r = await client.query<{ last_position: string }>(
    `SELECT last_position FROM es_append($1, 'any', $2, $3, $4, $5, $6, $7)`,
    [stream, [e.id], [e.type], [1], [JSON.stringify(e.data)], [JSON.stringify(e.metadata)], [null]],
  );
  return BigInt(r.rows[0]!.last_position);
}

describe('PostgreSQL event store: database guarantees', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  const clients: pg.Client[] = [];

  async function client(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url, pollIntervalMs: 100 });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await store.close();
    await db.drop();
  });

  it('refuses UPDATE, DELETE and TRUNCATE of stored events in the database itself', async () => {
    const stream = `audit-${randomUUID()}`;
    await store.appendToStream(stream, [event('Kept', { v: 1 })], 'no_stream');
    const c = await client();
    await expect(c.query(`UPDATE es_events SET data = '{"v":2}' WHERE stream = $1`, [stream])).rejects.toThrow(
      /events are immutable: UPDATE/,
    );
    await expect(c.query(`DELETE FROM es_events WHERE stream = $1`, [stream])).rejects.toThrow(
      /events are immutable: DELETE/,
    );
    await expect(c.query(`TRUNCATE es_events`)).rejects.toThrow(/events are immutable: TRUNCATE/);
    const [stored] = await store.readStream(stream);
    expect(stored!.data).toEqual({ v: 1 });
  });

  it('never lets a reader skip an event whose transaction commits after a later position', async () => {
    const early = await client();
    const late = await client();
    const start = await store.headPosition();

    // The early transaction takes the lower position and stays open ...
    await early.query('BEGIN');
    const earlyPosition = await appendInTransaction(early, `order-${randomUUID()}`, event('Early', {}));
    // ... while a later transaction takes a higher position and commits first.
    await late.query('BEGIN');
    const latePosition = await appendInTransaction(late, `order-${randomUUID()}`, event('Late', {}));
    await late.query('COMMIT');
    expect(latePosition > earlyPosition).toBe(true);

    // A naive reader ordered by position would see the late event alone now, move its
    // checkpoint past it, and never read the early one.
    const naive = await (await client()).query<{ position: string }>(
      'SELECT position FROM es_events WHERE position > $1 ORDER BY position',
      [start.toString()],
    );
    expect(naive.rows.map((r) => BigInt(r.position))).toEqual([latePosition]);

    // The store's reader holds back everything above the open transaction.
    const subscription = store.subscribeToAll({ after: start.toString() });
    const received: StoredEvent[] = [];
    const consumer = (async () => {
      for await (const batch of subscription) {
        received.push(...batch.events);
        if (received.length >= 2) break;
      }
    })();
    expect(await store.readAll({ after: start.toString() })).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(received).toEqual([]);

    await early.query('COMMIT');
    await consumer;
    await subscription.close();
    expect(received.map((e) => e.type)).toEqual(['Early', 'Late']);
    expect(received.map((e) => e.position)).toEqual([earlyPosition, latePosition]);
  });

  it('does not make appends to different streams wait on each other', async () => {
    const holder = await client();
    const held = `wait-${randomUUID()}`;
    await store.appendToStream(held, [event('A', {})], 'no_stream');
    await holder.query('BEGIN');
    await holder.query(`UPDATE es_streams SET revision = revision WHERE stream = $1`, [held]);
    // An append to yet another stream, left uncommitted, holds whatever an append holds.
    await appendInTransaction(holder, `wait-${randomUUID()}`, event('Open', {}));
    // While those are open, another stream appends freely.
    const other = await Promise.race([
      store.appendToStream(`wait-${randomUUID()}`, [event('B', {})], 'no_stream').then(() => 'appended'),
      new Promise((resolve) => setTimeout(() => resolve('blocked'), 2000)),
    ]);
    expect(other).toBe('appended');
    // The same stream does wait, and then fails on the stale revision only if it changed.
    const same = store.appendToStream(held, [event('C', {})], 0n);
    await holder.query('COMMIT');
    expect((await same).streamRevision).toBe(1n);
  });

  it('delivers live events on notification, well before the poll interval', async () => {
    const slow = new PostgresEventStore({ connectionString: db.url, pollIntervalMs: 30000 });
    const stream = `live-${randomUUID()}`;
    const subscription = slow.subscribeToAll({ after: (await slow.headPosition()).toString(), filter: { streamCategories: ['live'] } });
    const got = (async () => {
      for await (const batch of subscription) if (batch.events.length > 0) return batch.events;
      return [];
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const t0 = Date.now();
    await store.appendToStream(stream, [event('Live', {})], 'no_stream');
    const batch = await got;
    const elapsed = Date.now() - t0;
    await subscription.close();
    await slow.close();
    expect(batch.map((e) => e.stream)).toEqual([stream]);
    expect(elapsed).toBeLessThan(10000);
  });

  it('moves a filtered subscription\'s checkpoint past events of other types, without handing them over', async () => {
    const start = (await store.headPosition()).toString();
    const skipped = await store.appendToStream(`skipped-${randomUUID()}`, [event('Skipped', {})], 'no_stream');
    const subscription = store.subscribeToAll({ after: start, filter: { eventTypes: ['NeverWritten'] } });
    const batches: { events: number; checkpoint: bigint }[] = [];
    for await (const batch of subscription) {
      batches.push({ events: batch.events.length, checkpoint: store.positionOfCursor(batch.checkpoint) });
      break;
    }
    await subscription.close();
    expect(batches).toHaveLength(1);
    expect(batches[0]!.events).toBe(0);
    expect(batches[0]!.checkpoint >= skipped.position).toBe(true);
  });

  it('refuses to place a revision below its predecessor: an older transaction must retry', async () => {
    const stream = `ordered-${randomUUID()}`;
    await store.appendToStream(stream, [event('First', {})], 'no_stream');
    const older = await client();
    await older.query('BEGIN');
    // The older transaction takes its id (and so its positions) first ...
    await appendInTransaction(older, `other-${randomUUID()}`, event('Elsewhere', {}));
    // ... a younger one appends revision 1 of the stream and commits ...
    const younger = await store.appendToStream(stream, [event('Second', {})], 'any');
    // ... so revision 2 at the older transaction's lower position would invert the stream.
    await expect(appendInTransaction(older, stream, event('Third', {}))).rejects.toMatchObject({ code: '40001' });
    await older.query('ROLLBACK');
    const third = await store.appendToStream(stream, [event('Third', {})], 'any');
    expect(third.position > younger.position).toBe(true);
    const events = await store.readStream(stream);
    expect(events.map((e) => e.type)).toEqual(['First', 'Second', 'Third']);
  });

  it('keeps every stream in revision order in the log under concurrent multi-stream appends in any order', async () => {
    const streams = Array.from({ length: 4 }, () => `race-${randomUUID()}`);
    const start = (await store.headPosition()).toString();
    await Promise.all(
      Array.from({ length: 24 }, (_, i) => {
        const picked = i % 2 === 0 ? streams : [...streams].reverse();
        const expectation = i % 3 === 0 ? ('stream_exists' as const) : ('any' as const);
        return store
          .appendToStreams(picked.map((stream) => ({ stream, expectedRevision: 'any' as const, events: [event('Raced', { i })] })))
          .then(() =>
            i % 3 === 0 ? store.appendToStream(picked[0]!, [event('Raced', { i, single: true })], expectation) : undefined,
          );
      }),
    );
    const log: StoredEvent[] = [];
    for (let after: string | null = start; ; ) {
      const batch = await store.readAll({ after, maxCount: 500 });
      if (batch.length === 0) break;
      log.push(...batch.filter((e) => streams.includes(e.stream)));
      after = batch[batch.length - 1]!.logCursor;
    }
    for (const stream of streams) {
      const revisions = log.filter((e) => e.stream === stream).map((e) => Number(e.streamRevision));
      expect(revisions).toEqual(revisions.map((_, k) => k));
    }
    expect(log).toHaveLength(24 * 4 + 8);
  });

  it('tells the last position of the transaction an event belongs to, wherever in it the event stands', async () => {
    const [a, b] = [`end-a-${randomUUID()}`, `end-b-${randomUUID()}`];
    await store.appendToStreams([
      { stream: a, expectedRevision: 'no_stream', events: [event('A', { n: 1 }), event('A', { n: 2 })] },
      { stream: b, expectedRevision: 'no_stream', events: [event('B', { n: 3 })] },
    ]);
    await store.appendToStream(a, [event('A', { n: 4 })], 'any');
    const [first, second, third, alone] = [...(await store.readStream(a)).slice(0, 2), ...(await store.readStream(b)), (await store.readStream(a))[2]!].map((e) => e!.position);
    expect(await Promise.all([first, second, third].map((p) => store.endOfTransaction(p!)))).toEqual([third, third, third]);
    expect(await store.endOfTransaction(alone!)).toBe(alone);
    expect(alone! > third!).toBe(true);
  });

  it('refuses a stream named twice in one multi-stream append, writing nothing', async () => {
    const stream = `twice-${randomUUID()}`;
    await expect(
      store.appendToStreams([
        { stream, expectedRevision: 'no_stream', events: [event('A', {})] },
        { stream, expectedRevision: 'no_stream', events: [event('B', {})] },
      ]),
    ).rejects.toThrow(/named twice/);
    expect(await store.readStream(stream)).toEqual([]);
  });

  it('refuses a stream named twice in one multi-stream append as misuse, before touching the database', async () => {
    const stream = `twice-${randomUUID()}`;
    const appends = [
      { stream, expectedRevision: 'any' as const, events: [event('A', {})] },
      { stream: `other-${randomUUID()}`, expectedRevision: 'any' as const, events: [event('B', {})] },
      { stream, expectedRevision: 'any' as const, events: [event('C', {})] },
    ];
    const attempt = store.appendToStreams(appends);
    await expect(attempt).rejects.toBeInstanceOf(EventStoreUsageError);
    await expect(attempt).rejects.toThrow(`stream ${stream} is named twice in one append`);
    expect(await store.readStream(stream)).toEqual([]);
    // The same answer from a store whose database cannot be reached: nothing was asked of it.
    const unreachable = new PostgresEventStore({ connectionString: 'postgres://nobody:nothing@127.0.0.1:1/none' });
    try {
      await expect(unreachable.appendToStreams(appends)).rejects.toBeInstanceOf(EventStoreUsageError);
    } finally {
      await unreachable.close();
    }
  });

  it('refuses more than 65,536 events in one transaction as misuse, on its first append too, writing nothing', async () => {
    const many = (n: number): NewEvent[] => Array.from({ length: n }, () => event('Bulk', {}));
    const refused = `bulk-${randomUUID()}`;
    const attempt = store.appendToStream(refused, many(65_537), 'no_stream');
    await expect(attempt).rejects.toBeInstanceOf(EventStoreUsageError);
    await expect(attempt).rejects.toThrow(/at most 65536 events; this append has 65537/);
    expect(await store.streamRevisions([refused])).toEqual(new Map([[refused, null]]));
    // Exactly the bound goes through, and appends after it are unaffected.
    const full = `bulk-${randomUUID()}`;
    expect((await store.appendToStream(full, many(65_536), 'no_stream')).streamRevision).toBe(65_535n);
    for (let i = 0; i < 3; i++) await store.appendToStream(`after-${randomUUID()}`, [event('After', {})], 'no_stream');
  });

  it('counts the events after a cursor by position, up to a limit, those waiting behind an open transaction included', async () => {
    const start = (await store.headPosition()).toString();
    const stream = `count-${randomUUID()}`;
    await store.appendToStream(stream, [event('A', {}), event('B', {}), event('C', {})], 'no_stream');
    expect(await store.countEventsAfter(start, 1000)).toBe(3);
    expect(await store.countEventsAfter(start, 2)).toBe(2);
    const open = await client();
    await open.query('BEGIN');
    await appendInTransaction(open, `count-${randomUUID()}`, event('Open', {}));
    await store.appendToStream(stream, [event('D', {})], 2n);
    // Readers cannot pass the open transaction, but the event committed after it is lag all the same.
    expect((await store.readAll({ after: start })).map((e) => e.type)).toEqual(['A', 'B', 'C']);
    expect(await store.countEventsAfter(start, 1000)).toBe(4);
    await open.query('ROLLBACK');
    expect(await store.countEventsAfter(null, 1000)).toBeGreaterThanOrEqual(4);
  });

  it('names the oldest transaction holding a transaction id anywhere in the cluster, and whether events wait behind it', async () => {
    const other = new pg.Client({ connectionString: process.env.TEST_DATABASE_ADMIN_URL });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()');
      const pid = (await other.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const held = await store.holdingTransaction();
      expect(held).toMatchObject({ pid, database: 'postgres', state: 'idle in transaction', query: 'SELECT pg_backend_pid() AS pid' });
      expect(held!.ageSeconds).toBeGreaterThanOrEqual(0);
      await store.appendToStream(`held-${randomUUID()}`, [event('Waiting', {})], 'no_stream');
      expect(await store.holdingTransaction()).toMatchObject({ pid, eventsWaiting: true });
      await other.query('COMMIT');
      const after = await store.holdingTransaction();
      expect(after?.pid).not.toBe(pid);
    } finally {
      await other.end();
    }
  });

  it('times a transaction whose start is hidden from the service’s role from when it first saw it', async () => {
    // A role without pg_read_all_stats, as on managed PostgreSQL: other roles' sessions show no state or start.
    const role = `observer_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_ADMIN_URL });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'observer' IN ROLE pg_read_all_data`);
    const url = new URL(db.url);
    url.username = role;
    url.password = 'observer';
    const observer = new PostgresEventStore({ connectionString: url.toString(), pollIntervalMs: 1000 });
    try {
      await admin.query('BEGIN');
      await admin.query('SELECT pg_current_xact_id()');
      const pid = (await admin.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const first = await observer.holdingTransaction();
      expect(first).toMatchObject({ pid, state: null, ageSeconds: 0, ageObserved: true });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const later = await observer.holdingTransaction();
      expect(later).toMatchObject({ pid, ageObserved: true });
      expect(later!.ageSeconds).toBeGreaterThanOrEqual(1);
      // The service's own view of it (a superuser here) is timed from its start.
      expect(await store.holdingTransaction()).toMatchObject({ pid, ageObserved: false });
      await admin.query('COMMIT');
    } finally {
      await observer.close();
      await admin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await admin.query(`DROP ROLE ${role}`).catch(() => undefined);
      await admin.end();
    }
  });

  it('records a transaction when it writes its first event, after the locks it waited for, one time for all its events', async () => {
    const [a1, a2, b] = [`rec-a1-${randomUUID()}`, `rec-a2-${randomUUID()}`, `rec-b-${randomUUID()}`];
    const holder = await client();
    // The multi-stream append takes its streams' locks after BEGIN: held here, it waits.
    await holder.query(`SELECT pg_advisory_lock(${0x4553}, hashtext($1))`, [a1]);
    const waiting = store.appendToStreams([
      { stream: a1, events: [event('A1', {}), event('A1', {})], expectedRevision: 'no_stream' },
      { stream: a2, events: [event('A2', {})], expectedRevision: 'no_stream' },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 150));
    // Started after the waiting one, committed before it.
    await store.appendToStream(b, [event('B', {})], 'no_stream');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await holder.query('SELECT pg_advisory_unlock_all()');
    await waiting;
    const read = await store.readStreams([a1, a2, b]);
    const [first, second, third] = [...read.get(a1)!, ...read.get(a2)!];
    const [early] = read.get(b)!;
    expect(first!.position).toBeGreaterThan(early!.position);
    expect(first!.recordedAt.getTime()).toBeGreaterThan(early!.recordedAt.getTime());
    expect([second!.recordedAt, third!.recordedAt]).toEqual([first!.recordedAt, first!.recordedAt]);
  });

  it('tells when nothing more can be recorded by a time: not while a transaction that began by then is open', async () => {
    const before = new Date();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const open = await client();
    await open.query('BEGIN');
    await appendInTransaction(open, `settle-${randomUUID()}`, event('Open', {}));
    const at = new Date();
    // Begun after `before`: it cannot record by then.
    await store.recordingsSettled(before, 200);
    await expect(store.recordingsSettled(at, 200)).rejects.toBeInstanceOf(RecordingOpenError);
    let settled = false;
    const waiting = store.recordingsSettled(at, 5000).then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(settled).toBe(false);
    await open.query('COMMIT');
    await waiting;
    expect(settled).toBe(true);
  });

  it('does not wait for an open transaction that has written no event: it can only record after now', async () => {
    const open = await client();
    await open.query('BEGIN');
    await open.query('CREATE TEMP TABLE elsewhere (x int)');
    await open.query('INSERT INTO elsewhere VALUES (1)');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await store.recordingsSettled(new Date(), 1000);
    await appendInTransaction(open, `settle-${randomUUID()}`, event('Late', {}));
    await expect(store.recordingsSettled(new Date(), 200)).rejects.toBeInstanceOf(RecordingOpenError);
    await open.query('ROLLBACK');
    await store.recordingsSettled(new Date(), 1000);
  });

  it('refuses a duplicate event id and writes nothing of that append', async () => {
    const e = event('Once', {});
    await store.appendToStream(`dup-${randomUUID()}`, [e], 'no_stream');
    const stream = `dup-${randomUUID()}`;
    await expect(store.appendToStream(stream, [event('Other', {}), e], 'no_stream')).rejects.toThrow(/is stored already/);
    expect(await store.readStream(stream)).toEqual([]);
  });
});

describe('PostgreSQL event store: guarded appends', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let holder: pg.Client;
  const LOCKS = 0x4f55;
  const guard = (unchanged: Map<string, bigint | null>, sharedLocks: string[] = []) => ({ lockClass: LOCKS, sharedLocks, unchanged });

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url });
    holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
  });
  afterAll(async () => {
    await holder.end();
    await store.close();
    await db.drop();
  });

  it('appends when every stream read is still at the revision read, absent ones still absent', async () => {
    const [read, target, absent] = [0, 1, 2].map(() => `guard-${randomUUID()}`) as [string, string, string];
    await store.appendToStream(read, [event('Read', { n: 0 }), event('Read', { n: 1 })], 'no_stream');
    const result = await store.appendGuarded(target, [event('Done', {})], 'no_stream', guard(new Map([[read, 1n], [absent, null]]), [randomUUID()]));
    expect(result.streamRevision).toBe(0n);
    expect(await store.readStream(target)).toHaveLength(1);
  });

  it('refuses, naming them, when streams read have moved on or appeared, and appends nothing', async () => {
    const [read, appeared, target] = [0, 1, 2].map(() => `guard-${randomUUID()}`) as [string, string, string];
    await store.appendToStream(read, [event('Read', {})], 'no_stream');
    await store.appendToStream(read, [event('Read', {})], 0n);
    await store.appendToStream(appeared, [event('Read', {})], 'no_stream');
    const attempt = store.appendGuarded(target, [event('Done', {})], 'no_stream', guard(new Map([[read, 0n], [appeared, null]])));
    await expect(attempt).rejects.toBeInstanceOf(ReadStreamsMovedError);
    await expect(attempt).rejects.toMatchObject({ streams: [read, appeared].sort() });
    expect(await store.readStream(target)).toEqual([]);
  });

  it('checks its own stream by the expected revision', async () => {
    const target = `guard-${randomUUID()}`;
    await store.appendToStream(target, [event('Done', {})], 'no_stream');
    await expect(store.appendGuarded(target, [event('Done', {})], 'no_stream', guard(new Map()))).rejects.toBeInstanceOf(WrongExpectedRevisionError);
  });

  it('refuses at once, appending nothing, while a unit it holds shared is held alone by a command moving it', async () => {
    const [unit, other] = [randomUUID(), randomUUID()];
    const target = `guard-${randomUUID()}`;
    await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCKS, unit]);
    try {
      const started = Date.now();
      await expect(store.appendGuarded(target, [event('Done', {})], 'no_stream', guard(new Map(), [other, unit]))).rejects.toBeInstanceOf(AppendLocksBusyError);
      expect(Date.now() - started).toBeLessThan(1000);
      // A unit held shared by another is no obstacle.
      await holder.query('SELECT pg_advisory_unlock_all()');
      await holder.query('SELECT pg_advisory_lock_shared($1, hashtext($2))', [LOCKS, unit]);
      expect(await store.readStream(target)).toEqual([]);
      await expect(store.appendGuarded(target, [event('Done', {})], 'no_stream', guard(new Map(), [unit]))).resolves.toMatchObject({ streamRevision: 0n });
    } finally {
      await holder.query('SELECT pg_advisory_unlock_all()');
    }
  });

  it('releases its shared locks when it commits', async () => {
    const unit = randomUUID();
    const target = `guard-${randomUUID()}`;
    const probe = new pg.Client({ connectionString: db.url });
    await probe.connect();
    try {
      await store.appendGuarded(target, [event('Done', {})], 'no_stream', guard(new Map(), [unit]));
      // Committed: the lock is free again for a mover.
      const { rows } = await probe.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS got', [LOCKS, unit]);
      expect(rows[0]!.got).toBe(true);
    } finally {
      await probe.end();
    }
  });
});

describe('PostgreSQL event store: recordings in another database of the cluster', () => {
  let source: TestDatabase;
  let copyName: string;
  let copyUrl: string;
  let admin: pg.Client;

  beforeAll(async () => {
    source = await createTestDatabase();
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_ADMIN_URL });
    await admin.connect();
    // A copy of the service's database in the same cluster (staging, a report copy): CREATE DATABASE … TEMPLATE.
    copyName = `r_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    await admin.query(`CREATE DATABASE ${copyName} TEMPLATE ${new URL(source.url).pathname.slice(1)}`);
    const u = new URL(source.url);
    u.pathname = `/${copyName}`;
    copyUrl = u.toString();
  });
  afterAll(async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${copyName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await source.drop();
  });

  it('does not wait for a transaction writing events in another database of the cluster', async () => {
    const store = new PostgresEventStore({ connectionString: source.url, pollIntervalMs: 100 });
    const other = new pg.Client({ connectionString: copyUrl });
    await other.connect();
    try {
      const mine = new pg.Client({ connectionString: source.url });
      await mine.connect();
      const oids = [
        (await mine.query<{ oid: string }>(`SELECT 'es_events'::regclass::oid::text AS oid`)).rows[0]!.oid,
        (await other.query<{ oid: string }>(`SELECT 'es_events'::regclass::oid::text AS oid`)).rows[0]!.oid,
      ];
      await mine.end();
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.recordingsSettled(new Date(), 1000);
      const e = event('Elsewhere', {});
      await other.query('BEGIN');
      await other.query(`SELECT es_append($1, 'any', $2, $3, $4, $5, $6, $7, true)`, [
        `other-${randomUUID()}`, [e.id], [e.type], [1], [JSON.stringify(e.data)], [JSON.stringify(e.metadata)], [null],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const at = new Date();
      await new Promise((resolve) => setTimeout(resolve, 5));
      const outcome = await store.recordingsSettled(at, 1000).then(
        () => 'settled',
        (error: unknown) => (error instanceof RecordingOpenError ? 'recording_open' : String(error)),
      );
      expect({ sameOid: oids[0] === oids[1], outcome }).toEqual({ sameOid: true, outcome: 'settled' });
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
      await store.close();
    }
  });
});
