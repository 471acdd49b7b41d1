import { Body, Controller, HttpCode, Param, Post, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { Access } from '../../../infrastructure/auth/access-policy.js';
import { CommandResponseInterceptor } from '../../../infrastructure/http/command-response.interceptor.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { UuidParam } from '../../../infrastructure/http/validators.js';
import { MergeOrgUnitCommand } from './merge-org-unit.command.js';
import { MergeOrgUnitRequest } from './merge-org-unit.request.dto.js';

@Controller('org-units')
export class MergeOrgUnitController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access.write()
  @Post(':id/merge')
  @HttpCode(200)
  @UseInterceptors(CommandResponseInterceptor)
  merge(
    @Param('id', new UuidParam('id')) unitId: string,
    @Body() body: MergeOrgUnitRequest,
    @CommandCtx() context: CommandContext,
  ): Promise<CommandResult> {
    return this.commandBus.execute(new MergeOrgUnitCommand(unitId, body.intoUnitId.toLowerCase(), body.effectiveOn, context));
  }
}
