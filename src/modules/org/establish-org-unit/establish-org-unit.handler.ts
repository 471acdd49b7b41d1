import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { UnitLocks } from '../../../infrastructure/commands/unit-locks.js';
import { decideOrgUnit, NO_CONTEXT } from '../domain/org-unit.decider.js';
import { onOrgUnit } from '../shared/org-decisions.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { EstablishOrgUnitCommand } from './establish-org-unit.command.js';
import { OrgAccess } from '../shared/org-access.js';

@CommandHandler(EstablishOrgUnitCommand)
export class EstablishOrgUnitHandler implements ICommandHandler<EstablishOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly locks: UnitLocks,
    private readonly loader: OrgStateLoader,
    private readonly access: OrgAccess,
  ) {}

  async execute(c: EstablishOrgUnitCommand): Promise<CommandResult> {
    if (c.parentId) await this.access.requireUnits(c.context.actor, [{ unitId: c.parentId, on: c.establishedOn, field: 'parentId' }]);
    else this.access.requireUnrestricted(c.context.actor, 'parentId', 'establishing a unit with no parent');
    const { unitId, code, name, kind, parentId, establishedOn } = c;
    const command = { type: 'EstablishOrgUnit', unitId, code, name, kind, parentId, establishedOn } as const;
    const parentChain = parentId ? (await this.loader.fate(parentId)).chain : [];
    return this.locks.withLocks(parentChain, () =>
      this.executor.execute(
        onOrgUnit(c.unitId, async (state) =>
          decideOrgUnit(command, state, parentId ? await this.loader.related(parentId, establishedOn) : NO_CONTEXT),
        ),
        c.context,
      ),
    );
  }
}
