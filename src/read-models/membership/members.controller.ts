import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { UuidParam } from '../../infrastructure/http/validators.js';
import { AsOfQuery, businessToday, toPosition } from '../shared/query-params.js';
import { GetMemberQuery, type MemberView } from './member.queries.js';

@Controller('members')
export class MembersController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':id')
  get(@Param('id', new UuidParam('id')) memberId: string, @Query() query: AsOfQuery): Promise<MemberView> {
    return this.queryBus.execute(new GetMemberQuery(memberId, query.asOf ?? businessToday(), toPosition(query.minPosition)));
  }
}
