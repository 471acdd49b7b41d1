import { Body, Controller, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { Access } from '../../../infrastructure/auth/access-policy.js';
import { CommandResponseInterceptor } from '../../../infrastructure/http/command-response.interceptor.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { UuidParam } from '../../../infrastructure/http/validators.js';
import { RenameOrgUnitCommand } from './rename-org-unit.command.js';
import { RenameOrgUnitRequest } from './rename-org-unit.request.dto.js';

@Controller('org-units')
export class RenameOrgUnitController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access.write()
  @Post(':id/rename')
  @HttpCode(200)
  @UseInterceptors(CommandResponseInterceptor)
  rename(
    @Param('id', new UuidParam('id')) unitId: string,
    @Body() body: RenameOrgUnitRequest,
    @CommandCtx() context: CommandContext,
  ): Promise<CommandResult> {
    return this.commandBus.execute(new RenameOrgUnitCommand(unitId, body.name.trim(), body.effectiveOn, context));
  }
}
