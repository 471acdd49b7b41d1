import { Body, Controller, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { Access } from '../../../infrastructure/auth/access-policy.js';
import { CommandResponseInterceptor } from '../../../infrastructure/http/command-response.interceptor.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { UuidParam } from '../../../infrastructure/http/validators.js';
import { RemoveMemberCommand } from './remove-member.command.js';
import { RemoveMemberRequest } from './remove-member.request.dto.js';

@Controller('members')
export class RemoveMemberController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access.write()
  @Post(':id/leave')
  @HttpCode(200)
  @UseInterceptors(CommandResponseInterceptor)
  leave(
    @Param('id', new UuidParam('id')) memberId: string,
    @Body() body: RemoveMemberRequest,
    @CommandCtx() context: CommandContext,
  ): Promise<CommandResult> {
    return this.commandBus.execute(new RemoveMemberCommand(memberId, body.effectiveOn, body.reason.trim(), context));
  }
}
