import { Body, Controller, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { Access } from '../../../infrastructure/auth/access-policy.js';
import { CommandResponseInterceptor } from '../../../infrastructure/http/command-response.interceptor.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { UuidParam } from '../../../infrastructure/http/validators.js';
import { TerminateOrgUnitCommand } from './terminate-org-unit.command.js';
import { TerminateOrgUnitRequest } from './terminate-org-unit.request.dto.js';

@Controller('org-units')
export class TerminateOrgUnitController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access.write()
  @Post(':id/terminate')
  @HttpCode(200)
  @UseInterceptors(CommandResponseInterceptor)
  terminate(
    @Param('id', new UuidParam('id')) unitId: string,
    @Body() body: TerminateOrgUnitRequest,
    @CommandCtx() context: CommandContext,
  ): Promise<CommandResult> {
    return this.commandBus.execute(new TerminateOrgUnitCommand(unitId, body.effectiveOn, body.reason.trim(), context));
  }
}
