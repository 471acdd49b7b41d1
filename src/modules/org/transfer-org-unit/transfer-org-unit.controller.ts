import { Body, Controller, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { Access } from '../../../infrastructure/auth/access-policy.js';
import { CommandResponseInterceptor } from '../../../infrastructure/http/command-response.interceptor.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { UuidParam } from '../../../infrastructure/http/validators.js';
import { TransferOrgUnitCommand } from './transfer-org-unit.command.js';
import { TransferOrgUnitRequest } from './transfer-org-unit.request.dto.js';

@Controller('org-units')
export class TransferOrgUnitController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access.write()
  @Post(':id/transfer')
  @HttpCode(200)
  @UseInterceptors(CommandResponseInterceptor)
  transfer(
    @Param('id', new UuidParam('id')) unitId: string,
    @Body() body: TransferOrgUnitRequest,
    @CommandCtx() context: CommandContext,
  ): Promise<CommandResult> {
    return this.commandBus.execute(new TransferOrgUnitCommand(unitId, body.newParentId.toLowerCase(), body.effectiveOn, context));
  }
}
