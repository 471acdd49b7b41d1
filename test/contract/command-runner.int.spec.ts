import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type DomainEvent, MalformedEventError, schemaVersionOf, UnreadableEventError } from '../../src/events/event-catalogue.js';
import { type OrgUnitKind, orgUnitStream } from '../../src/events/org/org-unit-events.js';
import type { CommandContext } from '../../src/infrastructure/commands/command-context.js';
import { ConcurrencyConflictError, PreconditionFailedError } from '../../src/infrastructure/commands/command-context.js';
import { type CommandPlan, CommandRunner } from '../../src/infrastructure/commands/command-runner.js';
import { IdempotencyConflictError } from '../../src/infrastructure/commands/idempotency.js';
import { StreamReading } from '../../src/infrastructure/commands/stream-reading.js';
import { UnitLocks } from '../../src/infrastructure/commands/unit-locks.js';
import type { ActorMetadata, NewEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { EventStoreCapabilityError } from '../../src/infrastructure/event-store/event-store.errors.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store.js';
import { Hierarchy } from '../../src/modules/org/hierarchy/hierarchy.js';
import { OrgAccess } from '../../src/modules/org/hierarchy/org-access.js';
import {
  decideOrgUnit,
  evolveOrgUnit,
  initialOrgUnitState,
  NO_CONTEXT,
  type OrgUnitState,
} from '../../src/modules/org/org-unit/org-unit.decider.js';
import { OrgUnitCommandHandler, OrgUnitCommandMessage } from '../../src/modules/org/org-unit/org-unit.handler.js';
import { RuleViolation } from '../../src/shared/domain-errors.js';
import { OrgUnitDependents } from '../../src/shared/org-unit-dependents.port.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

type Names = string[];

const admin = (id = 'admin-1'): ActorMetadata => ({ id, role: 'admin', scopeUnitId: null });

const context = (overrides: Partial<CommandContext> = {}): CommandContext => ({
  actor: admin(),
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

/** No child units anywhere (only a termination asks). */
class NoDependents extends OrgUnitDependents {
  async childrenOnOrAfter(): Promise<string[]> {
    return [];
  }
}

describe('command runner', () => {
  let db: TestDatabase;
  let store: PostgresEventStore;
  let locks: UnitLocks;
  const access = new OrgAccess();
  const runner = (retries = 3): CommandRunner => new CommandRunner(store, access, locks, retries);

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PostgresEventStore({ connectionString: db.url });
    locks = new UnitLocks(db.url, 4);
  });
  afterAll(async () => {
    await locks.close();
    await store.close();
    await db.drop();
  });

  /** A plan that renames, after `interfere` has had its chance to write first. */
  function rename(unitId: string, name: string, seen: Names[], interfere?: () => Promise<void>): CommandPlan<Names, DomainEvent> {
    return emitting(unitId, seen, async () => {
      await interfere?.();
      return [renamed(unitId, name)];
    });
  }

  /** A plan whose decision is `decide` (a handler, bugs included), recording each state it decides on. */
  function emitting(unitId: string, seen: Names[], decide: () => Promise<DomainEvent[]> | DomainEvent[]): CommandPlan<Names, DomainEvent> {
    return {
      stream: orgUnitStream(unitId),
      id: unitId,
      initialState: () => [],
      evolve: (state, event) => (event.type === 'OrgUnitRenamed' ? [...state, event.data.name] : state),
      scope: [{ unitId, on: '2024-01-01', field: 'id' }],
      shared: () => [],
      decide: async (state) => {
        seen.push(state);
        return decide();
      },
    };
  }

  const names = async (unitId: string): Promise<string[]> =>
    (await store.readStream(orgUnitStream(unitId))).map((e) => (e.data as { name: string }).name);

  it('decides again on the new state when the stream changed under it, then appends', async () => {
    const unitId = randomUUID();
    const seen: Names[] = [];
    let interfered = false;
    const result = await runner(3).run(
      rename(unitId, 'second', seen, async () => {
        if (interfered) return;
        interfered = true;
        await store.appendToStream(orgUnitStream(unitId), [stored(renamed(unitId, 'first'))], 'no_stream');
      }),
      context(),
    );
    expect(seen).toEqual([[], ['first']]);
    expect(result.id).toBe(unitId);
    expect(result.streamRevision).toBe(1n);
    expect(await names(unitId)).toEqual(['first', 'second']);
  });

  it('gives up after its retries with a concurrency conflict (409), appending nothing', async () => {
    const unitId = randomUUID();
    const seen: Names[] = [];
    let n = 0;
    const attempt = runner(2).run(
      rename(unitId, 'mine', seen, async () => {
        await store.appendToStream(orgUnitStream(unitId), [stored(renamed(unitId, `other-${n++}`))], 'any');
      }),
      context(),
    );
    await expect(attempt).rejects.toBeInstanceOf(ConcurrencyConflictError);
    await expect(attempt).rejects.toMatchObject({ code: 'command.concurrency_conflict', stream: orgUnitStream(unitId) });
    expect(seen).toHaveLength(3);
    expect(await names(unitId)).toEqual(['other-0', 'other-1', 'other-2']);
  });

  it('does not retry when If-Match pinned the revision: 412, nothing appended', async () => {
    const unitId = randomUUID();
    await store.appendToStream(orgUnitStream(unitId), [stored(renamed(unitId, 'a'))], 'no_stream');
    const stale: Names[] = [];
    await expect(runner(3).run(rename(unitId, 'b', stale), context({ ifMatch: 5n }))).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(stale).toEqual([]);
    const seen: Names[] = [];
    const raced = runner(3).run(
      rename(unitId, 'c', seen, () => store.appendToStream(orgUnitStream(unitId), [stored(renamed(unitId, 'x'))], 0n).then(() => undefined)),
      context({ ifMatch: 0n }),
    );
    await expect(raced).rejects.toBeInstanceOf(PreconditionFailedError);
    expect(seen).toHaveLength(1);
    expect(await names(unitId)).toEqual(['a', 'x']);
  });

  it('answers a repeated idempotent request from the events it stored, without deciding again', async () => {
    const unitId = randomUUID();
    const ctx = context({ idempotencyKey: 'key-1', requestHash: 'hash-1' });
    const first = await runner().run(rename(unitId, 'once', []), ctx);
    const seen: Names[] = [];
    const again = await runner().run(rename(unitId, 'once', seen), { ...ctx, correlationId: randomUUID() });
    expect(again).toEqual(first);
    expect(seen).toEqual([]);
    const reused = runner().run(rename(unitId, 'other', []), context({ idempotencyKey: 'key-1', requestHash: 'hash-2' }));
    await expect(reused).rejects.toBeInstanceOf(IdempotencyConflictError);
    await expect(reused).rejects.toThrow(/"key-1" was used for a different request/);
    expect(await names(unitId)).toEqual(['once']);
  });

  it('answers a retried conditional request with its first answer, not 412', async () => {
    const unitId = randomUUID();
    await store.appendToStream(orgUnitStream(unitId), [stored(renamed(unitId, 'a'))], 'no_stream');
    const ctx = context({ idempotencyKey: 'key-if-match', requestHash: 'hash', ifMatch: 0n });
    const first = await runner().run(rename(unitId, 'b', []), ctx);
    expect(await runner().run(rename(unitId, 'b', []), ctx)).toEqual(first);
    expect(await names(unitId)).toEqual(['a', 'b']);
  });

  it('stores each event with its metadata, the current schema version and its business date', async () => {
    const unitId = randomUUID();
    const actor: ActorMetadata = { id: 'admin-meta', role: 'admin', scopeUnitId: null };
    const ctx = context({ actor, causationId: randomUUID(), idempotencyKey: 'key-meta', requestHash: 'hash-meta' });
    const result = await runner().run(
      emitting(unitId, [], () => [
        { type: 'OrgUnitRenamed', data: { unitId, name: 'one', previousName: '', effectiveOn: '2024-03-01' } },
        { type: 'OrgUnitRenamed', data: { unitId, name: 'two', previousName: 'one', effectiveOn: '2024-04-01' } },
      ]),
      ctx,
    );
    const events = await store.readStream(orgUnitStream(unitId));
    expect(events).toHaveLength(2);
    expect(result).toEqual({ id: unitId, streamRevision: 1n, position: events[1]!.position });
    expect(events.map((e) => e.occurredOn)).toEqual(['2024-03-01', '2024-04-01']);
    for (const e of events) {
      expect(e.type).toBe('OrgUnitRenamed');
      expect(e.schemaVersion).toBe(schemaVersionOf('OrgUnitRenamed'));
      expect(e.metadata).toEqual({
        actor,
        correlationId: ctx.correlationId,
        causationId: ctx.causationId,
        idempotencyKey: 'key-meta',
        requestHash: 'hash-meta',
      });
    }
    expect(events[0]!.data).toEqual({ unitId, name: 'one', previousName: '', effectiveOn: '2024-03-01' });
    expect(new Set(events.map((e) => e.id)).size).toBe(2);
  });

  it("decides anew for a second actor sending the same Idempotency-Key and request, not with the first actor's replay", async () => {
    const unitId = randomUUID();
    const request = { idempotencyKey: 'shared-key', requestHash: 'same-hash' };
    const first = await runner().run(rename(unitId, 'by-1', []), context({ actor: admin('admin-1'), ...request }));
    const seen: Names[] = [];
    const second = await runner().run(rename(unitId, 'by-2', seen), context({ actor: admin('admin-2'), ...request }));
    // The second actor's command was decided (on the first one's state) and stored.
    expect(seen).toEqual([['by-1']]);
    expect(second).not.toEqual(first);
    expect(second.streamRevision).toBe(1n);
    const events = await store.readStream(orgUnitStream(unitId));
    expect(events.map((e) => [e.metadata.actor.id, (e.data as { name: string }).name])).toEqual([
      ['admin-1', 'by-1'],
      ['admin-2', 'by-2'],
    ]);
    // Each actor's retry is answered with its own first answer.
    const replays: Names[] = [];
    expect(await runner().run(rename(unitId, 'by-2', replays), context({ actor: admin('admin-2'), ...request }))).toEqual(second);
    expect(await runner().run(rename(unitId, 'by-1', replays), context({ actor: admin('admin-1'), ...request }))).toEqual(first);
    expect(replays).toEqual([]);
    expect(await store.readStream(orgUnitStream(unitId))).toHaveLength(2);
  });

  it('decides anew a request of the same actor under another key, neither replaying nor refusing it for the first key', async () => {
    const unitId = randomUUID();
    const first = await runner().run(rename(unitId, 'first', []), context({ idempotencyKey: 'key-a', requestHash: 'hash-a' }));
    const seen: Names[] = [];
    const second = await runner().run(rename(unitId, 'second', seen), context({ idempotencyKey: 'key-b', requestHash: 'hash-b' }));
    expect(seen).toEqual([['first']]);
    expect(second.streamRevision).toBe(first.streamRevision + 1n);
    expect(await names(unitId)).toEqual(['first', 'second']);
  });

  it("does not refuse a third actor's other request under the same key as a conflict with the first actor's", async () => {
    const unitId = randomUUID();
    await runner().run(rename(unitId, 'by-1', []), context({ actor: admin('admin-1'), idempotencyKey: 'k', requestHash: 'hash-1' }));
    const seen: Names[] = [];
    const third = await runner().run(rename(unitId, 'by-3', seen), context({ actor: admin('admin-3'), idempotencyKey: 'k', requestHash: 'hash-3' }));
    expect(seen).toEqual([['by-1']]);
    expect(third.streamRevision).toBe(1n);
    expect(await names(unitId)).toEqual(['by-1', 'by-3']);
    // The first actor reusing its key for another request is still a conflict.
    await expect(
      runner().run(rename(unitId, 'again', []), context({ actor: admin('admin-1'), idempotencyKey: 'k', requestHash: 'hash-3' })),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
    expect(await names(unitId)).toEqual(['by-1', 'by-3']);
  });

  const upper = (id: string): string => id.toUpperCase();
  const malformed: [string, string, (unitId: string) => Record<string, unknown>][] = [
    ['an upper-case unit id', 'unitId', (unitId) => ({ unitId: upper(unitId), name: 'n', previousName: '', effectiveOn: '2024-05-01' })],
    ['a blank name', 'name', (unitId) => ({ unitId, name: '   ', previousName: '', effectiveOn: '2024-05-01' })],
    ['an untrimmed name', 'name', (unitId) => ({ unitId, name: ' n ', previousName: '', effectiveOn: '2024-05-01' })],
    ['an extra field', 'data', (unitId) => ({ unitId, name: 'n', previousName: '', effectiveOn: '2024-05-01', extra: true })],
    ['an impossible date', 'effectiveOn', (unitId) => ({ unitId, name: 'n', previousName: '', effectiveOn: '2024-02-30' })],
    ['a date in another format', 'effectiveOn', (unitId) => ({ unitId, name: 'n', previousName: '', effectiveOn: '01/05/2024' })],
    ['a missing field', 'previousName', (unitId) => ({ unitId, name: 'n', effectiveOn: '2024-05-01' })],
  ];

  it.each(malformed)('refuses a decision carrying a malformed event (%s) and appends nothing', async (_what, field, data) => {
    // On a new stream: it stays absent.
    const fresh = randomUUID();
    const bad = { type: 'OrgUnitRenamed', data: data(fresh) } as unknown as DomainEvent;
    const refused = runner().run(emitting(fresh, [], () => [renamed(fresh, 'fine'), bad]), context());
    await expect(refused).rejects.toBeInstanceOf(MalformedEventError);
    const error = (await refused.catch((e: unknown) => e)) as MalformedEventError;
    expect(error.type).toBe('OrgUnitRenamed');
    expect(error.problems.join(' ')).toContain(field);
    expect(await store.readStream(orgUnitStream(fresh))).toEqual([]);
    expect((await store.streamRevisions([orgUnitStream(fresh)])).get(orgUnitStream(fresh))).toBeNull();

    // On an existing stream: it stays as it was.
    const unitId = randomUUID();
    await store.appendToStream(orgUnitStream(unitId), [stored(renamed(unitId, 'before'))], 'no_stream');
    const idempotent = context({ idempotencyKey: `bad-${field}`, requestHash: 'h' });
    await expect(
      runner().run(emitting(unitId, [], () => [{ type: 'OrgUnitRenamed', data: data(unitId) } as unknown as DomainEvent]), idempotent),
    ).rejects.toBeInstanceOf(MalformedEventError);
    expect(await names(unitId)).toEqual(['before']);
    expect((await store.streamRevisions([orgUnitStream(unitId)])).get(orgUnitStream(unitId))).toBe(0n);
  });

  it('refuses a malformed event in a multi-stream append, appending to none of the streams', async () => {
    const good = randomUUID();
    const bad = randomUUID();
    // (appendAll is not async: a malformed event throws before any promise; either way it must not append.)
    const appended = Promise.resolve().then(() =>
      runner().appendAll(
        [
          { stream: orgUnitStream(good), expectedRevision: 'no_stream', events: [renamed(good, 'fine')] },
          { stream: orgUnitStream(bad), expectedRevision: 'no_stream', events: [renamed(upper(bad), 'fine')] },
        ],
        context(),
      ),
    );
    await expect(appended).rejects.toBeInstanceOf(MalformedEventError);
    expect(await store.readStream(orgUnitStream(good))).toEqual([]);
    expect(await store.readStream(orgUnitStream(bad))).toEqual([]);
  });

  it('refuses to decide on a stream it cannot read (a type not in the catalogue, a version from the future), appending nothing', async () => {
    for (const event of [
      { type: 'OrgUnitRenamedSomehow', schemaVersion: 1 },
      { type: 'OrgUnitRenamed', schemaVersion: schemaVersionOf('OrgUnitRenamed') + 1 },
    ]) {
      const unitId = randomUUID();
      const unreadable = { ...stored(renamed(unitId, 'a')), ...event };
      await store.appendToStream(orgUnitStream(unitId), [unreadable], 'no_stream');
      const seen: Names[] = [];
      await expect(runner().run(rename(unitId, 'b', seen), context())).rejects.toBeInstanceOf(UnreadableEventError);
      expect(seen).toEqual([]);
      expect(await store.readStream(orgUnitStream(unitId))).toHaveLength(1);
    }
  });

  it('confirms on fresh reads a refusal decided on a unit kept from an earlier scope check', async () => {
    const [province, district, school] = [randomUUID(), randomUUID(), randomUUID()];
    const unit = (unitId: string, kind: OrgUnitKind, level: string, parentId: string | null): DomainEvent =>
      ({ type: 'OrgUnitEstablished', data: { unitId, code: unitId.slice(0, 8), name: kind, kind, level, parentId, establishedOn: '2000-01-01' } }) as DomainEvent;
    await store.appendToStream(orgUnitStream(province), [stored(unit(province, 'provincial_federation', 'provincial', null))], 'no_stream');
    await store.appendToStream(orgUnitStream(district), [stored(unit(district, 'district_federation', 'district', province))], 'no_stream');
    await store.appendToStream(orgUnitStream(school), [stored(unit(school, 'grassroots_union', 'grassroots', district))], 'no_stream');
    const officer = context({ actor: { id: 'officer-p', role: 'officer', scopeUnitId: province } });
    const kept = runner();
    // The district's stream as each decision saw it: a rule that refuses on a district not renamed yet.
    const seenRevisions: number[] = [];
    const plan = (name: string): CommandPlan<Names, DomainEvent> => ({
      ...emitting(school, [], () => []),
      scope: [{ unitId: school, on: '2024-01-01', field: 'id' }],
      decide: async (_state, reading) => {
        const events = await reading.read(orgUnitStream(district));
        seenRevisions.push(events.length);
        if (name === 'second' && events.length < 2) throw new RuleViolation('test.district_not_renamed', 'the district must be renamed first');
        return [renamed(school, name)];
      },
    });
    await kept.run(plan('first'), officer);
    // Another instance renames the district: this runner's kept walk does not know.
    await store.appendToStream(orgUnitStream(district), [stored(renamed(district, 'Huyện mới'))], 0n);
    await expect(kept.run(plan('second'), officer)).resolves.toMatchObject({ id: school });
    expect(seenRevisions).toEqual([1, 1, 2]);
  });

  it('holds an administrator with a unit to her subtree, like an officer: only one without a unit acts everywhere', async () => {
    const [provinceA, provinceB, school] = [randomUUID(), randomUUID(), randomUUID()];
    const unit = (unitId: string, kind: OrgUnitKind, level: string, parentId: string | null): DomainEvent =>
      ({ type: 'OrgUnitEstablished', data: { unitId, code: unitId.slice(0, 8), name: kind, kind, level, parentId, establishedOn: '2000-01-01' } }) as DomainEvent;
    await store.appendToStream(orgUnitStream(provinceA), [stored(unit(provinceA, 'provincial_federation', 'provincial', null))], 'no_stream');
    await store.appendToStream(orgUnitStream(provinceB), [stored(unit(provinceB, 'provincial_federation', 'provincial', null))], 'no_stream');
    await store.appendToStream(orgUnitStream(school), [stored(unit(school, 'grassroots_union', 'grassroots', provinceB))], 'no_stream');
    const seen: Names[] = [];
    const outside = runner().run(rename(school, 'Trường mới', seen), context({ actor: { id: 'admin-a', role: 'admin', scopeUnitId: provinceA } }));
    await expect(outside).rejects.toMatchObject({ code: 'auth.out_of_scope', field: 'id' });
    expect(seen).toEqual([]);
    expect(new OrgAccess().isUnrestricted({ id: 'admin-a', role: 'admin', scopeUnitId: provinceA })).toBe(false);
    expect(new OrgAccess().isUnrestricted({ id: 'officer', role: 'officer', scopeUnitId: null })).toBe(false);
    await expect(runner().run(rename(school, 'Trường mới', []), context({ actor: { id: 'admin-b', role: 'admin', scopeUnitId: provinceB } }))).resolves.toMatchObject({ id: school });
    await expect(runner().run(rename(school, 'Trường mới hơn', []), context())).resolves.toMatchObject({ id: school, streamRevision: 2n });
  });

  describe('a decision that also writes beside its own stream (a reservation)', () => {
    /** A plan renaming the unit that also records, in `beside`, the name it took (the reservation). */
    function reserving(unitId: string, beside: string, name: string): CommandPlan<Names, DomainEvent> {
      return {
        ...rename(unitId, name, []),
        exclusive: [beside],
        prefetch: [beside],
        alongside: async (_events, reading) => {
          await reading.read(beside);
          return [{ stream: beside, events: [renamed(unitId, `${name} (reserved)`)] }];
        },
      };
    }

    it('appends both in one transaction, at the revisions read', async () => {
      const [unitId, beside] = [randomUUID(), `orgUnit-${randomUUID()}`];
      const result = await runner().run(reserving(unitId, beside, 'first'), context());
      expect(result).toMatchObject({ id: unitId, streamRevision: 0n });
      const [own] = await store.readStream(orgUnitStream(unitId));
      const [reserved] = await store.readStream(beside);
      expect(reserved!.data).toMatchObject({ name: 'first (reserved)' });
      expect(reserved!.position < own!.position).toBe(true);
      await runner().run(reserving(unitId, beside, 'second'), context());
      expect((await store.readStream(beside)).map((e) => (e.data as { name: string }).name)).toEqual(['first (reserved)', 'second (reserved)']);
    });

    it('on a store without multi-stream appends, appends the reservation first, then its own events', async () => {
      const single = new (class extends PostgresEventStore {
        override appendToStreams(appends: Parameters<PostgresEventStore['appendToStreams']>[0]) {
          if (appends.length > 1) return Promise.reject(new EventStoreCapabilityError('no atomic multi-stream appends here'));
          return super.appendToStreams(appends);
        }
      })({ connectionString: db.url });
      try {
        const [unitId, beside] = [randomUUID(), `orgUnit-${randomUUID()}`];
        const result = await new CommandRunner(single, access, locks, 3).run(reserving(unitId, beside, 'alone'), context());
        const [own] = await store.readStream(orgUnitStream(unitId));
        const [reserved] = await store.readStream(beside);
        expect(result.position).toBe(own!.position);
        expect(reserved!.position < own!.position).toBe(true);
      } finally {
        await single.close();
      }
    });

    it('refuses a plan that writes beside its stream without holding what it reserves alone', async () => {
      const unitId = randomUUID();
      await expect(runner().run({ ...reserving(unitId, `orgUnit-${randomUUID()}`, 'x'), exclusive: [] }, context())).rejects.toThrow(/must hold what it reserves alone/);
    });
  });

  describe('an OrgUnitEstablished stored at schema version 1 (without a level)', () => {
    /** Writes a version 1 establishment directly, in the old shape: no `level`. */
    async function establishV1(kind: OrgUnitKind, parentId: string | null, establishedOn = '2020-01-01'): Promise<string> {
      const unitId = randomUUID();
      const event: NewEvent = {
        ...stored({ type: 'OrgUnitRenamed', data: { unitId, name: 'x', previousName: '', effectiveOn: establishedOn } }),
        type: 'OrgUnitEstablished',
        schemaVersion: 1,
        data: { unitId, code: `C-${unitId.slice(0, 8)}`, name: `Unit ${kind}`, kind, parentId, establishedOn },
        occurredOn: establishedOn,
      };
      await store.appendToStream(orgUnitStream(unitId), [event], 'no_stream');
      return unitId;
    }

    it('is read by the runner as version 2: the decision sees the level of its kind, and the command goes through', async () => {
      const root = await establishV1('confederation', null);
      const district = await establishV1('district_federation', root);
      const unitId = await establishV1('grassroots_union', district);
      const command = { type: 'RenameOrgUnit', unitId, name: 'Renamed union', effectiveOn: '2024-06-01' } as const;
      const seen: OrgUnitState[] = [];
      const plan: CommandPlan<OrgUnitState, Parameters<typeof evolveOrgUnit>[1]> = {
        stream: orgUnitStream(unitId),
        id: unitId,
        initialState: initialOrgUnitState,
        evolve: evolveOrgUnit,
        scope: [{ unitId, on: command.effectiveOn, field: 'id' }],
        shared: () => [],
        decide: (state) => {
          seen.push(state);
          return decideOrgUnit(command, state, NO_CONTEXT);
        },
      };
      // An officer of the district: the scope check walks the version 1 streams up to it.
      const officer: ActorMetadata = { id: 'officer-1', role: 'officer', scopeUnitId: district };
      const result = await runner().run(plan, context({ actor: officer }));
      expect(result).toMatchObject({ id: unitId, streamRevision: 1n });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({ exists: true, unitId, kind: 'grassroots_union', level: 'grassroots', names: [{ from: '2020-01-01', value: 'Unit grassroots_union' }] });
      const events = await store.readStream(orgUnitStream(unitId));
      // The old event stays as it was stored; the new one is written at the current version.
      expect(events.map((e) => [e.type, e.schemaVersion])).toEqual([
        ['OrgUnitEstablished', 1],
        ['OrgUnitRenamed', schemaVersionOf('OrgUnitRenamed')],
      ]);
      expect(events[0]!.data).not.toHaveProperty('level');
      expect(events[1]!.data).toEqual({ unitId, name: 'Renamed union', previousName: 'Unit grassroots_union', effectiveOn: '2024-06-01' });
    });

    it('is read by the hierarchy with the level of its kind', async () => {
      const root = await establishV1('confederation', null);
      const district = await establishV1('district_federation', root);
      const unitId = await establishV1('grassroots_union', district);
      const hierarchy = new Hierarchy(new StreamReading(store));
      expect(await hierarchy.unit(unitId)).toMatchObject({ exists: true, unitId, kind: 'grassroots_union', level: 'grassroots', parents: [{ from: '2020-01-01', value: district }] });
      expect(await hierarchy.unit(district)).toMatchObject({ level: 'district' });
      expect(await hierarchy.unit(root)).toMatchObject({ level: 'national' });
      expect(await hierarchy.chainOn(unitId, '2024-01-01')).toEqual([unitId, district, root]);
    });

    it('takes part in the level rules of real commands as the level of its kind', async () => {
      const root = await establishV1('confederation', null);
      const from = await establishV1('district_federation', root);
      const to = await establishV1('district_federation', root);
      const unitId = await establishV1('grassroots_union', from);
      const other = await establishV1('grassroots_union', to);
      const handler = new OrgUnitCommandHandler(runner(), new NoDependents());
      const officer: ActorMetadata = { id: 'officer-2', role: 'officer', scopeUnitId: root };
      const send = (command: ConstructorParameters<typeof OrgUnitCommandMessage>[0]) =>
        handler.execute(new OrgUnitCommandMessage(command, context({ actor: officer })));

      // A grassroots unit goes under a district (a higher level)…
      await expect(send({ type: 'TransferOrgUnit', unitId, newParentId: to, effectiveOn: '2024-02-01' })).resolves.toMatchObject({ id: unitId, streamRevision: 1n });
      // …but not under another grassroots unit,
      await expect(send({ type: 'TransferOrgUnit', unitId, newParentId: other, effectiveOn: '2024-03-01' })).rejects.toMatchObject({ code: 'org_unit.parent_level' });
      // and merges only into a unit of its own level.
      await expect(send({ type: 'MergeOrgUnit', unitId, intoUnitId: from, effectiveOn: '2024-03-01' })).rejects.toMatchObject({ code: 'org_unit.merge_across_levels' });
      await expect(send({ type: 'MergeOrgUnit', unitId, intoUnitId: other, effectiveOn: '2024-03-01' })).resolves.toMatchObject({ id: unitId, streamRevision: 2n });
      const types = (await store.readStream(orgUnitStream(unitId))).map((e) => e.type);
      expect(types).toEqual(['OrgUnitEstablished', 'OrgUnitTransferred', 'OrgUnitMerged']);
    });
  });
});

/** A domain event as another writer stores it directly (current version, unless overridden). */
function stored(event: DomainEvent): NewEvent {
  return {
    id: randomUUID(),
    type: event.type,
    schemaVersion: schemaVersionOf(event.type),
    data: event.data,
    occurredOn: null,
    metadata: { actor: { id: 'other', role: 'officer', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
  };
}
