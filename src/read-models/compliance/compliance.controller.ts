import { Controller, Param, Query, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { ProjectionProgress } from '../../infrastructure/projections/projection-progress.js';
import { writeCsv, writeXlsx } from './compliance-export.js';
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
  coveredUnit,
  stand,
} from './compliance.queries.js';
import {
  CommendationsAnswer,
  CommendationsQuery,
  type CommendationsView,
  ListCommendationsQuery,
} from '../commendations/commendations.queries.js';
import { ChildrenComplianceQuery, ComplianceQuery, ExportQuery, OverdueQuery } from './compliance.requests.js';
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

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const AS_OF_KNOWN_AT =
  'As of asOf (business date: facts dated on or before it, the hierarchy and memberships of that day), as known at knownAt (only facts recorded by then). ' +
  'Before the plan’s date: 404 campaign.not_issued_yet. A unit outside the caller’s scope: 404; outside the issuing unit’s subtree: 404 compliance.unit_not_covered.';

@ApiTags('compliance')
@Controller('campaigns')
export class ComplianceController {
  constructor(
    private readonly queryBus: QueryBus,
    private readonly ds: DataSource,
    private readonly progress: ProjectionProgress,
    private readonly store: EventStore,
  ) {}

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

  @ViewRoute(':id/compliance/:unitId/export', {
    summary: 'The compliance of a subtree as a spreadsheet (XLSX or CSV), Vietnamese headers and labels',
    answer: { files: [XLSX, 'text/csv'] },
    description:
      `One row per active unit of the subtree on asOf, by code: its overall status and each requirement's, and its own figures; a total row last. ` +
      `Streamed as it is read. The answer carries the position it reflects in X-Position. ${AS_OF_KNOWN_AT}`,
  })
  async export(
    @Param('id', new UuidParam('id')) campaignId: string,
    @Param('unitId', new UuidParam('unitId')) unitId: string,
    @Query() query: ExportQuery,
    @CallerScope() scope: AccessScope,
    @Res() res: Response,
  ): Promise<void> {
    const q = question(scope, campaignId, query);
    const s = await stand(this.ds, this.progress, this.store, q);
    const unit = await coveredUnit(this.ds, q, s, unitId);
    const x = { campaign: s.campaign, unitId, unitName: unit.unit.name, asOf: q.asOf, knowledge: s.knowledge, knownAt: s.knownAt };
    const file = `tuan-thu-${unit.unit.code.replace(/[^A-Za-z0-9_-]/g, '_')}-${q.asOf}.${query.format}`;
    res.status(200);
    res.setHeader('Content-Type', query.format === 'xlsx' ? XLSX : 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${file}"`);
    res.setHeader('X-Position', s.position.toString());
    if (query.format === 'xlsx') await writeXlsx(this.ds, x, res);
    else await writeCsv(this.ds, x, res);
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
