import { Body, Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { newId } from '../../../infrastructure/commands/new-id.js';
import { CommandRoute } from '../../../infrastructure/http/command-route.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { IdParam } from '../../../infrastructure/http/validators.js';
import type { OrgUnitCommand } from './org-unit.decider.js';
import { OrgUnitCommandMessage } from './org-unit.handler.js';
import {
  EstablishOrgUnitRequest,
  MergeOrgUnitRequest,
  RenameOrgUnitRequest,
  TerminateOrgUnitRequest,
  TransferOrgUnitRequest,
} from './org-unit.requests.js';

@ApiTags('organisation')
@Controller('org-units')
export class OrgUnitController {
  constructor(private readonly commandBus: CommandBus) {}

  @CommandRoute('', { status: 201, summary: 'Establish a unit' })
  establish(@Body() body: EstablishOrgUnitRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    const { unitId, parentId, ...rest } = body;
    return this.send({ type: 'EstablishOrgUnit', ...rest, unitId: newId(unitId, 'orgUnit', context), parentId: parentId ?? null }, context);
  }

  @CommandRoute(':id/rename', { status: 200, summary: 'Rename a unit from a date' })
  rename(@IdParam() unitId: string, @Body() body: RenameOrgUnitRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'RenameOrgUnit', unitId, ...body }, context);
  }

  @CommandRoute(':id/transfer', { status: 200, summary: 'Move a unit under another parent from a date' })
  transfer(@IdParam() unitId: string, @Body() body: TransferOrgUnitRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'TransferOrgUnit', unitId, ...body }, context);
  }

  @CommandRoute(':id/merge', { status: 200, summary: 'Merge a unit into another of the same level from a date' })
  merge(@IdParam() unitId: string, @Body() body: MergeOrgUnitRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'MergeOrgUnit', unitId, ...body }, context);
  }

  @CommandRoute(':id/terminate', { status: 200, summary: 'Terminate a unit from a date' })
  terminate(@IdParam() unitId: string, @Body() body: TerminateOrgUnitRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'TerminateOrgUnit', unitId, ...body }, context);
  }

  private send(command: OrgUnitCommand, context: CommandContext): Promise<CommandResult> {
    return this.commandBus.execute(new OrgUnitCommandMessage(command, context));
  }
}
