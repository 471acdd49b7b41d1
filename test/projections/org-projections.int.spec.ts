import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { type DomainEvent, EVENT_CATALOGUE } from '../../src/events/event-catalogue.js';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import { decode, isOfType, type StoredDomainEvent } from '../../src/infrastructure/event-store/domain-events.js';
import { MembershipProjection } from '../../src/read-models/membership/membership.projection.js';
import { OrgStructureProjection } from '../../src/read-models/org-structure/org-structure.projection.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** The last position given, across every log of the file (they share one database). */
let lastPosition = 1000n;

/** Stored events built by hand, with stream revisions and positions as the store gives them (each event its own transaction). */
class Log {
  private readonly revisions = new Map<string, bigint>();
  readonly events: StoredDomainEvent[] = [];

  add(stream: string, event: DomainEvent): StoredDomainEvent {
    const revision = (this.revisions.get(stream) ?? -1n) + 1n;
    this.revisions.set(stream, revision);
    const position = ++lastPosition;
    const stored = decode({
      id: randomUUID(),
      stream,
      streamRevision: revision,
      position,
      logCursor: position.toString(),
      type: event.type,
      schemaVersion: EVENT_CATALOGUE[event.type].schemaVersion,
      data: event.data,
      occurredOn: null,
      recordedAt: new Date(),
      transaction: position.toString(),
      metadata: { actor: { id: 't', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
    });
    this.events.push(stored);
    return stored;
  }
}

describe('organisation projections', () => {
  let db: TestDatabase;
  let ds: DataSource;
  const structure = new OrgStructureProjection();
  const membership = new MembershipProjection();

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url);
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  async function apply(events: readonly StoredDomainEvent[]): Promise<void> {
    await ds.transaction(async (m) => {
      await structure.apply(events.filter(isOfType(structure.handles)), m);
      await membership.apply(events.filter(isOfType(membership.handles)), m);
    });
  }

  async function snapshot(): Promise<unknown[]> {
    return Promise.all([
      ds.query(`SELECT * FROM org_unit_versions ORDER BY unit_id, valid_from`),
      ds.query(`SELECT * FROM member_versions ORDER BY member_id, valid_from`),
      ds.query(`SELECT * FROM unit_member_deltas ORDER BY unit_id, on_date`),
    ]);
  }

  async function unitOn(unitId: string, date: string): Promise<{ parent_id: string | null; name: string; status: string } | undefined> {
    const rows: { parent_id: string | null; name: string; status: string }[] = await ds.query(
      `SELECT parent_id, name, status FROM org_unit_versions WHERE unit_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2)`,
      [unitId, date],
    );
    return rows[0];
  }

  async function countOn(unitId: string, date: string): Promise<number> {
    const rows: { n: number | null }[] = await ds.query(
      `SELECT sum(delta)::int AS n FROM unit_member_deltas WHERE unit_id = $1 AND on_date <= $2`,
      [unitId, date],
    );
    return rows[0]!.n ?? 0;
  }

  /** Counts from the membership versions themselves, to cross-check the deltas. */
  async function versionsOn(unitId: string, date: string): Promise<number> {
    const rows: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM member_versions
        WHERE unit_id = $1 AND status = 'active' AND valid_from <= $2 AND (valid_to IS NULL OR valid_to > $2)`,
      [unitId, date],
    );
    return rows[0]!.n;
  }

  async function snapshotOf(unitIds: string[], memberIds: string[]): Promise<unknown[]> {
    return Promise.all([
      ds.query(`SELECT * FROM org_unit_versions WHERE unit_id = ANY($1) ORDER BY unit_id, valid_from`, [unitIds]),
      ds.query(`SELECT * FROM member_versions WHERE member_id = ANY($1) ORDER BY member_id, valid_from`, [memberIds]),
      ds.query(`SELECT * FROM unit_member_deltas WHERE unit_id = ANY($1) ORDER BY unit_id, on_date`, [unitIds]),
    ]);
  }

  function scenario() {
    const log = new Log();
    const [province, oldProvince, district, schoolA, schoolB] = Array.from({ length: 5 }, () => randomUUID());
    const unit = (id: string) => `orgUnit-${id}`;
    const est = (unitId: string, kind: string, level: string, parentId: string | null, on: string) =>
      log.add(unit(unitId), { type: 'OrgUnitEstablished', data: { unitId, code: unitId.slice(0, 6), name: `U ${unitId.slice(0, 4)}`, kind: kind as never, level: level as never, parentId, establishedOn: on } });
    est(province!, 'provincial_federation', 'provincial', null, '2000-01-01');
    est(oldProvince!, 'provincial_federation', 'provincial', null, '2000-01-01');
    est(district!, 'district_federation', 'district', oldProvince!, '2001-01-01');
    est(schoolA!, 'grassroots_union', 'grassroots', district!, '2005-01-01');
    est(schoolB!, 'grassroots_union', 'grassroots', district!, '2005-01-01');
    const members = Array.from({ length: 6 }, () => randomUUID());
    members.forEach((memberId, i) =>
      log.add(`member-${memberId}`, {
        type: 'MemberEnrolled',
        data: { memberId, unitId: i < 4 ? schoolA! : schoolB!, fullName: `M${i}`, memberCode: `M${i}`, joinedOn: '2010-01-01' },
      }),
    );
    log.add(unit(schoolA!), { type: 'OrgUnitRenamed', data: { unitId: schoolA!, name: 'Renamed A', previousName: 'x', effectiveOn: '2020-01-01' } });
    log.add(`member-${members[0]}`, { type: 'MemberLeft', data: { memberId: members[0]!, unitId: schoolA!, effectiveOn: '2024-12-31', reason: 'retired' } });
    log.add(`member-${members[1]}`, { type: 'MemberTransferred', data: { memberId: members[1]!, fromUnitId: schoolA!, toUnitId: schoolB!, effectiveOn: '2023-06-01' } });
    // 2025: schoolB is merged into schoolA; the old province merges into the new one.
    log.add(unit(schoolB!), { type: 'OrgUnitMerged', data: { unitId: schoolB!, intoUnitId: schoolA!, effectiveOn: '2025-07-01' } });
    log.add(unit(oldProvince!), { type: 'OrgUnitMerged', data: { unitId: oldProvince!, intoUnitId: province!, effectiveOn: '2025-07-01' } });
    log.add(unit(district!), { type: 'OrgUnitTerminated', data: { unitId: district!, effectiveOn: '2025-08-01', reason: 'abolished' } });
    return { log, province: province!, oldProvince: oldProvince!, district: district!, schoolA: schoolA!, schoolB: schoolB!, members };
  }

  it('keeps the history of every unit: names, parents and status as of any date', async () => {
    const s = scenario();
    await apply(s.log.events);
    expect(await unitOn(s.schoolA, '2019-12-31')).toMatchObject({ name: `U ${s.schoolA.slice(0, 4)}` });
    expect(await unitOn(s.schoolA, '2020-01-01')).toMatchObject({ name: 'Renamed A', status: 'active' });
    expect(await unitOn(s.schoolB, '2025-06-30')).toMatchObject({ status: 'active' });
    expect(await unitOn(s.schoolB, '2025-07-01')).toMatchObject({ status: 'merged' });
    // The district's parent: the old province until the merger, the new one from it.
    expect(await unitOn(s.district, '2024-05-01')).toMatchObject({ parent_id: s.oldProvince });
    expect(await unitOn(s.district, '2025-07-01')).toMatchObject({ parent_id: s.province, status: 'active' });
    expect(await unitOn(s.district, '2025-08-01')).toMatchObject({ status: 'terminated' });
    expect(await unitOn(s.schoolA, '2004-12-31')).toBeUndefined();
  });

  it('counts members per unit and date consistently with the memberships, through transfers, leavers and a merger', async () => {
    const s = scenario();
    await apply(s.log.events);
    const expected: [string, string, number][] = [
      [s.schoolA, '2010-01-01', 4],
      [s.schoolB, '2010-01-01', 2],
      [s.schoolA, '2023-06-01', 3],
      [s.schoolB, '2023-06-01', 3],
      [s.schoolA, '2024-12-31', 2],
      [s.schoolA, '2025-07-01', 5],
      [s.schoolB, '2025-07-01', 0],
      [s.schoolA, '2009-12-31', 0],
    ];
    for (const [unitId, date, n] of expected) {
      expect([unitId, date, await countOn(unitId, date)]).toEqual([unitId, date, n]);
      expect([unitId, date, await versionsOn(unitId, date)]).toEqual([unitId, date, n]);
    }
  });

  it('ends the memberships of a terminated grassroots unit on its termination date', async () => {
    const log = new Log();
    const [unitId, memberId] = [randomUUID(), randomUUID()];
    log.add(`orgUnit-${unitId}`, { type: 'OrgUnitEstablished', data: { unitId, code: 'X', name: 'X', kind: 'grassroots_union', level: 'grassroots', parentId: null, establishedOn: '2010-01-01' } });
    log.add(`member-${memberId}`, { type: 'MemberEnrolled', data: { memberId, unitId, fullName: 'A', memberCode: 'A', joinedOn: '2011-01-01' } });
    log.add(`orgUnit-${unitId}`, { type: 'OrgUnitTerminated', data: { unitId, effectiveOn: '2025-07-01', reason: 'dissolved' } });
    await apply(log.events);
    expect(await countOn(unitId, '2025-06-30')).toBe(1);
    expect(await countOn(unitId, '2025-07-01')).toBe(0);
    const [after]: { status: string }[] = await ds.query(`SELECT status FROM member_versions WHERE member_id = $1 AND valid_from = '2025-07-01'`, [memberId]);
    expect(after!.status).toBe('unit_terminated');
  });

  it('carries facts recorded after a merger, dated before it, through the merger and a later one', async () => {
    const log = new Log();
    const [a, b, c, early, late] = Array.from({ length: 5 }, () => randomUUID());
    const est = (unitId: string) =>
      log.add(`orgUnit-${unitId}`, { type: 'OrgUnitEstablished', data: { unitId, code: 'G', name: 'G', kind: 'grassroots_union', level: 'grassroots', parentId: null, establishedOn: '2000-01-01' } });
    [a!, b!, c!].forEach(est);
    log.add(`member-${early}`, { type: 'MemberEnrolled', data: { memberId: early!, unitId: a!, fullName: 'E', memberCode: 'E', joinedOn: '2010-01-01' } });
    log.add(`orgUnit-${a}`, { type: 'OrgUnitMerged', data: { unitId: a!, intoUnitId: b!, effectiveOn: '2022-01-01' } });
    log.add(`orgUnit-${b}`, { type: 'OrgUnitMerged', data: { unitId: b!, intoUnitId: c!, effectiveOn: '2024-01-01' } });
    // Recorded now, but dated before both mergers: the member joined A in 2015.
    log.add(`member-${late}`, { type: 'MemberEnrolled', data: { memberId: late!, unitId: a!, fullName: 'L', memberCode: 'L', joinedOn: '2015-01-01' } });
    // And the early member left A in 2021, before the first merger.
    log.add(`member-${early}`, { type: 'MemberLeft', data: { memberId: early!, unitId: a!, effectiveOn: '2021-01-01', reason: 'moved away' } });
    await apply(log.events);

    const counts = async (date: string) => [await countOn(a!, date), await countOn(b!, date), await countOn(c!, date)];
    expect(await counts('2016-01-01')).toEqual([2, 0, 0]);
    expect(await counts('2021-06-01')).toEqual([1, 0, 0]);
    expect(await counts('2022-06-01')).toEqual([0, 1, 0]);
    expect(await counts('2024-06-01')).toEqual([0, 0, 1]);
    for (const date of ['2016-01-01', '2021-06-01', '2022-06-01', '2024-06-01']) {
      expect([await versionsOn(a!, date), await versionsOn(b!, date), await versionsOn(c!, date)]).toEqual(await counts(date));
    }
  });

  it('moves a unit recorded after its parent\'s merger, dated before it, on to the merger\'s target', async () => {
    const log = new Log();
    const [p, a, b, c] = Array.from({ length: 4 }, () => randomUUID());
    const est = (unitId: string, kind: string, level: string, parentId: string | null, on: string) =>
      log.add(`orgUnit-${unitId}`, { type: 'OrgUnitEstablished', data: { unitId, code: 'U', name: 'U', kind: kind as never, level: level as never, parentId, establishedOn: on } });
    est(p!, 'provincial_federation', 'provincial', null, '2000-01-01');
    est(a!, 'district_federation', 'district', p!, '2000-01-01');
    est(b!, 'district_federation', 'district', p!, '2000-01-01');
    log.add(`orgUnit-${a}`, { type: 'OrgUnitMerged', data: { unitId: a!, intoUnitId: b!, effectiveOn: '2025-06-01' } });
    est(c!, 'grassroots_union', 'grassroots', a!, '2024-01-01');
    await apply(log.events);
    expect(await unitOn(c!, '2024-06-01')).toMatchObject({ parent_id: a });
    expect(await unitOn(c!, '2025-07-01')).toMatchObject({ parent_id: b });
  });

  it('keeps a child that ended before its parent\'s merger under the parent it was in', async () => {
    const log = new Log();
    const [px, py, gx] = Array.from({ length: 3 }, () => randomUUID());
    const est = (unitId: string, kind: string, level: string, parentId: string | null) =>
      log.add(`orgUnit-${unitId}`, { type: 'OrgUnitEstablished', data: { unitId, code: 'U', name: 'U', kind: kind as never, level: level as never, parentId, establishedOn: '2000-01-01' } });
    est(px!, 'provincial_federation', 'provincial', null);
    est(py!, 'provincial_federation', 'provincial', null);
    est(gx!, 'grassroots_union', 'grassroots', px!);
    log.add(`orgUnit-${gx}`, { type: 'OrgUnitTerminated', data: { unitId: gx!, effectiveOn: '2025-03-01', reason: 'dissolved' } });
    log.add(`orgUnit-${px}`, { type: 'OrgUnitMerged', data: { unitId: px!, intoUnitId: py!, effectiveOn: '2025-07-01' } });
    await apply(log.events);
    expect(await unitOn(gx!, '2025-08-01')).toMatchObject({ parent_id: px, status: 'terminated' });
  });

  it('moves a child that ends after its parent\'s merger to the target, whichever was recorded first', async () => {
    for (const terminationFirst of [true, false]) {
      const log = new Log();
      const [px, py, gx] = Array.from({ length: 3 }, () => randomUUID());
      const est = (unitId: string, kind: string, level: string, parentId: string | null) =>
        log.add(`orgUnit-${unitId}`, { type: 'OrgUnitEstablished', data: { unitId, code: 'U', name: 'U', kind: kind as never, level: level as never, parentId, establishedOn: '2000-01-01' } });
      est(px!, 'provincial_federation', 'provincial', null);
      est(py!, 'provincial_federation', 'provincial', null);
      est(gx!, 'grassroots_union', 'grassroots', px!);
      const termination = () => log.add(`orgUnit-${gx}`, { type: 'OrgUnitTerminated', data: { unitId: gx!, effectiveOn: '2025-09-01', reason: 'dissolved' } });
      const merger = () => log.add(`orgUnit-${px}`, { type: 'OrgUnitMerged', data: { unitId: px!, intoUnitId: py!, effectiveOn: '2025-07-01' } });
      if (terminationFirst) {
        termination();
        merger();
      } else {
        merger();
        termination();
      }
      await apply(log.events);
      expect(await unitOn(gx!, '2025-08-01')).toMatchObject({ parent_id: py, status: 'active' });
      expect(await unitOn(gx!, '2025-10-01')).toMatchObject({ parent_id: py, status: 'terminated' });
    }
  });

  it('makes a member transferred before her unit\'s termination (recorded after it) active in the new unit', async () => {
    const log = new Log();
    const [g4, g3, ma] = Array.from({ length: 3 }, () => randomUUID());
    const est = (unitId: string) =>
      log.add(`orgUnit-${unitId}`, { type: 'OrgUnitEstablished', data: { unitId, code: 'G', name: 'G', kind: 'grassroots_union', level: 'grassroots', parentId: null, establishedOn: '2010-01-01' } });
    est(g4!);
    est(g3!);
    log.add(`member-${ma}`, { type: 'MemberEnrolled', data: { memberId: ma!, unitId: g4!, fullName: 'A', memberCode: 'A', joinedOn: '2012-01-01' } });
    log.add(`orgUnit-${g4}`, { type: 'OrgUnitTerminated', data: { unitId: g4!, effectiveOn: '2025-07-01', reason: 'dissolved' } });
    log.add(`member-${ma}`, { type: 'MemberTransferred', data: { memberId: ma!, fromUnitId: g4!, toUnitId: g3!, effectiveOn: '2025-06-01' } });
    await apply(log.events);
    const [after]: { unit_id: string; status: string }[] = await ds.query(
      `SELECT unit_id, status FROM member_versions WHERE member_id = $1 AND valid_from <= '2025-08-01' AND (valid_to IS NULL OR valid_to > '2025-08-01')`,
      [ma],
    );
    expect(after).toEqual({ unit_id: g3, status: 'active' });
    expect([await countOn(g4!, '2025-08-01'), await countOn(g3!, '2025-08-01')]).toEqual([0, 1]);
    expect([await versionsOn(g4!, '2025-08-01'), await versionsOn(g3!, '2025-08-01')]).toEqual([0, 1]);
  });

  it('ignores events applied a second time, alone or in a replayed batch', async () => {
    const s = scenario();
    await apply(s.log.events);
    const once = await snapshot();
    await apply(s.log.events);
    for (const e of s.log.events) await apply([e]);
    await apply([...s.log.events].reverse().slice(0, 5));
    expect(await snapshot()).toEqual(once);
  });

  it('rebuilds to the same state once its declared tables are emptied (they are its whole state)', async () => {
    const s = scenario();
    const units = [s.province, s.oldProvince, s.district, s.schoolA, s.schoolB];
    await apply(s.log.events);
    const built = await snapshotOf(units, s.members);
    await ds.query(`TRUNCATE ${[...structure.tables, ...membership.tables].join(', ')}`);
    expect(await ds.query(`SELECT count(*)::int AS n FROM org_unit_versions`)).toEqual([{ n: 0 }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM member_versions`)).toEqual([{ n: 0 }]);
    await apply(s.log.events);
    expect(await snapshotOf(units, s.members)).toEqual(built);
  });
});
