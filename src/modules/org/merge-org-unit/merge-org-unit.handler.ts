import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { orgUnitStream } from '../../../events/org/org-unit-events.js';
import { decideOrgUnit, evolveOrgUnit, initialOrgUnitState, type OrgUnitContext } from '../domain/org-unit.decider.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { MergeOrgUnitCommand } from './merge-org-unit.command.js';

@CommandHandler(MergeOrgUnitCommand)
export class MergeOrgUnitHandler implements ICommandHandler<MergeOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
  ) {}

  execute(c: MergeOrgUnitCommand): Promise<CommandResult> {
    return this.executor.execute(
      {
        stream: orgUnitStream(c.unitId),
        id: c.unitId,
        initialState: initialOrgUnitState,
        evolve: evolveOrgUnit,
        decide: async (state) => decideOrgUnit({ type: 'MergeOrgUnit', unitId: c.unitId, intoUnitId: c.intoUnitId, effectiveOn: c.effectiveOn }, state, await this.related(c.intoUnitId, c.effectiveOn)),
      },
      c.context satisfies CommandContext,
    );
  }

  private async related(unitId: string, date: string): Promise<OrgUnitContext> {
    const related = await this.loader.unit(unitId);
    return { related, relatedAncestorIds: await this.loader.ancestorIds(related, date) };
  }
}
