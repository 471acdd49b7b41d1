import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource, EntityManager } from 'typeorm';
import { OrgUnitClosure1732500000400 } from '../../src/infrastructure/database/migrations/1732500000400-org-unit-closure.js';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import type { StoredEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { OrgStructureProjection } from '../../src/read-models/org-structure/org-structure.projection.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { walkingScopeFunctions } from '../../src/infrastructure/database/migrations/1732500000300-access.js';

/** Positions as the store gives them: unique in the database, whichever test writes them. */
let lastPosition = 1000n;

/** Org unit events built by hand, with stream revisions and positions as the store gives them. */
class Log {
  private readonly revisions = new Map<string, bigint>();
  readonly events: StoredEvent[] = [];

  add(unitId: string, type: string, data: object): StoredEvent {
    const stream = `orgUnit-${unitId}`;
    const revision = (this.revisions.get(stream) ?? -1n) + 1n;
    this.revisions.set(stream, revision);
    const position = ++lastPosition;
    const stored: StoredEvent = {
      id: randomUUID(),
      stream,
      streamRevision: revision,
      position,
      logCursor: position.toString(),
      type,
      schemaVersion: 1,
      data,
      occurredOn: null,
      recordedAt: new Date(),
      transaction: position.toString(),
      metadata: { actor: { id: 't', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
    };
    this.events.push(stored);
    return stored;
  }

  establish(unitId: string, level: string, parentId: string | null, on: string): void {
    const kind = { national: 'confederation', provincial: 'provincial_federation', district: 'district_federation', grassroots: 'grassroots_union' }[level];
    this.add(unitId, 'OrgUnitEstablished', { unitId, code: unitId.slice(0, 6), name: `U ${unitId.slice(0, 4)}`, kind, level, parentId, establishedOn: on });
  }
  rename(unitId: string, on: string): void {
    this.add(unitId, 'OrgUnitRenamed', { unitId, name: `R ${on}`, previousName: 'x', effectiveOn: on });
  }
  transfer(unitId: string, toParentId: string, on: string): void {
    this.add(unitId, 'OrgUnitTransferred', { unitId, fromParentId: null, toParentId, effectiveOn: on });
  }
  merge(unitId: string, intoUnitId: string, on: string): void {
    this.add(unitId, 'OrgUnitMerged', { unitId, intoUnitId, effectiveOn: on });
  }
  terminate(unitId: string, on: string): void {
    this.add(unitId, 'OrgUnitTerminated', { unitId, effectiveOn: on, reason: 'dissolved' });
  }
}

/** A deterministic pseudo-random sequence (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  a: string;
  d: string;
  from: string;
  to: string | null;
}

/**
 * The walks the closure replaces (migration 1732500000300), kept under other names in the
 * throwaway database as the reference.
 */
const LEGACY_FUNCTIONS = walkingScopeFunctions('CREATE').map((sql) => sql.replaceAll('org_unit_chain_on', 'legacy_chain_on').replaceAll('org_unit_within', 'legacy_within'));

describe('dated closure of the org hierarchy', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const structure = new OrgStructureProjection();

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url);
    await ds.initialize();
    for (const sql of LEGACY_FUNCTIONS) await ds.query(sql);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  /** Applies the events as one batch (one transaction), as the runner does. */
  async function apply(events: readonly StoredEvent[]): Promise<void> {
    // The projection's event type is being retyped elsewhere: these are hand-built org unit events.
    await ds.transaction(async (m: EntityManager) => structure.apply(events as never, m));
  }

  async function applyInBatches(events: readonly StoredEvent[], sizes: () => number): Promise<void> {
    for (let i = 0; i < events.length; ) {
      const n = Math.max(1, sizes());
      await apply(events.slice(i, i + n));
      i += n;
    }
  }

  async function closureOf(units: readonly string[]): Promise<Row[]> {
    return ds.query(
      `SELECT ancestor_id AS a, descendant_id AS d, to_char(valid_from, 'YYYY-MM-DD') AS "from", to_char(valid_to, 'YYYY-MM-DD') AS "to"
         FROM org_unit_closure WHERE descendant_id = ANY($1::uuid[]) ORDER BY d, a, valid_from`,
      [units],
    );
  }

  /**
   * The closure as the old walk defines it: the chain of each unit on the first day of each
   * stretch between version boundaries (nothing changes within one), for the days the unit
   * has a version, merged into maximal ranges.
   */
  async function referenceClosureOf(units: readonly string[]): Promise<Row[]> {
    return ds.query(
      `WITH bounds AS (
         SELECT valid_from AS b FROM org_unit_versions UNION SELECT valid_to FROM org_unit_versions WHERE valid_to IS NOT NULL
       ),
       pieces AS (SELECT b AS first_day, lead(b) OVER (ORDER BY b) AS next_day FROM bounds),
       chains AS (
         SELECT c.unit_id AS a, v.unit_id AS d, daterange(p.first_day, p.next_day) AS r
           FROM pieces p
           JOIN org_unit_versions v ON v.unit_id = ANY($1::uuid[]) AND v.valid_from <= p.first_day AND (v.valid_to IS NULL OR v.valid_to > p.first_day)
           CROSS JOIN LATERAL legacy_chain_on(v.unit_id, NULL, p.first_day) c
       )
       SELECT a, d, to_char(lower(r), 'YYYY-MM-DD') AS "from", to_char(upper(r), 'YYYY-MM-DD') AS "to"
         FROM (SELECT a, d, unnest(range_agg(r)) AS r FROM chains GROUP BY a, d) x
        ORDER BY d, a, lower(r)`,
      [units],
    );
  }

  /** Rows of the closure named by letters, for readable expectations. */
  function named(rows: readonly Row[], names: Record<string, string>, descendant: string): string[] {
    const byId = new Map(Object.entries(names).map(([k, v]) => [v, k]));
    return rows
      .filter((r) => r.d === names[descendant])
      .map((r) => `${byId.get(r.a) ?? r.a} ${r.from}..${r.to ?? ''}`)
      .sort();
  }

  /**
   * Provinces P, Q; districts D (under P), E (under Q); grassroots G, H under D, K under E.
   * Histories: a transfer of D (a subtree) to Q; a back-dated transfer of G to E recorded
   * after a later one; renames; K terminated before E's merger into D (K stays under E);
   * a unit of E recorded after E's merger (follows to D); P merged into Q with its subtree;
   * F established under a district X that is only recorded later, back-dated before F.
   */
  function history() {
    const u = Object.fromEntries(['P', 'Q', 'D', 'E', 'G', 'H', 'K', 'L', 'X', 'F'].map((k) => [k, randomUUID()])) as Record<string, string>;
    const log = new Log();
    log.establish(u.P!, 'provincial', null, '2000-01-01');
    log.establish(u.Q!, 'provincial', null, '2000-01-01');
    log.establish(u.D!, 'district', u.P!, '2001-01-01');
    log.establish(u.E!, 'district', u.Q!, '2001-01-01');
    log.establish(u.G!, 'grassroots', u.D!, '2005-01-01');
    log.establish(u.H!, 'grassroots', u.D!, '2005-01-01');
    log.establish(u.K!, 'grassroots', u.E!, '2006-01-01');
    log.rename(u.D!, '2008-01-01');
    log.transfer(u.D!, u.Q!, '2010-01-01'); // D and its subtree move to Q
    log.transfer(u.G!, u.D!, '2016-01-01'); // G later returns to D…
    log.transfer(u.G!, u.E!, '2012-01-01'); // …recorded: G under E from 2012, back-dated (overrides the later one)
    log.transfer(u.G!, u.D!, '2016-01-01'); // and back to D from 2016
    log.rename(u.G!, '2014-01-01');
    log.terminate(u.K!, '2017-01-01');
    log.merge(u.E!, u.D!, '2018-01-01'); // E's active children move to D; K (ended) stays
    log.establish(u.L!, 'grassroots', u.E!, '2015-01-01'); // recorded after E's merger: follows to D
    log.transfer(u.D!, u.P!, '2019-01-01'); // D and everything now under it back to P
    log.merge(u.P!, u.Q!, '2020-01-01'); // P with its whole subtree into Q
    log.establish(u.F!, 'grassroots', u.X!, '2004-01-01'); // X is recorded later…
    log.establish(u.X!, 'district', u.P!, '2003-01-01'); // …back-dated before F
    return { u, log };
  }

  it('keeps the closure of establishments, transfers, mergers and terminations, back-dated ones included, as the old walk sees it', async () => {
    const { u, log } = history();
    const units = Object.values(u);
    // Incremental: one event per batch.
    for (const e of log.events) await apply([e]);
    const rows = await closureOf(units);
    expect(rows).toEqual(await referenceClosureOf(units));

    expect(named(rows, u, 'G')).toEqual([
      'D 2005-01-01..2012-01-01',
      'D 2016-01-01..',
      'E 2012-01-01..2016-01-01',
      'G 2005-01-01..',
      'P 2005-01-01..2010-01-01',
      'P 2019-01-01..2020-01-01',
      'Q 2010-01-01..2019-01-01',
      'Q 2020-01-01..',
    ]);
    expect(named(rows, u, 'K')).toEqual(['E 2006-01-01..', 'K 2006-01-01..', 'Q 2006-01-01..']);
    expect(named(rows, u, 'L')).toEqual([
      'D 2018-01-01..',
      'E 2015-01-01..2018-01-01',
      'L 2015-01-01..',
      'P 2019-01-01..2020-01-01',
      'Q 2015-01-01..2019-01-01',
      'Q 2020-01-01..',
    ]);
    // F was placed under X before X was recorded: it gains X's ancestors once X is.
    expect(named(rows, u, 'F')).toEqual(['F 2004-01-01..', 'P 2004-01-01..2020-01-01', 'Q 2020-01-01..', 'X 2004-01-01..']);
    expect(named(rows, u, 'P')).toEqual(['P 2000-01-01..']);
  });

  it('moves the whole subtree of a merged unit under the target from the merger date', async () => {
    const u = Object.fromEntries(['N', 'P', 'Q', 'D', 'G'].map((k) => [k, randomUUID()])) as Record<string, string>;
    const log = new Log();
    log.establish(u.N!, 'national', null, '2000-01-01');
    log.establish(u.P!, 'provincial', u.N!, '2000-01-01');
    log.establish(u.Q!, 'provincial', u.N!, '2000-01-01');
    log.establish(u.D!, 'district', u.P!, '2000-01-01');
    log.establish(u.G!, 'grassroots', u.D!, '2000-01-01');
    await apply(log.events.slice());
    const before = log.events.length;
    log.merge(u.P!, u.Q!, '2024-07-01');
    await apply(log.events.slice(before));
    const rows = await closureOf(Object.values(u));
    expect(named(rows, u, 'G')).toEqual(['D 2000-01-01..', 'G 2000-01-01..', 'N 2000-01-01..', 'P 2000-01-01..2024-07-01', 'Q 2024-07-01..']);
    expect(named(rows, u, 'D')).toEqual(['D 2000-01-01..', 'N 2000-01-01..', 'P 2000-01-01..2024-07-01', 'Q 2024-07-01..']);
    // The merged unit keeps its own place.
    expect(named(rows, u, 'P')).toEqual(['N 2000-01-01..', 'P 2000-01-01..']);
    const within = async (unit: string, scope: string, on: string) =>
      (await ds.query(`SELECT org_unit_within($1, $2, $3) AS w, org_unit_within_span($1, $2, $3)::text AS span`, [unit, scope, on]))[0];
    expect(await within(u.G!, u.P!, '2024-06-30')).toEqual({ w: true, span: '[2000-01-01,2024-07-01)' });
    expect(await within(u.G!, u.P!, '2024-07-01')).toEqual({ w: false, span: 'empty' });
    expect(await within(u.G!, u.Q!, '2024-07-01')).toEqual({ w: true, span: '[2024-07-01,)' });
    expect(await within(u.G!, u.N!, '1999-12-31')).toEqual({ w: false, span: 'empty' });
    expect(await within(u.G!, u.N!, '2030-01-01')).toEqual({ w: true, span: '[2000-01-01,)' });
  });

  it('leaves the closure untouched when a batch is replayed', async () => {
    const { u, log } = history();
    const units = Object.values(u);
    await apply(log.events);
    const snapshot = () =>
      ds.query(`SELECT xmin::text, * FROM org_unit_closure WHERE descendant_id = ANY($1::uuid[]) ORDER BY descendant_id, ancestor_id, valid_from`, [units]);
    const once = await snapshot();
    await apply(log.events);
    for (const e of log.events) await apply([e]);
    await apply([...log.events].reverse().slice(0, 5));
    // Same rows, not even rewritten.
    expect(await snapshot()).toEqual(once);
  });

  it('rebuilds to the closure built incrementally, and the migration backfills the same from the versions', async () => {
    const { u, log } = history();
    const units = Object.values(u);
    for (const e of log.events) await apply([e]);
    const incremental = await closureOf(units);
    await ds.query(`TRUNCATE ${structure.tables.join(', ')}`);
    expect(await ds.query(`SELECT count(*)::int AS n FROM org_unit_closure`)).toEqual([{ n: 0 }]);
    await apply(log.events);
    expect(await closureOf(units)).toEqual(incremental);

    const runner = ds.createQueryRunner();
    try {
      const migration = new OrgUnitClosure1732500000400();
      await migration.down(runner);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    expect(await closureOf(units)).toEqual(incremental);
  });

  describe('random histories', () => {
    const levels = ['national', 'provincial', 'district', 'grassroots'] as const;

    /** Establishments under random units of the level above, then random changes, some back-dated, some recorded before the parent. */
    function randomHistory(seed: number) {
      const rnd = random(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const date = () => `${2000 + Math.floor(rnd() * 30)}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-01`;
      const log = new Log();
      const byLevel: string[][] = [[], [], [], []];
      const pending: [string, number][] = [];
      const establish = (rank: number): void => {
        const unitId = randomUUID();
        const parent = rank === 0 ? null : pick(byLevel[rank - 1]!);
        log.establish(unitId, levels[rank]!, parent, date());
        byLevel[rank]!.push(unitId);
      };
      establish(0);
      for (let i = 0; i < 3; i++) establish(1);
      for (let i = 0; i < 6; i++) establish(2);
      for (let i = 0; i < 12; i++) establish(3);
      for (let step = 0; step < 60; step++) {
        const r = rnd();
        const rank = 1 + Math.floor(rnd() * 3);
        const unit = pick(byLevel[rank]!);
        if (r < 0.1) {
          establish(rank);
        } else if (r < 0.15) {
          // A unit under a district recorded only later (its establishment follows).
          const district = randomUUID();
          const child = randomUUID();
          log.establish(child, 'grassroots', district, date());
          pending.push([district, 2]);
          byLevel[3]!.push(child);
        } else if (r < 0.45) {
          log.transfer(unit, pick(byLevel[rank - 1]!), date());
        } else if (r < 0.6) {
          const into = pick(byLevel[rank]!);
          if (into !== unit) log.merge(unit, into, date());
        } else if (r < 0.75) {
          log.terminate(unit, date());
        } else {
          log.rename(unit, date());
        }
        if (pending.length > 0 && rnd() < 0.3) {
          const [id, pendingRank] = pending.shift()!;
          log.establish(id, levels[pendingRank]!, pick(byLevel[pendingRank - 1]!), date());
          byLevel[pendingRank]!.push(id);
        }
      }
      for (const [id, pendingRank] of pending) {
        log.establish(id, levels[pendingRank]!, pick(byLevel[pendingRank - 1]!), date());
        byLevel[pendingRank]!.push(id);
      }
      return { log, units: byLevel.flat(), pick, rnd, date };
    }

    it.each([1, 2, 3, 4, 5, 6])('builds the closure of the walk, in batches of any size or after a rebuild (seed %i)', async (seed) => {
      const { log, units, rnd } = randomHistory(seed);
      await applyInBatches(log.events, () => Math.floor(rnd() * 8));
      const incremental = await closureOf(units);
      expect(incremental).toEqual(await referenceClosureOf(units));
      await ds.query(`TRUNCATE ${structure.tables.join(', ')}`);
      await apply(log.events);
      expect(await closureOf(units)).toEqual(incremental);
    });

    it.each([11, 12, 13])('answers org_unit_within, its span and the chain as the old walk did, on random dates (seed %i)', async (seed) => {
      const { log, units, pick, rnd, date } = randomHistory(seed);
      await applyInBatches(log.events, () => Math.floor(rnd() * 5));
      const triples = Array.from({ length: 400 }, () => {
        const unit = pick(units);
        const scope = rnd() < 0.05 ? null : rnd() < 0.05 ? unit : pick(units);
        const on = rnd() < 0.5 ? date() : `${1999 + Math.floor(rnd() * 33)}-${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
        return [unit, scope, on] as const;
      });
      const rows: { unit: string; scope: string | null; on: string; old: unknown; now: unknown }[] = await ds.query(
        `SELECT t.unit, t.scope, to_char(t.on_date, 'YYYY-MM-DD') AS on,
                jsonb_build_object(
                  'within', legacy_within(t.unit, t.scope, t.on_date),
                  'span', legacy_within_span(t.unit, t.scope, t.on_date)::text,
                  'chain', (SELECT jsonb_agg(jsonb_build_array(c.unit_id, c.depth) ORDER BY c.depth) FROM legacy_chain_on(t.unit, t.scope, t.on_date) c)) AS old,
                jsonb_build_object(
                  'within', org_unit_within(t.unit, t.scope, t.on_date),
                  'span', org_unit_within_span(t.unit, t.scope, t.on_date)::text,
                  'chain', (SELECT jsonb_agg(jsonb_build_array(c.unit_id, c.depth) ORDER BY c.depth) FROM org_unit_chain_on(t.unit, t.scope, t.on_date) c)) AS now
           FROM unnest($1::uuid[], $2::uuid[], $3::date[]) AS t(unit, scope, on_date)`,
        [triples.map((t) => t[0]), triples.map((t) => t[1]), triples.map((t) => t[2])],
      );
      const differing = rows.filter((r) => JSON.stringify(r.old) !== JSON.stringify(r.now));
      expect(differing).toEqual([]);
      // Both answers occur among the samples.
      expect(new Set(rows.map((r) => (r.now as { within: boolean }).within))).toEqual(new Set([true, false]));
    });
  });
});
