import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { decideOrgUnit, NO_CONTEXT } from '../domain/org-unit.decider.js';
import { onOrgUnit } from '../shared/org-decisions.js';
import { RenameOrgUnitCommand } from './rename-org-unit.command.js';
import { OrgAccess } from '../shared/org-access.js';

@CommandHandler(RenameOrgUnitCommand)
export class RenameOrgUnitHandler implements ICommandHandler<RenameOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly access: OrgAccess,
  ) {}

  async execute(c: RenameOrgUnitCommand): Promise<CommandResult> {
    const command = { type: 'RenameOrgUnit', unitId: c.unitId, name: c.name, effectiveOn: c.effectiveOn } as const;
    return this.access.run(c.context.actor, [{ unitId: c.unitId, on: c.effectiveOn, field: 'id' }], [], () =>
      this.executor.execute(onOrgUnit(c.unitId, (state) => decideOrgUnit(command, state, NO_CONTEXT)), c.context),
    );
  }
}
