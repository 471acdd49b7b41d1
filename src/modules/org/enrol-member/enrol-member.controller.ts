import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { Access } from '../../../infrastructure/auth/access-policy.js';
import { CommandResponseInterceptor } from '../../../infrastructure/http/command-response.interceptor.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { newId } from '../shared/new-id.js';
import { EnrolMemberCommand } from './enrol-member.command.js';
import { EnrolMemberRequest } from './enrol-member.request.dto.js';

@Controller('members')
export class EnrolMemberController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access.write()
  @Post()
  @HttpCode(201)
  @UseInterceptors(CommandResponseInterceptor)
  enrol(@Body() body: EnrolMemberRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    const enrolment = {
      memberId: newId(body.memberId, 'member', context),
      unitId: body.unitId.toLowerCase(),
      fullName: body.fullName.trim(),
      memberCode: body.memberCode.trim(),
      joinedOn: body.joinedOn,
    };
    return this.commandBus.execute(new EnrolMemberCommand(enrolment, context));
  }
}
