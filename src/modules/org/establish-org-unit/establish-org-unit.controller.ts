import { Body, Controller, HttpCode, Post, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { Access } from '../../../infrastructure/auth/access-policy.js';
import { CommandResponseInterceptor } from '../../../infrastructure/http/command-response.interceptor.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { newId } from '../shared/new-id.js';
import { EstablishOrgUnitCommand } from './establish-org-unit.command.js';
import { EstablishOrgUnitRequest } from './establish-org-unit.request.dto.js';

@Controller('org-units')
export class EstablishOrgUnitController {
  constructor(private readonly commandBus: CommandBus) {}

  @Access.write()
  @Post()
  @HttpCode(201)
  @UseInterceptors(CommandResponseInterceptor)
  establish(@Body() body: EstablishOrgUnitRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.commandBus.execute(
      new EstablishOrgUnitCommand(
        newId(body.unitId, 'orgUnit', context),
        body.code.trim(),
        body.name.trim(),
        body.kind,
        body.parentId?.toLowerCase() ?? null,
        body.establishedOn,
        context,
      ),
    );
  }
}
