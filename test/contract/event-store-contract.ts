import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  EventStore,
  type NewEvent,
  type StoredEvent,
} from '../../src/infrastructure/event-store/event-store.port.js';
import {
  EventStoreUsageError,
  WrongExpectedRevisionError,
} from '../../src/infrastructure/event-store/event-store.errors.js';

export interface ContractSubject {
  readonly store: EventStore;
  cleanup(): Promise<void>;
  /** Whether appendToStreams is atomic across streams; otherwise it must refuse several streams. */
  readonly atomicMultiStreamAppend?: boolean;
}

function newEvent(type = 'ThingHappened', data: object = { n: 1 }, occurredOn: string | null = null): NewEvent {
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    data,
    occurredOn,
    metadata: {
      actor: { id: 'tester', role: 'admin', scopeUnitId: null },
      correlationId: randomUUID(),
      causationId: null,
      idempotencyKey: null,
      requestHash: null,
    },
  };
}

/** Distinct category per test run, so filters by category see only this run's streams. */
function category(): string {
  return `c${randomUUID().replaceAll('-', '').slice(0, 12)}`;
}

async function readAllAfter(store: EventStore, after: string | null, filter?: Parameters<EventStore['readAll']>[0]): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let cursor = after;
  for (;;) {
    const batch = await store.readAll({ ...filter, after: cursor, maxCount: 100 });
    if (batch.length === 0) return out;
    out.push(...batch);
    cursor = batch[batch.length - 1]!.logCursor;
  }
}

