import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { Access } from '../../infrastructure/auth/access-policy.js';
import { type AccessScope, CallerScope } from '../../infrastructure/auth/caller-scope.js';
import { UuidParam } from '../../infrastructure/http/validators.js';
import { AsOfQuery, businessToday, PagedAsOfQuery, toPosition } from '../shared/query-params.js';
import { type ChildUnitsView, GetOrgUnitQuery, ListChildUnitsQuery, type OrgUnitView } from './org-unit.queries.js';

@Controller('org-units')
export class OrgUnitsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Access.read()
  @Get(':id')
  get(@Param('id', new UuidParam('id')) unitId: string, @Query() query: AsOfQuery, @CallerScope() scope: AccessScope): Promise<OrgUnitView> {
    return this.queryBus.execute(new GetOrgUnitQuery(scope, unitId, query.asOf ?? businessToday(), toPosition(query.minPosition)));
  }

  @Access.read()
  @Get(':id/children')
  children(
    @Param('id', new UuidParam('id')) unitId: string,
    @Query() query: PagedAsOfQuery,
    @CallerScope() scope: AccessScope,
  ): Promise<ChildUnitsView> {
    return this.queryBus.execute(
      new ListChildUnitsQuery(scope, unitId, query.asOf ?? businessToday(), query.limit ?? 100, query.cursor ?? null, toPosition(query.minPosition)),
    );
  }
}
