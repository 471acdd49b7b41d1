import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { decideOrgUnit, NO_CONTEXT } from '../domain/org-unit.decider.js';
import { OrgUnitDependents } from '../../../shared/org-unit-dependents.port.js';
import { onOrgUnit } from '../shared/org-decisions.js';
import { TerminateOrgUnitCommand } from './terminate-org-unit.command.js';
import { OrgAccess } from '../shared/org-access.js';

@CommandHandler(TerminateOrgUnitCommand)
export class TerminateOrgUnitHandler implements ICommandHandler<TerminateOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly dependents: OrgUnitDependents,
    private readonly access: OrgAccess,
  ) {}

  async execute(c: TerminateOrgUnitCommand): Promise<CommandResult> {
    const command = { type: 'TerminateOrgUnit', unitId: c.unitId, effectiveOn: c.effectiveOn, reason: c.reason } as const;
    return this.access.run(c.context.actor, [{ unitId: c.unitId, on: c.effectiveOn, field: 'id' }], [c.unitId], () =>
      this.executor.execute(
        onOrgUnit(c.unitId, async (state) =>
          decideOrgUnit(command, state, { ...NO_CONTEXT, childIds: await this.dependents.childrenOnOrAfter(c.unitId, c.effectiveOn) }),
        ),
        c.context,
      ),
    );
  }
}
