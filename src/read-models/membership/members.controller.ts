import { Controller, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import { type AccessScope, CallerScope } from '../../infrastructure/auth/caller-scope.js';
import { UuidParam } from '../../infrastructure/http/validators.js';
import { ViewRoute } from '../../infrastructure/http/view-route.js';
import { AsOfQuery, businessToday, knownAtOf, toPosition } from '../shared/query-params.js';
import { GetMemberQuery, type MemberView } from './member.queries.js';
import { MemberAnswer } from './member.responses.js';

@ApiTags('organisation')
@Controller('members')
export class MembersController {
  constructor(private readonly queryBus: QueryBus) {}

  @ViewRoute(':id', {
    summary: 'A member as of a date, with her membership history',
    answer: MemberAnswer,
    description: 'Her unit and status on asOf, and the periods of her membership the caller may see. Outside the caller’s scope: 404.',
  })
  get(@Param('id', new UuidParam('id')) memberId: string, @Query() query: AsOfQuery, @CallerScope() scope: AccessScope): Promise<MemberView> {
    return this.queryBus.execute(new GetMemberQuery(scope, memberId, query.asOf ?? businessToday(), toPosition(query.minPosition), knownAtOf(query)));
  }
}
