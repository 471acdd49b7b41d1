import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { UnitLocks } from '../../../infrastructure/commands/unit-locks.js';
import { decideOrgUnit } from '../domain/org-unit.decider.js';
import { onOrgUnit } from '../shared/org-decisions.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { TransferOrgUnitCommand } from './transfer-org-unit.command.js';
import { OrgAccess } from '../shared/org-access.js';

@CommandHandler(TransferOrgUnitCommand)
export class TransferOrgUnitHandler implements ICommandHandler<TransferOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly locks: UnitLocks,
    private readonly loader: OrgStateLoader,
    private readonly access: OrgAccess,
  ) {}

  async execute(c: TransferOrgUnitCommand): Promise<CommandResult> {
    await this.access.requireUnits(c.context.actor, [
      { unitId: c.unitId, on: c.effectiveOn, field: 'id' },
      { unitId: c.newParentId, on: c.effectiveOn, field: 'newParentId' },
    ]);
    const command = { type: 'TransferOrgUnit', unitId: c.unitId, newParentId: c.newParentId, effectiveOn: c.effectiveOn } as const;
    return this.locks.withLocks((await this.loader.fate(c.newParentId)).chain, () =>
      this.executor.execute(
        onOrgUnit(c.unitId, async (state) => decideOrgUnit(command, state, await this.loader.related(c.newParentId, c.effectiveOn))),
        c.context,
      ),
    );
  }
}
