import { Controller, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { type AccessScope, CallerScope } from '../../infrastructure/auth/caller-scope.js';
import { knowledgeTime, UuidParam } from '../../infrastructure/http/validators.js';
import { ViewRoute } from '../../infrastructure/http/view-route.js';
import { businessToday, toPosition } from '../shared/query-params.js';
import {
  type ChildrenComplianceView,
  type ComplianceView,
  GetComplianceQuery,
  ListChildrenComplianceQuery,
  ListOverdueQuery,
  type OverdueView,
  type Question,
} from './compliance.queries.js';
import {
  CommendationsAnswer,
  CommendationsQuery,
  type CommendationsView,
  ListCommendationsQuery,
} from '../commendations/commendations.queries.js';
import { ChildrenComplianceQuery, ComplianceQuery, OverdueQuery } from './compliance.requests.js';
import { ChildrenComplianceAnswer, ComplianceAnswer, OverdueAnswer } from './compliance.responses.js';

export function question(scope: AccessScope, campaignId: string, query: ComplianceQuery): Question {
  return {
    scope,
    campaignId,
    asOf: query.asOf ?? businessToday(),
    knownAt: query.knownAt === undefined ? null : knowledgeTime(query.knownAt),
    minPosition: toPosition(query.minPosition),
  };
}

const AS_OF_KNOWN_AT =
  'As of asOf (business date: facts dated on or before it, the hierarchy and memberships of that day), as known at knownAt (only facts recorded by then). ' +
  'Before the plan’s date: 404 campaign.not_issued_yet. A unit outside the caller’s scope: 404; outside the issuing unit’s subtree: 404 compliance.unit_not_covered.';

@ApiTags('compliance')
@Controller('campaigns')
export class ComplianceController {
  constructor(private readonly queryBus: QueryBus) {}

  @ViewRoute(':id/compliance/:unitId', {
    summary: 'How a unit stands against the campaign',
    answer: ComplianceAnswer,
    description: `Each requirement with its status, the figures of the unit and its subtree, its children and subtree by status. ${AS_OF_KNOWN_AT}`,
  })
  get(
    @Param('id', new UuidParam('id')) campaignId: string,
    @Param('unitId', new UuidParam('unitId')) unitId: string,
    @Query() query: ComplianceQuery,
    @CallerScope() scope: AccessScope,
  ): Promise<ComplianceView> {
    return this.queryBus.execute(new GetComplianceQuery(question(scope, campaignId, query), unitId));
  }

  @ViewRoute(':id/compliance/:unitId/children', {
    summary: 'The children of a unit, each with its standing',
    answer: ChildrenComplianceAnswer,
    description: `Filtered by overall status and level, by code, a page at a time. ${AS_OF_KNOWN_AT}`,
  })
  children(
    @Param('id', new UuidParam('id')) campaignId: string,
    @Param('unitId', new UuidParam('unitId')) unitId: string,
    @Query() query: ChildrenComplianceQuery,
    @CallerScope() scope: AccessScope,
  ): Promise<ChildrenComplianceView> {
    return this.queryBus.execute(
      new ListChildrenComplianceQuery(
        question(scope, campaignId, query),
        unitId,
        { status: query.status ?? null, level: query.level ?? null },
        query.limit ?? 100,
        query.cursor ?? null,
      ),
    );
  }

  @ViewRoute(':id/commendations', {
    summary: 'The commendation pipeline of a subtree',
    answer: CommendationsAnswer,
    description: `Proposals by the unit and the units under it, each with its status on asOf, counted by status and award form. ${AS_OF_KNOWN_AT}`,
  })
  commendations(
    @Param('id', new UuidParam('id')) campaignId: string,
    @Query() query: CommendationsQuery,
    @CallerScope() scope: AccessScope,
  ): Promise<CommendationsView> {
    return this.queryBus.execute(
      new ListCommendationsQuery(question(scope, campaignId, query), query.unitId.toLowerCase(), query.status ?? null, query.limit ?? 100, query.cursor ?? null),
    );
  }

  @ViewRoute(':id/overdue', {
    summary: 'Requirements missed, or pending and due within 14 days, across a subtree',
    answer: OverdueAnswer,
    description: `By unit code, a page at a time. ${AS_OF_KNOWN_AT}`,
  })
  overdue(@Param('id', new UuidParam('id')) campaignId: string, @Query() query: OverdueQuery, @CallerScope() scope: AccessScope): Promise<OverdueView> {
    return this.queryBus.execute(new ListOverdueQuery(question(scope, campaignId, query), query.unitId.toLowerCase(), query.limit ?? 100, query.cursor ?? null));
  }
}
