import type { EntityManager } from 'typeorm';
import type { Projection } from '../../infrastructure/projections/projection.js';
import type { EventOfType } from '../../events/event-catalogue.js';
import type { MemberEnrolled } from '../../events/org/member-events.js';
import type { StoredDomainEvent } from '../../infrastructure/event-store/domain-events.js';
import { type HistoryOf, recordHistory } from '../shared/history.js';
import { unappliedEvents } from '../shared/stream-revisions.js';
import { splitAt } from '../org-structure/org-structure.projection.js';

export const MEMBERSHIP_PROJECTION = 'membership';

/** The last revision of each member and unit stream the view has applied. */
const STREAM_REVISIONS = 'membership_stream_revisions';

/** The events the view is made of; their payload types follow from these strings. */
const HANDLES = ['MemberEnrolled', 'MemberTransferred', 'MemberLeft', 'OrgUnitMerged', 'OrgUnitTerminated'] as const;
type MembershipEvent = EventOfType<(typeof HANDLES)[number]>;

interface UnitEnd {
  readonly endedOn: string;
  readonly mergedInto: string | null;
}

/** A change of one unit's member count from a date on. */
interface Delta {
  readonly unitId: string;
  readonly onDate: string;
  readonly delta: number;
}

/** Units never end in a chain longer than this; a longer one means corrupt data. */
const MAX_HOPS = 32;

/**
 * Validity-dated memberships and per-unit daily member-count deltas (the count of a unit on
 * D is the sum of its deltas up to D). From a unit's merger its members belong to the
 * target; from its termination their membership has ended. A member event dated before
 * such an end, recorded after it, is carried through the end the same way.
 */
export class MembershipProjection implements Projection<MembershipEvent['type']> {
  readonly name = MEMBERSHIP_PROJECTION;
  readonly handles = HANDLES;
  readonly tables = ['member_versions', 'unit_member_deltas', 'membership_unit_ends', 'member_history', 'membership_knowledge', STREAM_REVISIONS];

  async apply(events: readonly StoredDomainEvent<MembershipEvent>[], manager: EntityManager): Promise<void> {
    const fresh = await unappliedEvents(manager, STREAM_REVISIONS, events);
    let enrolments: StoredDomainEvent<MemberEnrolled>[] = [];
    // Events of one transaction (an import) are one change of knowledge,
    // added to the history at its end.
    let group: StoredDomainEvent<MembershipEvent>[] = [];
    const endOfKnowledge = async (): Promise<void> => {
      await enrol(manager, enrolments);
      enrolments = [];
      const last = group[group.length - 1]!;
      const changed: { member_id: string }[] = await manager.query(`SELECT DISTINCT member_id FROM member_versions WHERE position = ANY($1::bigint[])`, [
        group.map((e) => e.position.toString()),
      ]);
      await recordHistory(
        manager,
        MEMBER_HISTORY,
        changed.map((r) => r.member_id),
        last.position,
        last.recordedAt,
      );
      group = [];
    };
    for (const event of fresh) {
      if (group.length > 0 && group[0]!.transaction !== event.transaction) await endOfKnowledge();
      group.push(event);
      if (event.type === 'MemberEnrolled') {
        enrolments.push(event);
        continue;
      }
      await enrol(manager, enrolments);
      enrolments = [];
      await this.applyOne(event, event.position.toString(), manager);
    }
    if (group.length > 0) await endOfKnowledge();
  }

