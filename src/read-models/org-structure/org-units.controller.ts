import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { UuidParam } from '../../infrastructure/http/validators.js';
import { AsOfQuery, businessToday, PagedAsOfQuery, toPosition } from '../shared/query-params.js';
import { type ChildUnitsView, GetOrgUnitQuery, ListChildUnitsQuery, type OrgUnitView } from './org-unit.queries.js';

@Controller('org-units')
export class OrgUnitsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':id')
  get(@Param('id', new UuidParam('id')) unitId: string, @Query() query: AsOfQuery): Promise<OrgUnitView> {
    return this.queryBus.execute(new GetOrgUnitQuery(unitId, query.asOf ?? businessToday(), toPosition(query.minPosition)));
  }

  @Get(':id/children')
  children(@Param('id', new UuidParam('id')) unitId: string, @Query() query: PagedAsOfQuery): Promise<ChildUnitsView> {
    return this.queryBus.execute(
      new ListChildUnitsQuery(unitId, query.asOf ?? businessToday(), query.limit ?? 100, query.cursor ?? null, toPosition(query.minPosition)),
    );
  }
}
