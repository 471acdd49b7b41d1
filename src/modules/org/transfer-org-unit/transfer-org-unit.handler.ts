import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { decideOrgUnit } from '../domain/org-unit.decider.js';
import { onOrgUnit } from '../shared/org-decisions.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { TransferOrgUnitCommand } from './transfer-org-unit.command.js';
import { OrgAccess } from '../shared/org-access.js';

@CommandHandler(TransferOrgUnitCommand)
export class TransferOrgUnitHandler implements ICommandHandler<TransferOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
    private readonly access: OrgAccess,
  ) {}

  async execute(c: TransferOrgUnitCommand): Promise<CommandResult> {
    const command = { type: 'TransferOrgUnit', unitId: c.unitId, newParentId: c.newParentId, effectiveOn: c.effectiveOn } as const;
    const scope = [
      { unitId: c.unitId, on: c.effectiveOn, field: 'id' },
      { unitId: c.newParentId, on: c.effectiveOn, field: 'newParentId' },
    ];
    // The unit moves: held alone, so that no scope check below it runs meanwhile.
    return this.access.run(c.context.actor, scope, [c.unitId, ...(await this.loader.fate(c.newParentId)).chain], () =>
      this.executor.execute(
        onOrgUnit(c.unitId, async (state) => decideOrgUnit(command, state, await this.loader.related(c.newParentId, c.effectiveOn))),
        c.context,
      ),
    );
  }
}
