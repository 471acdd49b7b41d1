import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { NotFound } from '../../shared/domain-errors.js';
import { ProjectionProgress } from '../../infrastructure/projections/projection-progress.js';
import { MemberVersion } from './member-version.entity.js';
import { MEMBERSHIP_PROJECTION } from './membership.projection.js';

export class GetMemberQuery {
  constructor(
    readonly memberId: string,
    readonly asOf: string,
    readonly minPosition: bigint | null,
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

@QueryHandler(GetMemberQuery)
export class GetMemberHandler implements IQueryHandler<GetMemberQuery, MemberView> {
  constructor(
    private readonly ds: DataSource,
    private readonly progress: ProjectionProgress,
  ) {}

  async execute(q: GetMemberQuery): Promise<MemberView> {
    const position = await this.progress.waitFor([MEMBERSHIP_PROJECTION], q.minPosition);
    const versions = await this.ds.getRepository(MemberVersion).find({ where: { memberId: q.memberId }, order: { validFrom: 'ASC' } });
    const rows = versions.map((v) => ({
      unitId: v.unitId,
      from: v.validFrom,
      to: v.validTo,
      status: v.status,
      fullName: v.fullName,
      memberCode: v.memberCode,
      joinedOn: v.joinedOn,
    }));
    if (rows.length === 0) throw new NotFound('member.not_found', `member ${q.memberId} does not exist`);
    const current = rows.find((r) => r.from <= q.asOf && (r.to === null || r.to > q.asOf));
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
