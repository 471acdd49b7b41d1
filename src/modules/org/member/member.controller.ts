import { Body, Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { newId } from '../../../infrastructure/commands/new-id.js';
import type { BatchCommandResult } from '../../../infrastructure/http/command-response.interceptor.js';
import { CommandRoute } from '../../../infrastructure/http/command-route.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { IdParam } from '../../../infrastructure/http/validators.js';
import type { MemberCommand } from './member.decider.js';
import { ImportMembersMessage, MemberCommandMessage } from './member.handler.js';
import { EnrolMemberRequest, ImportMembersRequest, LeaveMemberRequest, TransferMemberRequest } from './member.requests.js';

@ApiTags('organisation')
@Controller('members')
export class MemberController {
  constructor(private readonly commandBus: CommandBus) {}

  @CommandRoute('', { status: 201, summary: 'Enrol a member in a grassroots unit' })
  enrol(@Body() body: EnrolMemberRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'EnrolMember', ...body, memberId: newId(body.memberId, 'member', context) }, context);
  }

  @CommandRoute('import', { status: 201, summary: 'Enrol up to 10,000 members at once, all or nothing', batch: true })
  import(@Body() body: ImportMembersRequest, @CommandCtx() context: CommandContext): Promise<BatchCommandResult> {
    const members = body.members.map((m, index) => ({ type: 'EnrolMember' as const, ...m, memberId: newId(m.memberId, 'member', context, index) }));
    return this.commandBus.execute(new ImportMembersMessage(members, context));
  }

  @CommandRoute(':id/transfer', { status: 200, summary: 'Move a member to another grassroots unit from a date' })
  transfer(@IdParam() memberId: string, @Body() body: TransferMemberRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'TransferMember', memberId, ...body }, context);
  }

  @CommandRoute(':id/leave', { status: 200, summary: 'A member leaves the union from a date' })
  leave(@IdParam() memberId: string, @Body() body: LeaveMemberRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'LeaveMember', memberId, ...body }, context);
  }

  private send(command: MemberCommand, context: CommandContext): Promise<CommandResult> {
    return this.commandBus.execute(new MemberCommandMessage(command, context));
  }
}
