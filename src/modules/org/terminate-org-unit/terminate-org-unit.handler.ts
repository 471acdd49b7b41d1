import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { orgUnitStream } from '../../../events/org/org-unit-events.js';
import { decideOrgUnit, evolveOrgUnit, initialOrgUnitState, NO_CONTEXT } from '../domain/org-unit.decider.js';
import { TerminateOrgUnitCommand } from './terminate-org-unit.command.js';

@CommandHandler(TerminateOrgUnitCommand)
export class TerminateOrgUnitHandler implements ICommandHandler<TerminateOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
  ) {}

  execute(c: TerminateOrgUnitCommand): Promise<CommandResult> {
    return this.executor.execute(
      {
        stream: orgUnitStream(c.unitId),
        id: c.unitId,
        initialState: initialOrgUnitState,
        evolve: evolveOrgUnit,
        decide: (state) => decideOrgUnit({ type: 'TerminateOrgUnit', unitId: c.unitId, effectiveOn: c.effectiveOn, reason: c.reason }, state, NO_CONTEXT),
      },
      c.context satisfies CommandContext,
    );
  }
}