  private async applyOne(event: Exclude<MembershipEvent, MemberEnrolled>, pos: string, m: EntityManager): Promise<void> {
    switch (event.type) {
      case 'MemberTransferred': {
        const { memberId, fromUnitId, toUnitId, effectiveOn } = event.data;
        await splitAt(m, 'member_versions', memberId, effectiveOn);
        // Periods after the move belong to the new unit; an end of the old unit recorded
        // earlier (a termination) no longer applies to them.
        await m.query(
          `UPDATE member_versions
              SET unit_id = $3, position = $4, status = CASE WHEN status = 'unit_terminated' THEN 'active' ELSE status END
            WHERE member_id = $1 AND valid_from >= $2`,
          [memberId, effectiveOn, toUnitId, pos],
        );
        await followUnitEnds(m, memberId, toUnitId, effectiveOn, pos);
        await addDeltas(m, [
          { unitId: fromUnitId, onDate: effectiveOn, delta: -1 },
          { unitId: toUnitId, onDate: effectiveOn, delta: 1 },
        ]);
        return;
      }
      case 'MemberLeft': {
        const { memberId, unitId, effectiveOn } = event.data;
        await splitAt(m, 'member_versions', memberId, effectiveOn);
        await m.query(`UPDATE member_versions SET status = 'left', position = $3 WHERE member_id = $1 AND valid_from >= $2`, [
          memberId,
          effectiveOn,
          pos,
        ]);
        await addDeltas(m, [{ unitId, onDate: effectiveOn, delta: -1 }]);
        return;
      }
      case 'OrgUnitMerged':
        return endUnit(m, event.data.unitId, event.data.intoUnitId, event.data.effectiveOn, pos);
      case 'OrgUnitTerminated':
        return endUnit(m, event.data.unitId, null, event.data.effectiveOn, pos);
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
  }
}

export const MEMBER_HISTORY: HistoryOf = {
  live: 'member_versions',
  history: 'member_history',
  key: 'member_id',
  columns: ['member_id', 'valid_from', 'valid_to', 'unit_id', 'full_name', 'member_code', 'joined_on', 'status'],
  identity: ['member_id', 'valid_from'],
  knowledge: 'membership_knowledge',
};

/** Many enrolments in two statements: the bulk import path. */
async function enrol(m: EntityManager, events: readonly StoredDomainEvent<MemberEnrolled>[]): Promise<void> {
  if (events.length === 0) return;
  const d = events.map((e) => e.data);
  await m.query(
    `INSERT INTO member_versions (member_id, valid_from, unit_id, full_name, member_code, joined_on, status, position)
     SELECT u.member_id, u.joined_on, u.unit_id, u.full_name, u.member_code, u.joined_on, 'active', u.position
       FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::text[], $5::text[], $6::bigint[])
            AS u(member_id, joined_on, unit_id, full_name, member_code, position)
     ON CONFLICT DO NOTHING`,
    [
      d.map((x) => x.memberId),
      d.map((x) => x.joinedOn),
      d.map((x) => x.unitId),
      d.map((x) => x.fullName),
      d.map((x) => x.memberCode),
      events.map((e) => e.position.toString()),
    ],
  );
  const ends = await unitEnds(m, d.map((x) => x.unitId));
  for (const [i, x] of d.entries()) {
    if (ends.has(x.unitId)) await followUnitEnds(m, x.memberId, x.unitId, x.joinedOn, events[i]!.position.toString());
  }
  await addDeltas(
    m,
    d.map((x) => ({ unitId: x.unitId, onDate: x.joinedOn, delta: 1 })),
    ends,
  );
}

async function unitEnds(m: EntityManager, unitIds: readonly string[]): Promise<Map<string, UnitEnd>> {
  const rows: { unit_id: string; ended_on: string; merged_into: string | null }[] = await m.query(
    `SELECT unit_id, to_char(ended_on, 'YYYY-MM-DD') AS ended_on, merged_into FROM membership_unit_ends WHERE unit_id = ANY($1::uuid[])`,
    [[...new Set(unitIds)]],
  );
  return new Map(rows.map((r) => [r.unit_id, { endedOn: r.ended_on, mergedInto: r.merged_into }]));
}

/**
 * Carries count changes through the ends of their units: a change of δ to a unit from D,
 * where the unit merged into T on E > D, is also −δ to the unit and +δ to T from E (and so on
 * along T's own end); with a termination on E, only −δ from E.
 */
async function addDeltas(m: EntityManager, deltas: readonly Delta[], endsOfThese?: ReadonlyMap<string, UnitEnd>): Promise<void> {
  const all: Delta[] = [];
  let pending = deltas;
  for (let hop = 0; pending.length > 0 && hop < MAX_HOPS; hop++) {
    all.push(...pending);
    const ends = hop === 0 && endsOfThese ? endsOfThese : await unitEnds(m, pending.map((d) => d.unitId));
    if (ends.size === 0) break;
    const next: Delta[] = [];
    for (const d of pending) {
      const end = ends.get(d.unitId);
      if (!end) continue;
      // A change dated after the unit ended (two commands racing) moves on at once.
      const at = end.endedOn > d.onDate ? end.endedOn : d.onDate;
      all.push({ unitId: d.unitId, onDate: at, delta: -d.delta });
      if (end.mergedInto) next.push({ unitId: end.mergedInto, onDate: at, delta: d.delta });
    }
    pending = next;
  }
  await insertDeltas(m, all);
}

async function insertDeltas(m: EntityManager, deltas: readonly Delta[]): Promise<void> {
  await m.query(
    `INSERT INTO unit_member_deltas (unit_id, on_date, delta)
     SELECT unit_id, on_date, sum(delta) FROM unnest($1::uuid[], $2::date[], $3::int[]) AS u(unit_id, on_date, delta)
      GROUP BY unit_id, on_date
     ON CONFLICT (unit_id, on_date) DO UPDATE SET delta = unit_member_deltas.delta + excluded.delta`,
    [deltas.map((d) => d.unitId), deltas.map((d) => d.onDate), deltas.map((d) => d.delta)],
  );
}

/**
 * Memberships in `unitId` from `from` on follow the unit's recorded end, if it comes later,
 * and the end of the unit it merged into, and so on. `memberId` narrows it to one member.
 */
async function followUnitEnds(m: EntityManager, memberId: string | null, unitId: string, from: string, pos: string): Promise<void> {
  let current = unitId;
  let since = from;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const end = (await unitEnds(m, [current])).get(current);
    if (!end) return;
    const at = end.endedOn > since ? end.endedOn : since;
    if (memberId === null) await splitAt(m, 'member_versions', current, at, 'unit_id');
    else await splitAt(m, 'member_versions', memberId, at);
    const params: unknown[] = [current, at, pos];
    const conditions = ['unit_id = $1', 'valid_from >= $2'];
    let change: string;
    if (end.mergedInto === null) {
      change = `status = 'unit_terminated'`;
      conditions.push(`status = 'active'`);
    } else {
      change = `unit_id = $${params.push(end.mergedInto)}`;
    }
    if (memberId !== null) conditions.push(`member_id = $${params.push(memberId)}`);
    await m.query(`UPDATE member_versions SET ${change}, position = $3 WHERE ${conditions.join(' AND ')}`, params);
    if (end.mergedInto === null) return;
    current = end.mergedInto;
    since = at;
  }
}

