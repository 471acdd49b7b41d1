import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { decideOrgUnit } from '../domain/org-unit.decider.js';
import { onOrgUnit } from '../shared/org-decisions.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { MergeOrgUnitCommand } from './merge-org-unit.command.js';
import { OrgAccess } from '../shared/org-access.js';

@CommandHandler(MergeOrgUnitCommand)
export class MergeOrgUnitHandler implements ICommandHandler<MergeOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
    private readonly access: OrgAccess,
  ) {}

  async execute(c: MergeOrgUnitCommand): Promise<CommandResult> {
    const command = { type: 'MergeOrgUnit', unitId: c.unitId, intoUnitId: c.intoUnitId, effectiveOn: c.effectiveOn } as const;
    const scope = [
      { unitId: c.unitId, on: c.effectiveOn, field: 'id' },
      { unitId: c.intoUnitId, on: c.effectiveOn, field: 'intoUnitId' },
    ];
    return this.access.run(c.context.actor, scope, [c.unitId, ...(await this.loader.fate(c.intoUnitId)).chain], () =>
      this.executor.execute(
        onOrgUnit(c.unitId, async (state) => decideOrgUnit(command, state, await this.loader.related(c.intoUnitId, c.effectiveOn))),
        c.context,
      ),
    );
  }
}
