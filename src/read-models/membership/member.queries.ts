import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { NotFound } from '../../shared/domain-errors.js';
import { ProjectionProgress } from '../../infrastructure/projections/projection-progress.js';
import type { AccessScope } from '../../infrastructure/auth/caller-scope.js';
import { asKnownAt, knowledgeAt, reachKnowledge } from '../shared/known-at.js';
import { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { SCOPE_PROJECTIONS, withinScope } from '../shared/scope.js';
import { MEMBERSHIP_PROJECTION } from './membership.projection.js';

export class GetMemberQuery {
  constructor(
    readonly scope: AccessScope,
    readonly memberId: string,
    readonly asOf: string,
    readonly minPosition: bigint | null,
    /** As known at this time (null: now). */
    readonly knownAt: Date | null = null,
  ) {}
}

export interface MembershipPeriod {
  readonly unitId: string;
  readonly from: string;
  readonly to: string | null;
  readonly status: string;
}

export interface MemberView {
  readonly memberId: string;
  readonly fullName: string;
  readonly memberCode: string;
  readonly joinedOn: string;
  readonly asOf: string;
  /** The member's unit on `asOf`; null before joining or after the membership ended. */
  readonly unitId: string | null;
  readonly status: 'active' | 'left' | 'unit_terminated' | 'not_yet_joined';
  readonly history: readonly MembershipPeriod[];
  readonly position: string;
}

/**
 * The member's periods the caller may see. The member is visible when the period covering
 * $2 (or, before she joined, her first period) is within the scope $3; each period is
 * within it when its unit was, on the day of the period nearest to $2 (its last day for a
 * period that ended before), and is shown clipped to the unbroken stretch of days its unit
 * stayed within the scope around that day. A period after the membership ended (left, unit
 * terminated) belongs to whoever held her last unit on her last day, not to the unit's
 * later owners, whatever later mergers or terminations split or re-point it.
 */
const VISIBLE_PERIODS = `
  WITH periods AS (
    SELECT m.*, d.unit AS scope_unit, d.on AS scope_on, ${withinScope('d.unit', '$3', 'd.on')} AS within
      FROM member_versions m
      LEFT JOIN LATERAL (
        SELECT a.unit_id, a.valid_to FROM member_versions a
         WHERE a.member_id = m.member_id AND a.status = 'active' AND a.valid_to <= m.valid_from
         ORDER BY a.valid_to DESC LIMIT 1
      ) last ON m.status <> 'active'
      CROSS JOIN LATERAL (
        SELECT CASE WHEN m.status = 'active' THEN m.unit_id ELSE coalesce(last.unit_id, m.unit_id) END AS unit,
               CASE WHEN m.status = 'active' THEN LEAST(GREATEST($2::date, m.valid_from), m.valid_to - 1)
                    ELSE coalesce(last.valid_to, m.valid_from) - 1 END AS on
      ) d
     WHERE m.member_id = $1
  ),
  gate AS (
    SELECT within FROM periods
     ORDER BY (valid_from <= $2::date AND (valid_to IS NULL OR valid_to > $2::date)) DESC, valid_from LIMIT 1
  ),
  shown AS (
    SELECT p.*, CASE WHEN $3::uuid IS NULL THEN NULL ELSE org_unit_within_span(p.scope_unit, $3::uuid, p.scope_on) END AS span
      FROM periods p WHERE p.within AND (SELECT within FROM gate)
  )
  SELECT unit_id AS "unitId", status, full_name AS "fullName", member_code AS "memberCode",
         to_char(joined_on, 'YYYY-MM-DD') AS "joinedOn",
         to_char(valid_from, 'YYYY-MM-DD') AS "validFrom", to_char(valid_to, 'YYYY-MM-DD') AS "validTo",
         to_char(GREATEST(valid_from, lower(span)), 'YYYY-MM-DD') AS "from",
         to_char(CASE WHEN span IS NULL OR upper_inf(span) THEN valid_to ELSE LEAST(valid_to, upper(span)) END, 'YYYY-MM-DD') AS "to"
    FROM shown
   ORDER BY valid_from`;

@QueryHandler(GetMemberQuery)
export class GetMemberHandler implements IQueryHandler<GetMemberQuery, MemberView> {
  constructor(
    private readonly ds: DataSource,
    private readonly progress: ProjectionProgress,
    private readonly store: EventStore,
  ) {}

  async execute(q: GetMemberQuery): Promise<MemberView> {
    // The scope is read from the organisation view: both views must have reached minPosition.
    const reached = await reachKnowledge(this.progress, this.store, [MEMBERSHIP_PROJECTION, ...SCOPE_PROJECTIONS], q.minPosition, q.knownAt);
    const k = q.knownAt === null ? null : await knowledgeAt(this.ds, q.knownAt);
    const position = k ?? reached;
    const rows: {
      unitId: string;
      status: string;
      fullName: string;
      memberCode: string;
      joinedOn: string;
      validFrom: string;
      validTo: string | null;
      from: string;
      to: string | null;
    }[] = await this.ds.query(asKnownAt(VISIBLE_PERIODS, k, '$4', ['member_versions']), [q.memberId, q.asOf, q.scope.unitId, k?.toString() ?? null]);
    if (rows.length === 0) {
      throw new NotFound(
        'member.not_found',
        q.scope.unitId === null
          ? `member ${q.memberId} does not exist`
          : `member ${q.memberId} does not exist within the subtree of ${q.scope.unitId} on ${q.asOf}`,
      );
    }
    // The period in force on asOf, by its own dates; the history shows each one clipped to the caller's time.
    const current = rows.find((r) => r.validFrom <= q.asOf && (r.validTo === null || r.validTo > q.asOf));
    const latest = rows[rows.length - 1]!;
    const status = current ? (current.status as MemberView['status']) : 'not_yet_joined';
    return {
      memberId: q.memberId,
      fullName: (current ?? latest).fullName,
      memberCode: (current ?? latest).memberCode,
      joinedOn: latest.joinedOn,
      asOf: q.asOf,
      unitId: current && current.status === 'active' ? current.unitId : null,
      status,
      history: rows.map(({ unitId, from, to, status: s }) => ({ unitId, from, to, status: s })),
      position: position.toString(),
    };
  }
}
