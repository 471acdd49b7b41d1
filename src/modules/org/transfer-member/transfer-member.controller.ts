import { Body, Controller, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { Access } from '../../../infrastructure/auth/access-policy.js';
import { CommandResponseInterceptor } from '../../../infrastructure/http/command-response.interceptor.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { UuidParam } from '../../../infrastructure/http/validators.js';
import { TransferMemberCommand } from './transfer-member.command.js';
import { TransferMemberRequest } from './transfer-member.request.dto.js';

@Controller('members')
export class TransferMemberController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access.write()
  @Post(':id/transfer')
  @HttpCode(200)
  @UseInterceptors(CommandResponseInterceptor)
  transfer(
    @Param('id', new UuidParam('id')) memberId: string,
    @Body() body: TransferMemberRequest,
    @CommandCtx() context: CommandContext,
  ): Promise<CommandResult> {
    return this.commandBus.execute(new TransferMemberCommand(memberId, body.toUnitId.toLowerCase(), body.effectiveOn, context));
  }
}
