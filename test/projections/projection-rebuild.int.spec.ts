import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource, EntityManager } from 'typeorm';
import type { DomainEventType, EventOfType } from '../../src/events/event-catalogue.js';
import { memberStream } from '../../src/events/org/member-events.js';
import { orgUnitStream } from '../../src/events/org/org-unit-events.js';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import type { StoredDomainEvent } from '../../src/infrastructure/event-store/domain-events.js';
import type { StreamAppend } from '../../src/infrastructure/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store.js';
import type { Projection } from '../../src/infrastructure/projections/projection.js';
import { ProjectionProgress } from '../../src/infrastructure/projections/projection-progress.js';
import { type ProjectionStatus, ProjectionsService } from '../../src/infrastructure/projections/projections.service.js';
import { GetMemberHandler, GetMemberQuery } from '../../src/read-models/membership/member.queries.js';
import { MembershipProjection } from '../../src/read-models/membership/membership.projection.js';
import { OrgStructureProjection } from '../../src/read-models/org-structure/org-structure.projection.js';
import { OrgStructureDependents } from '../../src/read-models/org-structure/org-unit-dependents.js';
import { GetOrgUnitHandler, GetOrgUnitQuery, ListChildUnitsHandler, ListChildUnitsQuery } from '../../src/read-models/org-structure/org-unit.queries.js';
import { Gate, inRebuild } from '../support/gate.js';
import { recorded } from '../support/recorded-event.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** A view whose rebuild, from its third batch on, waits at `gate` while one is set. */
class Gated<T extends DomainEventType> implements Projection<T> {
  readonly name: string;
  readonly handles: readonly T[];
  readonly tables: readonly string[];
  gate: Gate | null = null;
  rebuildBatches = 0;

  constructor(private readonly view: Projection<T>) {
    this.name = view.name;
    this.handles = view.handles;
    this.tables = view.tables;
  }

  async apply(events: readonly StoredDomainEvent<EventOfType<T>>[], m: EntityManager): Promise<void> {
    if (await inRebuild(m)) {
      this.rebuildBatches += 1;
      if (this.rebuildBatches >= 3) await this.gate?.passed;
    }
    await this.view.apply(events, m);
  }
}

const ON = '2020-01-01';