/** The behaviour every event store adapter must have. */
export function describeEventStoreContract(label: string, factory: () => Promise<ContractSubject>): void {
  describe(`${label}: event store contract`, () => {
    let subject: ContractSubject;
    let store: EventStore;

    beforeAll(async () => {
      subject = await factory();
      store = subject.store;
    });
    afterAll(async () => {
      await subject?.cleanup();
    });

    it('stores every field of an event and reads it back from its stream', async () => {
      const stream = `${category()}-${randomUUID()}`;
      const event = newEvent('UnitNamed', { name: 'Công đoàn cơ sở A', nested: { k: [1, 2] } }, '2024-05-01');
      const before = Date.now();
      const result = await store.appendToStream(stream, [event], 'no_stream');
      expect(result.streamRevision).toBe(0n);

      const [stored] = await store.readStream(stream);
      expect(stored).toBeDefined();
      expect(stored!.id).toBe(event.id);
      expect(stored!.stream).toBe(stream);
      expect(stored!.streamRevision).toBe(0n);
      expect(stored!.position).toBe(result.position);
      expect(stored!.type).toBe('UnitNamed');
      expect(stored!.schemaVersion).toBe(1);
      expect(stored!.data).toEqual({ name: 'Công đoàn cơ sở A', nested: { k: [1, 2] } });
      expect(stored!.metadata.actor).toEqual(event.metadata.actor);
      expect(stored!.metadata.correlationId).toBe(event.metadata.correlationId);
      expect(stored!.occurredOn).toBe('2024-05-01');
      expect(stored!.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 5000);
      expect(store.positionOfCursor(stored!.logCursor)).toBe(stored!.position);
    });

    it('numbers the events of a stream from 0 and positions them in increasing order', async () => {
      const stream = `${category()}-${randomUUID()}`;
      await store.appendToStream(stream, [newEvent(), newEvent()], 'no_stream');
      const result = await store.appendToStream(stream, [newEvent()], 1n);
      expect(result.streamRevision).toBe(2n);
      const events = await store.readStream(stream);
      expect(events.map((e) => e.streamRevision)).toEqual([0n, 1n, 2n]);
      expect(events[0]!.position < events[1]!.position && events[1]!.position < events[2]!.position).toBe(true);
      expect(result.position).toBe(events[2]!.position);
    });

    it('refuses no_stream on an existing stream and writes nothing', async () => {
      const stream = `${category()}-${randomUUID()}`;
      await store.appendToStream(stream, [newEvent()], 'no_stream');
      await expect(store.appendToStream(stream, [newEvent()], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect(await store.readStream(stream)).toHaveLength(1);
    });

    it('refuses a stale exact revision, naming the actual one, and writes nothing', async () => {
      const stream = `${category()}-${randomUUID()}`;
      await store.appendToStream(stream, [newEvent(), newEvent()], 'no_stream');
      const error = await store.appendToStream(stream, [newEvent()], 0n).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedRevisionError);
      expect((error as WrongExpectedRevisionError).actual).toBe('1');
      expect(await store.readStream(stream)).toHaveLength(2);
    });

    it('refuses an exact revision on a stream that does not exist', async () => {
      const stream = `${category()}-${randomUUID()}`;
      await expect(store.appendToStream(stream, [newEvent()], 0n)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(stream)).toEqual([]);
    });

    it('honours stream_exists and any', async () => {
      const stream = `${category()}-${randomUUID()}`;
      await expect(store.appendToStream(stream, [newEvent()], 'stream_exists')).rejects.toBeInstanceOf(
        WrongExpectedRevisionError,
      );
      expect((await store.appendToStream(stream, [newEvent()], 'any')).streamRevision).toBe(0n);
      expect((await store.appendToStream(stream, [newEvent()], 'stream_exists')).streamRevision).toBe(1n);
      expect((await store.appendToStream(stream, [newEvent()], 'any')).streamRevision).toBe(2n);
    });

    it('lets exactly one of many concurrent writers at the same revision win', async () => {
      const stream = `${category()}-${randomUUID()}`;
      await store.appendToStream(stream, [newEvent()], 'no_stream');
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, () => store.appendToStream(stream, [newEvent(), newEvent()], 0n)),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      for (const o of lost) expect((o as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedRevisionError);
      expect(await store.readStream(stream)).toHaveLength(3);
    });

    it('reads a stream backwards, from a revision, and bounded', async () => {
      const stream = `${category()}-${randomUUID()}`;
      await store.appendToStream(stream, [0, 1, 2, 3, 4].map((n) => newEvent('N', { n })), 'no_stream');
      const data = (events: StoredEvent[]): unknown[] => events.map((e) => (e.data as { n: number }).n);
      expect(data(await store.readStream(stream, { direction: 'backwards' }))).toEqual([4, 3, 2, 1, 0]);
      expect(data(await store.readStream(stream, { fromRevision: 2n }))).toEqual([2, 3, 4]);
      expect(data(await store.readStream(stream, { fromRevision: 3n, direction: 'backwards', maxCount: 2 }))).toEqual([3, 2]);
      expect(data(await store.readStream(stream, { maxCount: 2 }))).toEqual([0, 1]);
      expect(await store.readStream(`${category()}-${randomUUID()}`)).toEqual([]);
    });

    it('reads several streams at once, and their revisions without their events', async () => {
      const [a, b, absent] = [0, 1, 2].map(() => `${category()}-${randomUUID()}`) as [string, string, string];
      await store.appendToStream(a, [0, 1, 2].map((n) => newEvent('N', { n })), 'no_stream');
      await store.appendToStream(b, [newEvent('N', { n: 9 })], 'no_stream');
      const read = await store.readStreams([b, absent, a, a]);
      expect([...read.keys()].sort()).toEqual([a, absent, b].sort());
      expect(read.get(a)!.map((e) => [e.streamRevision, (e.data as { n: number }).n])).toEqual([[0n, 0], [1n, 1], [2n, 2]]);
      expect(read.get(b)!.map((e) => e.id)).toEqual((await store.readStream(b)).map((e) => e.id));
      expect(read.get(absent)).toEqual([]);
      expect(await store.streamRevisions([a, b, absent])).toEqual(new Map([[a, 2n], [b, 0n], [absent, null]]));
      expect(await store.readStreams([])).toEqual(new Map());
    });

    it('reads the global log in order after a cursor, filtered by type or category on the server', async () => {
      const cat = category();
      const head = await store.readAll({ maxCount: 1 });
      const start = (await latestCursor(store)) ?? (head[0]?.logCursor ?? null);
      const a = `${cat}-${randomUUID()}`;
      const b = `${cat}-${randomUUID()}`;
      const other = `${category()}-${randomUUID()}`;
      await store.appendToStream(a, [newEvent('Alpha', { i: 1 })], 'no_stream');
      await store.appendToStream(other, [newEvent('Omega', { i: 2 })], 'no_stream');
      await store.appendToStream(b, [newEvent('Beta', { i: 3 }), newEvent('Alpha', { i: 4 })], 'no_stream');

      const all = (await readAllAfter(store, start)).filter((e) => [a, b, other].includes(e.stream));
      expect(all.map((e) => (e.data as { i: number }).i)).toEqual([1, 2, 3, 4]);
      for (let i = 1; i < all.length; i++) expect(all[i]!.position > all[i - 1]!.position).toBe(true);

      const afterFirst = await readAllAfter(store, all[0]!.logCursor);
      expect(afterFirst.some((e) => e.id === all[0]!.id)).toBe(false);
      expect(afterFirst.some((e) => e.id === all[1]!.id)).toBe(true);

      const byCategory = await readAllAfter(store, start, { filter: { streamCategories: [cat] } });
      expect(byCategory.map((e) => (e.data as { i: number }).i)).toEqual([1, 3, 4]);

      const byType = (await readAllAfter(store, start, { filter: { eventTypes: ['Alpha'] } })).filter((e) =>
        [a, b].includes(e.stream),
      );
      expect(byType.map((e) => (e.data as { i: number }).i)).toEqual([1, 4]);
    });

    it('subscribes from a cursor: catches up, then delivers new events live, in order', async () => {
      const cat = category();
      const stream = `${cat}-${randomUUID()}`;
      const first = await store.appendToStream(stream, [newEvent('S', { i: 0 })], 'no_stream');
      const [firstEvent] = await store.readStream(stream);
      expect(firstEvent!.position).toBe(first.position);
      const before = await store.readAll({ maxCount: 1 });
      expect(before.length).toBeGreaterThan(0);

      const subscription = store.subscribeToAll({ filter: { streamCategories: [cat] }, batchSize: 10 });
      const seen: number[] = [];
      const done = (async () => {
        for await (const batch of subscription) {
          for (const e of batch.events) seen.push((e.data as { i: number }).i);
          if (seen.length >= 4) break;
        }
      })();
      await store.appendToStream(stream, [newEvent('S', { i: 1 })], 0n);
      await store.appendToStream(stream, [newEvent('S', { i: 2 }), newEvent('S', { i: 3 })], 1n);
      await done;
      await subscription.close();
      expect(seen).toEqual([0, 1, 2, 3]);
    });

    it('resumes a subscription right after a cursor without redelivering it', async () => {
      const cat = category();
      const stream = `${cat}-${randomUUID()}`;
      await store.appendToStream(stream, [0, 1, 2].map((i) => newEvent('R', { i })), 'no_stream');
      const [, second] = await store.readStream(stream);
      const subscription = store.subscribeToAll({ after: second!.logCursor, filter: { streamCategories: [cat] } });
      const seen: number[] = [];
      for await (const batch of subscription) {
        for (const e of batch.events) seen.push((e.data as { i: number }).i);
        if (seen.length >= 1) break;
      }
      await subscription.close();
      expect(seen).toEqual([2]);
    });

    it('appends to several streams all or nothing', async () => {
      const cat = category();
      const fresh = `${cat}-${randomUUID()}`;
      const existing = `${cat}-${randomUUID()}`;
      await store.appendToStream(existing, [newEvent()], 'no_stream');
      const attempt = store.appendToStreams([
        { stream: fresh, expectedRevision: 'no_stream', events: [newEvent()] },
        { stream: existing, expectedRevision: 'no_stream', events: [newEvent()] },
      ]);
      if (subject.atomicMultiStreamAppend === false) {
        await expect(attempt).rejects.toBeInstanceOf(EventStoreUsageError);
      } else {
        await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        const ok = await store.appendToStreams([
          { stream: fresh, expectedRevision: 'no_stream', events: [newEvent()] },
          { stream: existing, expectedRevision: 0n, events: [newEvent(), newEvent()] },
        ]);
        expect(ok.map((r) => r.streamRevision)).toEqual([0n, 2n]);
        expect(ok[0]!.position < ok[1]!.position).toBe(true);
      }
      expect(await store.readStream(fresh)).toHaveLength(subject.atomicMultiStreamAppend === false ? 0 : 1);
    });

    it('reports the head of the global log', async () => {
      const stream = `${category()}-${randomUUID()}`;
      const result = await store.appendToStream(stream, [newEvent()], 'no_stream');
      expect(await store.headPosition()).toBeGreaterThanOrEqual(result.position);
    });

    it('refuses a stream name without a category, and an empty append, writing nothing', async () => {
      await expect(store.appendToStream('no category', [newEvent()], 'any')).rejects.toThrow(/<category>-<id>/);
      await expect(store.appendToStream(`${category()}-${randomUUID()}`, [], 'any')).rejects.toBeInstanceOf(EventStoreUsageError);
    });

    it('refuses a malformed cursor with an error naming it', async () => {
      await expect(store.readAll({ after: 'not-a-cursor' })).rejects.toThrow(/not-a-cursor/);
    });
  });
}

async function latestCursor(store: EventStore): Promise<string | null> {
  let cursor: string | null = null;
  for (;;) {
    const batch = await store.readAll({ after: cursor, maxCount: 1000 });
    if (batch.length === 0) return cursor;
    cursor = batch[batch.length - 1]!.logCursor;
  }
}
