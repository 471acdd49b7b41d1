import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DomainEvent } from '../../src/events/event-catalogue.js';
import type { CommandContext } from '../../src/infrastructure/commands/command-context.js';
import { ConcurrencyConflictError, PreconditionFailedError } from '../../src/infrastructure/commands/command-context.js';
import { CommandExecutor, type StreamDecision } from '../../src/infrastructure/commands/command-executor.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

type Names = string[];

const context = (overrides: Partial<CommandContext> = {}): CommandContext => ({
  actor: { id: 'officer-1', role: 'officer', scopeUnitId: null },
  correlationId: randomUUID(),
  causationId: null,
  idempotencyKey: null,
  requestHash: null,
  ifMatch: null,
  ...overrides,
});

const renamed = (unitId: string, name: string): DomainEvent => ({
  type: 'OrgUnitRenamed',
  data: { unitId, name, previousName: '', effectiveOn: '2024-01-01' },
});

describe('command executor', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url });
  });
  afterAll(async () => {
    await store.close();
    await db.drop();
  });

  /** A decision that renames, after `interfere` has had its chance to write first. */
  function rename(unitId: string, name: string, seen: Names[], interfere?: () => Promise<void>): StreamDecision<Names, DomainEvent> {
    return {
      stream: `orgUnit-${unitId}`,
      id: unitId,
      initialState: () => [],
      evolve: (state, event) => (event.type === 'OrgUnitRenamed' ? [...state, event.data.name] : state),
      decide: async (state) => {
        seen.push(state);
        await interfere?.();
        return [renamed(unitId, name)];
      },
    };
  }

  it('decides again on the new state when the stream changed under it, then appends', async () => {
    const unitId = randomUUID();
    const seen: Names[] = [];
    let interfered = false;
    const executor = new CommandExecutor(store, 3);
    const result = await executor.execute(
      rename(unitId, 'second', seen, async () => {
        if (interfered) return;
        interfered = true;
        await store.appendToStream(`orgUnit-${unitId}`, [toNew(renamed(unitId, 'first'))], 'no_stream');
      }),
      context(),
    );
    expect(seen).toEqual([[], ['first']]);
    expect(result.streamRevision).toBe(1n);
    const names = (await store.readStream(`orgUnit-${unitId}`)).map((e) => (e.data as { name: string }).name);
    expect(names).toEqual(['first', 'second']);
  });

  it('gives up after its retries with a concurrency conflict, appending nothing', async () => {
    const unitId = randomUUID();
    const seen: Names[] = [];
    const executor = new CommandExecutor(store, 2);
    let n = 0;
    const attempt = executor.execute(
      rename(unitId, 'mine', seen, async () => {
        await store.appendToStream(`orgUnit-${unitId}`, [toNew(renamed(unitId, `other-${n++}`))], 'any');
      }),
      context(),
    );
    await expect(attempt).rejects.toBeInstanceOf(ConcurrencyConflictError);
    expect(seen).toHaveLength(3);
    const names = (await store.readStream(`orgUnit-${unitId}`)).map((e) => (e.data as { name: string }).name);
    expect(names).toEqual(['other-0', 'other-1', 'other-2']);
  });

  it('does not retry when If-Match pinned the revision: 412, nothing appended', async () => {
    const unitId = randomUUID();
    await store.appendToStream(`orgUnit-${unitId}`, [toNew(renamed(unitId, 'a'))], 'no_stream');
    const executor = new CommandExecutor(store, 3);
    await expect(executor.execute(rename(unitId, 'b', []), context({ ifMatch: 5n }))).rejects.toBeInstanceOf(PreconditionFailedError);
    const seen: Names[] = [];
    const raced = executor.execute(
      rename(unitId, 'c', seen, () => store.appendToStream(`orgUnit-${unitId}`, [toNew(renamed(unitId, 'x'))], 0n).then(() => undefined)),
      context({ ifMatch: 0n }),
    );
    await expect(raced).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(seen).toHaveLength(1);
    const names = (await store.readStream(`orgUnit-${unitId}`)).map((e) => (e.data as { name: string }).name);
    expect(names).toEqual(['a', 'x']);
  });

  it('answers a repeated idempotent request from the events it stored, without deciding again', async () => {
    const unitId = randomUUID();
    const executor = new CommandExecutor(store, 3);
    const ctx = context({ idempotencyKey: 'key-1', requestHash: 'hash-1' });
    const first = await executor.execute(rename(unitId, 'once', []), ctx);
    const seen: Names[] = [];
    const again = await executor.execute(rename(unitId, 'once', seen), ctx);
    expect(again).toEqual(first);
    expect(seen).toEqual([]);
    await expect(executor.execute(rename(unitId, 'other', []), context({ idempotencyKey: 'key-1', requestHash: 'hash-2' }))).rejects.toThrow(
      /used for a different request/,
    );
    expect(await store.readStream(`orgUnit-${unitId}`)).toHaveLength(1);
  });

  it('answers a retried conditional request with its first answer, not 412', async () => {
    const unitId = randomUUID();
    await store.appendToStream(`orgUnit-${unitId}`, [toNew(renamed(unitId, 'a'))], 'no_stream');
    const executor = new CommandExecutor(store, 3);
    const ctx = context({ idempotencyKey: 'key-if-match', requestHash: 'hash', ifMatch: 0n });
    const first = await executor.execute(rename(unitId, 'b', []), ctx);
    expect(await executor.execute(rename(unitId, 'b', []), ctx)).toEqual(first);
    expect(await store.readStream(`orgUnit-${unitId}`)).toHaveLength(2);
  });
});

function toNew(event: DomainEvent) {
  return {
    id: randomUUID(),
    type: event.type,
    schemaVersion: 1,
    data: event.data,
    occurredOn: null,
    metadata: { actor: { id: 'other', role: 'officer', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
  };
}
