import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { decideOrgUnit, NO_CONTEXT } from '../domain/org-unit.decider.js';
import { onOrgUnit } from '../shared/org-decisions.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { EstablishOrgUnitCommand } from './establish-org-unit.command.js';
import { OrgAccess } from '../shared/org-access.js';

@CommandHandler(EstablishOrgUnitCommand)
export class EstablishOrgUnitHandler implements ICommandHandler<EstablishOrgUnitCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
    private readonly access: OrgAccess,
  ) {}

  async execute(c: EstablishOrgUnitCommand): Promise<CommandResult> {
    if (!c.parentId) this.access.requireUnrestricted(c.context.actor, 'parentId', 'establishing a unit with no parent');
    const { unitId, code, name, kind, parentId, establishedOn } = c;
    const command = { type: 'EstablishOrgUnit', unitId, code, name, kind, parentId, establishedOn } as const;
    const parentChain = parentId ? (await this.loader.fate(parentId)).chain : [];
    const scope = parentId ? [{ unitId: parentId, on: establishedOn, field: 'parentId' }] : [];
    return this.access.run(c.context.actor, scope, parentChain, () =>
      this.executor.execute(
        onOrgUnit(c.unitId, async (state) =>
          decideOrgUnit(command, state, parentId ? await this.loader.related(parentId, establishedOn) : NO_CONTEXT),
        ),
        c.context,
      ),
    );
  }
}