/**
 * From `date` on, the members of `unitId` belong to `intoUnitId` (a merger) or to no unit (a
 * termination, which ends their membership); the unit's count moves with them.
 */
async function endUnit(m: EntityManager, unitId: string, intoUnitId: string | null, date: string, pos: string): Promise<void> {
  await splitAt(m, 'member_versions', unitId, date, 'unit_id');
  if (intoUnitId) {
    await m.query(`UPDATE member_versions SET unit_id = $3, position = $4 WHERE unit_id = $1 AND valid_from >= $2`, [
      unitId,
      date,
      intoUnitId,
      pos,
    ]);
    await followUnitEnds(m, null, intoUnitId, date, pos);
  } else {
    await m.query(
      `UPDATE member_versions SET status = 'unit_terminated', position = $3
        WHERE unit_id = $1 AND valid_from >= $2 AND status = 'active'`,
      [unitId, date, pos],
    );
  }
  const rows: { total: string | null }[] = await m.query(
    `SELECT sum(delta) AS total FROM unit_member_deltas WHERE unit_id = $1 AND on_date <= $2`,
    [unitId, date],
  );
  const total = Number(rows[0]!.total ?? 0);
  // TypeORM answers a DELETE with [rows, count].
  const [later]: [{ on_date: string; delta: number }[], number] = await m.query(
    `DELETE FROM unit_member_deltas WHERE unit_id = $1 AND on_date > $2 RETURNING to_char(on_date, 'YYYY-MM-DD') AS on_date, delta`,
    [unitId, date],
  );
  // Record the end first: the moved totals below then follow the target's own end, if any.
  await m.query(
    `INSERT INTO membership_unit_ends (unit_id, ended_on, merged_into) VALUES ($1, $2, $3)
     ON CONFLICT (unit_id) DO UPDATE SET ended_on = excluded.ended_on, merged_into = excluded.merged_into`,
    [unitId, date, intoUnitId],
  );
  await insertDeltas(m, [{ unitId, onDate: date, delta: -total }]);
  if (intoUnitId) {
    await addDeltas(m, [
      { unitId: intoUnitId, onDate: date, delta: total },
      ...later.map((l) => ({ unitId: intoUnitId, onDate: l.on_date, delta: l.delta })),
    ]);
  }
}
