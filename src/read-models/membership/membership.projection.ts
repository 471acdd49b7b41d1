import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../infrastructure/event-store/event-store.port.js';
import type { Projection } from '../../infrastructure/projections/projection.js';
import { MEMBER_EVENT_TYPES, type MemberEnrolled, type MemberEvent } from '../../events/org/member-events.js';
import type { OrgUnitMerged, OrgUnitTerminated } from '../../events/org/org-unit-events.js';
import { forgetStreamRevisions, unappliedEvents } from '../shared/stream-revisions.js';
import { splitAt } from '../org-structure/org-structure.projection.js';

export const MEMBERSHIP_PROJECTION = 'membership';

type MembershipEvent = MemberEvent | OrgUnitMerged | OrgUnitTerminated;

/**
 * Validity-dated memberships and per-unit daily member-count deltas (the count of a unit on
 * D is the sum of its deltas up to D). Mergers move memberships and later deltas to the
 * target unit; a termination ends the memberships of the unit.
 */
export class MembershipProjection implements Projection {
  readonly name = MEMBERSHIP_PROJECTION;
  readonly filter = { eventTypes: [...MEMBER_EVENT_TYPES, 'OrgUnitMerged', 'OrgUnitTerminated'] };

  async apply(events: readonly StoredEvent[], manager: EntityManager): Promise<void> {
    const fresh = (await unappliedEvents(manager, this.name, events)) as unknown as (StoredEvent & MembershipEvent)[];
    let enrolments: (StoredEvent & MemberEnrolled)[] = [];
    for (const event of fresh) {
      if (event.type === 'MemberEnrolled') {
        enrolments.push(event);
        continue;
      }
      await enrol(manager, enrolments);
      enrolments = [];
      await this.applyOne(event, event.position.toString(), manager);
    }
    await enrol(manager, enrolments);
  }

  async reset(manager: EntityManager): Promise<void> {
    await manager.query(`DELETE FROM member_versions`);
    await manager.query(`DELETE FROM unit_member_deltas`);
    await forgetStreamRevisions(manager, this.name);
  }

  private async applyOne(event: MembershipEvent, pos: string, m: EntityManager): Promise<void> {
    switch (event.type) {
      case 'MemberEnrolled':
        return enrol(m, [{ ...event, position: BigInt(pos) } as StoredEvent & MemberEnrolled]);
      case 'MemberTransferred': {
        const { memberId, fromUnitId, toUnitId, effectiveOn } = event.data;
        await splitAt(m, 'member_versions', memberId, effectiveOn);
        await m.query(`UPDATE member_versions SET unit_id = $3, position = $4 WHERE member_id = $1 AND valid_from >= $2`, [
          memberId,
          effectiveOn,
          toUnitId,
          pos,
        ]);
        await addDeltas(m, [fromUnitId, toUnitId], [effectiveOn, effectiveOn], [-1, 1]);
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
        await addDeltas(m, [unitId], [effectiveOn], [-1]);
        return;
      }
      case 'OrgUnitMerged':
        return moveUnitMembers(m, event.data.unitId, event.data.intoUnitId, event.data.effectiveOn, pos);
      case 'OrgUnitTerminated':
        return moveUnitMembers(m, event.data.unitId, null, event.data.effectiveOn, pos);
      default: {
        const unreachable: never = event;
        return unreachable;
      }
    }
  }
}

/** Many enrolments in two statements: the bulk import path. */
async function enrol(m: EntityManager, events: readonly (StoredEvent & MemberEnrolled)[]): Promise<void> {
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
  await addDeltas(
    m,
    d.map((x) => x.unitId),
    d.map((x) => x.joinedOn),
    d.map(() => 1),
  );
}

async function addDeltas(m: EntityManager, units: string[], dates: string[], deltas: number[]): Promise<void> {
  await m.query(
    `INSERT INTO unit_member_deltas (unit_id, on_date, delta)
     SELECT unit_id, on_date, sum(delta) FROM unnest($1::uuid[], $2::date[], $3::int[]) AS u(unit_id, on_date, delta)
      GROUP BY unit_id, on_date
     ON CONFLICT (unit_id, on_date) DO UPDATE SET delta = unit_member_deltas.delta + excluded.delta`,
    [units, dates, deltas],
  );
}

/**
 * From `date` on, the members of `fromId` belong to `toId` (a merger) or to no unit (a
 * termination, which ends their membership).
 */
async function moveUnitMembers(m: EntityManager, fromId: string, toId: string | null, date: string, pos: string): Promise<void> {
  await splitAt(m, 'member_versions', fromId, date, 'unit_id');
  if (toId) {
    await m.query(`UPDATE member_versions SET unit_id = $3, position = $4 WHERE unit_id = $1 AND valid_from >= $2`, [
      fromId,
      date,
      toId,
      pos,
    ]);
  } else {
    await m.query(
      `UPDATE member_versions SET status = 'unit_terminated', position = $3
        WHERE unit_id = $1 AND valid_from >= $2 AND status = 'active'`,
      [fromId, date, pos],
    );
  }
  // The count moves with the members: the unit's total up to the date, and its later deltas.
  const rows: { total: string | null }[] = await m.query(
    `SELECT sum(delta) AS total FROM unit_member_deltas WHERE unit_id = $1 AND on_date <= $2`,
    [fromId, date],
  );
  const total = Number(rows[0]!.total ?? 0);
  // TypeORM answers a DELETE with [rows, count].
  const [later]: [{ on_date: string; delta: number }[], number] = await m.query(
    `DELETE FROM unit_member_deltas WHERE unit_id = $1 AND on_date > $2 RETURNING to_char(on_date, 'YYYY-MM-DD') AS on_date, delta`,
    [fromId, date],
  );
  const units = [fromId];
  const dates = [date];
  const deltas = [-total];
  if (toId) {
    units.push(toId, ...later.map(() => toId));
    dates.push(date, ...later.map((l) => l.on_date));
    deltas.push(total, ...later.map((l) => l.delta));
  }
  await addDeltas(m, units, dates, deltas);
}
