import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { Access } from '../../infrastructure/auth/access-policy.js';
import { type AccessScope, CallerScope } from '../../infrastructure/auth/caller-scope.js';
import { UuidParam } from '../../infrastructure/http/validators.js';
import { AsOfQuery, businessToday, toPosition } from '../shared/query-params.js';
import { GetMemberQuery, type MemberView } from './member.queries.js';

@Controller('members')
export class MembersController {
  constructor(private readonly queryBus: QueryBus) {}

  @Access.read()
  @Get(':id')
  get(@Param('id', new UuidParam('id')) memberId: string, @Query() query: AsOfQuery, @CallerScope() scope: AccessScope): Promise<MemberView> {
    return this.queryBus.execute(new GetMemberQuery(scope, memberId, query.asOf ?? businessToday(), toPosition(query.minPosition)));
  }
}
