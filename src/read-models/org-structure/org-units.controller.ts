import { Controller, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { type AccessScope, CallerScope } from '../../infrastructure/auth/caller-scope.js';
import { UuidParam } from '../../infrastructure/http/validators.js';
import { ViewRoute } from '../../infrastructure/http/view-route.js';
import { AsOfQuery, businessToday, knownAtOf, PagedAsOfQuery, toPosition } from '../shared/query-params.js';
import { type ChildUnitsView, GetOrgUnitQuery, ListChildUnitsQuery, type OrgUnitView } from './org-unit.queries.js';
import { ChildUnitsAnswer, OrgUnitAnswer } from './org-unit.responses.js';

@ApiTags('organisation')
@Controller('org-units')
export class OrgUnitsController {
  constructor(private readonly queryBus: QueryBus) {}

  @ViewRoute(':id', {
    summary: 'A unit as of a date',
    answer: OrgUnitAnswer,
    description: 'Its name, parent, status and ancestors as the hierarchy stood on asOf, and its member counts; as known at knownAt when given. Outside the caller’s scope: 404.',
  })
  get(@Param('id', new UuidParam('id')) unitId: string, @Query() query: AsOfQuery, @CallerScope() scope: AccessScope): Promise<OrgUnitView> {
    return this.queryBus.execute(new GetOrgUnitQuery(scope, unitId, query.asOf ?? businessToday(), toPosition(query.minPosition), knownAtOf(query)));
  }

  @ViewRoute(':id/children', {
    summary: 'The units directly under a unit on a date',
    answer: ChildUnitsAnswer,
    description: 'Active children on asOf, by code, a page at a time (limit, cursor → nextCursor). Outside the caller’s scope: 404.',
  })
  children(
    @Param('id', new UuidParam('id')) unitId: string,
    @Query() query: PagedAsOfQuery,
    @CallerScope() scope: AccessScope,
  ): Promise<ChildUnitsView> {
    return this.queryBus.execute(
      new ListChildUnitsQuery(scope, unitId, query.asOf ?? businessToday(), query.limit ?? 100, query.cursor ?? null, toPosition(query.minPosition), knownAtOf(query)),
    );
  }
}
