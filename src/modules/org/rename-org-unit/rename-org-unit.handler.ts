import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { decideOrgUnit, NO_CONTEXT } from '../domain/org-unit.decider.js';
import { onOrgUnit } from '../shared/org-decisions.js';
import { RenameOrgUnitCommand } from './rename-org-unit.command.js';

@CommandHandler(RenameOrgUnitCommand)
export class RenameOrgUnitHandler implements ICommandHandler<RenameOrgUnitCommand, CommandResult> {
  constructor(private readonly executor: CommandExecutor) {}

  execute(c: RenameOrgUnitCommand): Promise<CommandResult> {
    const command = { type: 'RenameOrgUnit', unitId: c.unitId, name: c.name, effectiveOn: c.effectiveOn } as const;
    return this.executor.execute(onOrgUnit(c.unitId, (state) => decideOrgUnit(command, state, NO_CONTEXT)), c.context);
  }
}
