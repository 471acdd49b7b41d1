import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { orgUnitStream } from '../../../events/org/org-unit-events.js';
import { decideOrgUnit, evolveOrgUnit, initialOrgUnitState, NO_CONTEXT } from '../domain/org-unit.decider.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { EstablishOrgUnitCommand } from './establish-org-unit.command.js';

@CommandHandler(EstablishOrgUnitCommand)
export class EstablishOrgUnitHandler implements ICommandHandler<EstablishOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
  ) {}

  execute(c: EstablishOrgUnitCommand): Promise<CommandResult> {
    return this.executor.execute(
      {
        stream: orgUnitStream(c.unitId),
        id: c.unitId,
        initialState: initialOrgUnitState,
        evolve: evolveOrgUnit,
        decide: async (state) =>
          decideOrgUnit(
            { type: 'EstablishOrgUnit', unitId: c.unitId, code: c.code, name: c.name, kind: c.kind, parentId: c.parentId, establishedOn: c.establishedOn },
            state,
            c.parentId ? { related: await this.loader.unit(c.parentId), relatedAncestorIds: [] } : NO_CONTEXT,
          ),
      },
      c.context satisfies CommandContext,
    );
  }
}
