import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { orgUnitStream } from '../../../events/org/org-unit-events.js';
import { decideOrgUnit, evolveOrgUnit, initialOrgUnitState, NO_CONTEXT } from '../domain/org-unit.decider.js';
import { RenameOrgUnitCommand } from './rename-org-unit.command.js';

@CommandHandler(RenameOrgUnitCommand)
export class RenameOrgUnitHandler implements ICommandHandler<RenameOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
  ) {}

  execute(c: RenameOrgUnitCommand): Promise<CommandResult> {
    return this.executor.execute(
      {
        stream: orgUnitStream(c.unitId),
        id: c.unitId,
        initialState: initialOrgUnitState,
        evolve: evolveOrgUnit,
        decide: (state) => decideOrgUnit({ type: 'RenameOrgUnit', unitId: c.unitId, name: c.name, effectiveOn: c.effectiveOn }, state, NO_CONTEXT),
      },
      c.context satisfies CommandContext,
    );
  }
}
