import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type OrgUnitEvent, orgUnitStream } from '../../../events/org/org-unit-events.js';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandMessage } from '../../../infrastructure/commands/command-message.js';
import { type CommandPlan, CommandRunner } from '../../../infrastructure/commands/command-runner.js';
import type { StreamReading } from '../../../infrastructure/commands/stream-reading.js';
import { OrgUnitDependents } from '../../../shared/org-unit-dependents.port.js';
import { Hierarchy } from '../hierarchy/hierarchy.js';
import { requireUnrestricted } from '../hierarchy/org-access.js';
import { decideOrgUnit, evolveOrgUnit, initialOrgUnitState, NO_CONTEXT, type OrgUnitCommand, type OrgUnitState } from './org-unit.decider.js';

export class OrgUnitCommandMessage extends CommandMessage<OrgUnitCommand> {}

type Plan = CommandPlan<OrgUnitState, OrgUnitEvent>;

/** Where a unit is placed or merged: its chain of mergers is read by the rule, and held still. */
const targetChain = async (reading: StreamReading, unitId: string): Promise<string[]> => (await new Hierarchy(reading).fate(unitId)).chain;

/**
 * Every command on an org unit, run by the generic runner: what each one touches (for the
 * scope check and the locks) and what its rule reads besides the unit's own stream.
 */
@CommandHandler(OrgUnitCommandMessage)
export class OrgUnitCommandHandler implements ICommandHandler<OrgUnitCommandMessage, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly dependents: OrgUnitDependents,
  ) {}

  execute({ command, context }: OrgUnitCommandMessage): Promise<CommandResult> {
    return this.runner.run(this.plan(command, context), context);
  }

  private plan(c: OrgUnitCommand, context: CommandContext): Plan {
    const unit = { stream: orgUnitStream(c.unitId), id: c.unitId, initialState: initialOrgUnitState, evolve: evolveOrgUnit };
    switch (c.type) {
      case 'EstablishOrgUnit': {
        const parentId = c.parentId;
        if (parentId === null) {
          requireUnrestricted(context.actor, 'parentId', 'establishing a unit with no parent');
          return { ...unit, scope: [], shared: () => [], decide: (state) => decideOrgUnit(c, state, NO_CONTEXT) };
        }
        return {
          ...unit,
          // An id already taken outside the caller's scope answers as out of scope, not as taken.
          scope: [
            { unitId: c.unitId, on: c.establishedOn, field: 'unitId', ifExists: true },
            { unitId: parentId, on: c.establishedOn, field: 'parentId', receives: true },
          ],
          prefetch: [orgUnitStream(parentId)],
          shared: (reading) => targetChain(reading, parentId),
          decide: async (state, reading) => decideOrgUnit(c, state, await new Hierarchy(reading).related(parentId, c.establishedOn)),
        };
      }
      case 'RenameOrgUnit':
        return {
          ...unit,
          scope: [{ unitId: c.unitId, on: c.effectiveOn, field: 'id' }],
          shared: () => [],
          decide: (state) => decideOrgUnit(c, state, NO_CONTEXT),
        };
      case 'TransferOrgUnit':
      case 'MergeOrgUnit': {
        const [targetId, field] = c.type === 'TransferOrgUnit' ? [c.newParentId, 'newParentId'] : [c.intoUnitId, 'intoUnitId'];
        return {
          ...unit,
          scope: [
            { unitId: c.unitId, on: c.effectiveOn, field: 'id', ends: c.type === 'MergeOrgUnit' },
            { unitId: targetId, on: c.effectiveOn, field, receives: true },
          ],
          prefetch: [orgUnitStream(targetId)],
          // The unit moves: held alone, so that no scope check below it runs meanwhile.
          exclusive: [c.unitId],
          shared: (reading) => targetChain(reading, targetId),
          decide: async (state, reading) => decideOrgUnit(c, state, await new Hierarchy(reading).related(targetId, c.effectiveOn)),
        };
      }
      case 'TerminateOrgUnit':
        return {
          ...unit,
          scope: [{ unitId: c.unitId, on: c.effectiveOn, field: 'id', ends: true }],
          exclusive: [c.unitId],
          shared: () => [],
          decide: async (state) => decideOrgUnit(c, state, { ...NO_CONTEXT, childIds: await this.dependents.childrenOnOrAfter(c.unitId, c.effectiveOn) }),
        };
      default: {
        const unreachable: never = c;
        return unreachable;
      }
    }
  }
}