describe('rebuilding the organisation views while they serve', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let store: PostgresEventStore;
  let progress: ProjectionProgress;
  let service: ProjectionsService;
  const structure = new Gated(new OrgStructureProjection());
  const membership = new Gated(new MembershipProjection());
  const views = [structure, membership];
  const names = views.map((v) => v.name);
  const tables = views.flatMap((v) => v.tables);

  // A province, 20 districts of 15 grassroots units each, 320 members; a transfer, a merger,
  // a termination, member transfers and departures, so that every table has rows.
  const province = randomUUID();
  const districts = Array.from({ length: 20 }, () => randomUUID());
  const grassroots = districts.flatMap((d) => Array.from({ length: 15 }, () => ({ unitId: randomUUID(), parentId: d })));
  const members = Array.from({ length: 320 }, (_, i) => ({ memberId: randomUUID(), unitId: grassroots[i % grassroots.length]!.unitId }));

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    db = await createTestDatabase();
    ds = createDataSource(db.url);
    await ds.initialize();
    store = new PostgresEventStore({ connectionString: db.url, pollIntervalMs: 100 });
    progress = new ProjectionProgress(ds, db.url);

    const establish = (unitId: string, kind: 'provincial_federation' | 'district_federation' | 'grassroots_union', parentId: string | null): StreamAppend => ({
      stream: orgUnitStream(unitId),
      expectedRevision: 'no_stream',
      events: [
        recorded(
          'OrgUnitEstablished',
          {
            unitId,
            code: unitId.slice(0, 8),
            name: `Unit ${unitId.slice(0, 4)}`,
            kind,
            level: ({ provincial_federation: 'provincial', district_federation: 'district', grassroots_union: 'grassroots' } as const)[kind],
            parentId,
            establishedOn: '2000-01-01',
          },
          '2000-01-01',
        ),
      ],
    });
    await store.appendToStreams([establish(province, 'provincial_federation', null), ...districts.map((d) => establish(d, 'district_federation', province))]);
    for (let i = 0; i < grassroots.length; i += 100) {
      await store.appendToStreams(grassroots.slice(i, i + 100).map((g) => establish(g.unitId, 'grassroots_union', g.parentId)));
    }
    for (let i = 0; i < members.length; i += 100) {
      await store.appendToStreams(
        members.slice(i, i + 100).map((m, j) => ({
          stream: memberStream(m.memberId),
          expectedRevision: 'no_stream' as const,
          events: [recorded('MemberEnrolled', { ...m, fullName: `Member ${i + j}`, memberCode: `M${i + j}`, joinedOn: '2010-01-01' }, '2010-01-01')],
        })),
      );
    }
    const moved = grassroots[0]!.unitId;
    await store.appendToStream(
      orgUnitStream(moved),
      [recorded('OrgUnitTransferred', { unitId: moved, fromParentId: districts[0]!, toParentId: districts[1]!, effectiveOn: '2012-01-01' }, '2012-01-01')],
      'any',
    );
    await store.appendToStream(
      orgUnitStream(districts[19]!),
      [recorded('OrgUnitMerged', { unitId: districts[19]!, intoUnitId: districts[18]!, effectiveOn: '2015-01-01' }, '2015-01-01')],
      'any',
    );
    const ended = grassroots[45]!.unitId;
    await store.appendToStream(
      orgUnitStream(ended),
      [recorded('OrgUnitTerminated', { unitId: ended, effectiveOn: '2016-01-01', reason: 'dissolved' }, '2016-01-01')],
      'any',
    );
    for (const m of members.slice(100, 105)) {
      await store.appendToStream(
        memberStream(m.memberId),
        [recorded('MemberTransferred', { memberId: m.memberId, fromUnitId: m.unitId, toUnitId: grassroots[200]!.unitId, effectiveOn: '2013-01-01' }, '2013-01-01')],
        'any',
      );
    }
    for (const m of members.slice(110, 114)) {
      await store.appendToStream(
        memberStream(m.memberId),
        [recorded('MemberLeft', { memberId: m.memberId, unitId: m.unitId, effectiveOn: '2014-01-01', reason: 'moved away' }, '2014-01-01')],
        'any',
      );
    }

    service = new ProjectionsService(views, ds, store, { batchSize: 10, lockRetryMs: 100, controlPollMs: 100 });
    service.onApplicationBootstrap();
    await progress.waitFor(names, await store.headPosition(), 30000);
  });
  afterAll(async () => {
    for (const view of views) view.gate?.open();
    await service.onApplicationShutdown();
    await progress.close();
    await store.close();
    await ds.destroy();
    await db.drop();
  });

  /** Every row of every table of both views, as text, in order. */
  async function contents(): Promise<Record<string, string[]>> {
    const all: Record<string, string[]> = {};
    for (const table of tables) {
      const rows: { row: string }[] = await ds.query(`SELECT t::text AS row FROM ${table} t ORDER BY 1`);
      all[table] = rows.map((r) => r.row);
    }
    return all;
  }

  /** The names and definitions of the tables' indexes and constraints. */
  async function made(): Promise<unknown[]> {
    return Promise.all([
      ds.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1) ORDER BY indexname`, [tables]),
      ds.query(
        `SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) AS definition
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
          WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1) ORDER BY c.relname, k.conname`,
        [tables],
      ),
    ]);
  }

  async function statuses(): Promise<Record<string, ProjectionStatus>> {
    return Object.fromEntries((await service.status()).map((s) => [s.name, s]));
  }

  async function switchedIn(completedBefore: Record<string, ProjectionStatus>): Promise<void> {
    await waitUntil(async () => {
      const now = await statuses();
      return names.every((n) => !now[n]!.rebuilding && !now[n]!.rebuildRequested && now[n]!.rebuildCompletedAt !== completedBefore[n]!.rebuildCompletedAt);
    });
  }

  it('keeps every answer complete during a rebuild, follows new events meanwhile, and switches in tables equal to the live ones', async () => {
    const getUnit = new GetOrgUnitHandler(ds, progress, store);
    const children = new ListChildUnitsHandler(ds, progress, store);
    const getMember = new GetMemberHandler(ds, progress, store);
    const dependents = new OrgStructureDependents(ds, store, progress);
    const inProvince = { unitId: province };
    const builtTables = await made();
    const baseline = {
      units: (await ds.query(`SELECT count(*)::int AS n FROM org_unit_versions`))[0].n as number,
      memberships: (await ds.query(`SELECT count(*)::int AS n FROM member_versions`))[0].n as number,
      subtree: (await getUnit.execute(new GetOrgUnitQuery(inProvince, province, ON, null))).members.subtree,
    };
    expect(baseline.units).toBeGreaterThan(320);
    expect(baseline.memberships).toBeGreaterThan(320);
    expect(baseline.subtree).toBeGreaterThan(300);

    // Readers all along, as callers scoped to the province: every answer complete, no 404.
    const seen: string[] = [];
    let reads = 0;
    let reading = true;
    const reader = (async () => {
      while (reading) {
        try {
          const [{ n: units }] = await ds.query(`SELECT count(*)::int AS n FROM org_unit_versions`);
          if (units < baseline.units) seen.push(`${units} unit versions`);
          const [{ n: memberships }] = await ds.query(`SELECT count(*)::int AS n FROM member_versions`);
          if (memberships < baseline.memberships) seen.push(`${memberships} member versions`);
          const top = await getUnit.execute(new GetOrgUnitQuery(inProvince, province, ON, null));
          if (top.members.subtree < baseline.subtree) seen.push(`${top.members.subtree} members in the province`);
          const page = await children.execute(new ListChildUnitsQuery(inProvince, districts[2]!, ON, 100, null, null));
          if (page.items.length < 15) seen.push(`${page.items.length} units under a district`);
          const leaf = await getUnit.execute(new GetOrgUnitQuery(inProvince, grassroots[299]!.unitId, ON, null));
          if (leaf.ancestors.length !== 2) seen.push(`${leaf.ancestors.length} ancestors of a unit`);
          await getMember.execute(new GetMemberQuery(inProvince, members[7]!.memberId, ON, null));
        } catch (error) {
          seen.push(String(error));
        }
        reads += 1;
      }
    })();

    // The readers stop whatever happens: the test fails rather than hang.
    let before: Record<string, ProjectionStatus>;
    let live: Record<string, string[]>;
    let enrolled: { position: bigint };
    const unitId = randomUUID();
    try {
      for (const view of views) view.gate = new Gate();
      before = await statuses();
      for (const name of names) await service.requestRebuild(name);
      await waitUntil(() => seen.length > 0 || views.every((v) => v.rebuildBatches >= 3));
      expect(seen).toEqual([]);
      const during = await statuses();
      for (const name of names) {
        expect(during[name]!.rebuilding).toBe(true);
        expect(during[name]!.rebuildPosition).not.toBeNull();
        expect(BigInt(during[name]!.rebuildPosition!)).toBeLessThan(BigInt(during[name]!.position));
      }

      // New facts reach the live views while the rebuild waits: a unit and a member in it.
      const memberId = randomUUID();
      await store.appendToStream(
        orgUnitStream(unitId),
        [
          recorded(
            'OrgUnitEstablished',
            { unitId, code: 'NEW', name: 'New unit', kind: 'grassroots_union', level: 'grassroots', parentId: districts[2]!, establishedOn: '2019-01-01' },
            '2019-01-01',
          ),
        ],
        'no_stream',
      );
      enrolled = await store.appendToStream(
        memberStream(memberId),
        [recorded('MemberEnrolled', { memberId, unitId, fullName: 'New member', memberCode: 'NEW', joinedOn: '2019-06-01' }, '2019-06-01')],
        'no_stream',
      );
      await progress.waitFor(names, enrolled.position, 5000);
      const fresh = await getUnit.execute(new GetOrgUnitQuery(inProvince, unitId, ON, enrolled.position));
      expect(fresh.members).toEqual({ direct: 1, subtree: 1 });
      expect(await dependents.childrenOnOrAfter(districts[2]!, ON)).toHaveLength(16);
      expect((await getMember.execute(new GetMemberQuery(inProvince, memberId, ON, enrolled.position))).unitId).toBe(unitId);
      expect((await statuses())[structure.name]!.rebuilding).toBe(true);
      live = await contents();
      for (const view of views) view.gate!.open();
      await switchedIn(before);
    } finally {
      reading = false;
      await reader;
    }
    expect(seen).toEqual([]);
    expect(reads).toBeGreaterThan(5);

    expect(await contents()).toEqual(live);
    expect(await made()).toEqual(builtTables);
    const rebuilt = await statuses();
    for (const name of names) expect(BigInt(rebuilt[name]!.position)).toBeGreaterThanOrEqual(enrolled.position);
    expect(await ds.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rebuild\\_%'`)).toEqual([]);
    // Scoped reads go through the scope functions, which now read the rebuilt tables.
    expect((await getUnit.execute(new GetOrgUnitQuery(inProvince, unitId, ON, null))).members).toEqual({ direct: 1, subtree: 1 });
    expect((await getUnit.execute(new GetOrgUnitQuery({ unitId: districts[2]! }, unitId, ON, null))).ancestors).toHaveLength(1);
    await expect(getUnit.execute(new GetOrgUnitQuery({ unitId: districts[3]! }, unitId, ON, null))).rejects.toThrow('does not exist');

    // A second rebuild, of the rebuilt tables, to the same.
    for (const view of views) view.gate = null;
    for (const name of names) await service.requestRebuild(name);
    await switchedIn(rebuilt);
    expect(await contents()).toEqual(live);
    expect(await made()).toEqual(builtTables);
  });
});

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs = 30000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
