import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { orgUnitStream } from '../../../events/org/org-unit-events.js';
import { decideOrgUnit, evolveOrgUnit, initialOrgUnitState, type OrgUnitContext } from '../domain/org-unit.decider.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { TransferOrgUnitCommand } from './transfer-org-unit.command.js';

@CommandHandler(TransferOrgUnitCommand)
export class TransferOrgUnitHandler implements ICommandHandler<TransferOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
  ) {}

  execute(c: TransferOrgUnitCommand): Promise<CommandResult> {
    return this.executor.execute(
      {
        stream: orgUnitStream(c.unitId),
        id: c.unitId,
        initialState: initialOrgUnitState,
        evolve: evolveOrgUnit,
        decide: async (state) => decideOrgUnit({ type: 'TransferOrgUnit', unitId: c.unitId, newParentId: c.newParentId, effectiveOn: c.effectiveOn }, state, await this.related(c.newParentId, c.effectiveOn)),
      },
      c.context satisfies CommandContext,
    );
  }

  private async related(unitId: string, date: string): Promise<OrgUnitContext> {
    const related = await this.loader.unit(unitId);
    return { related, relatedAncestorIds: await this.loader.ancestorIds(related, date) };
  }
}
