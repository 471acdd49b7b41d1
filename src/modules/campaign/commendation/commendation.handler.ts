import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type CampaignPlanIssued, campaignStream } from '../../../events/campaign/campaign-events.js';
import { type CommendationProposed, commendationStream } from '../../../events/campaign/commendation-events.js';
import type { AccessReference } from '../../../infrastructure/commands/command-access.js';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandMessage } from '../../../infrastructure/commands/command-message.js';
import { CommandRunner } from '../../../infrastructure/commands/command-runner.js';
import type { StreamReading } from '../../../infrastructure/commands/stream-reading.js';
import { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { businessToday } from '../../../shared/values.js';
import { Hierarchy } from '../../org/hierarchy/hierarchy.js';
import { actingUnit, firstEvent, unitFactPlan } from '../campaign-reading.js';
import { type CommendationCommand, decideCommendation, evolveCommendation, initialCommendationState, type ProposeCommendation } from './commendation.decider.js';

export class CommendationCommandMessage extends CommandMessage<CommendationCommand> {}

/**
 * Proposed (and submitted again) by officers of the proposing unit's subtree; reviewed and
 * decided only by those holding the unit that issued the campaign (its board and council).
 */
@CommandHandler(CommendationCommandMessage)
export class CommendationCommandHandler implements ICommandHandler<CommendationCommandMessage, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly store: EventStore,
  ) {}

  async execute({ command: c, context }: CommendationCommandMessage): Promise<CommandResult> {
    const proposal = ((await firstEvent(this.store, commendationStream(c.commendationId))) as CommendationProposed | null)?.data ?? null;
    const campaignId = c.type === 'ProposeCommendation' ? c.campaignId : (proposal?.campaignId ?? null);
    const issued = campaignId ? ((await firstEvent(this.store, campaignStream(campaignId))) as CampaignPlanIssued | null) : null;
    const date = c.type === 'ProposeCommendation' ? c.proposedOn : c.type === 'ReviewCommendation' ? c.reviewedOn : c.type === 'ResubmitCommendation' ? c.resubmittedOn : c.decidedOn;
    const proposingUnitId = c.type === 'ProposeCommendation' ? c.proposingUnitId : (proposal?.proposingUnitId ?? null);
    const scope: AccessReference[] = [];
    if (c.type === 'ProposeCommendation') scope.push({ unitId: c.proposingUnitId, on: date, field: 'proposingUnitId' });
    const atIssuer = c.type === 'ReviewCommendation' || c.type === 'DecideCommendation';
    const issuerId = issued?.data.issuingUnitId ?? null;
    if (proposal) {
      // Reviewed and decided at the issuing unit, or at the unit it merged into by then.
      scope.push(
        atIssuer && issuerId
          ? { unitId: issuerId, on: date, field: 'id', receives: true }
          : { unitId: proposal.proposingUnitId, on: date, field: c.type === 'ProposeCommendation' ? 'commendationId' : 'id' },
      );
    }
    const plan = unitFactPlan(
      { stream: commendationStream(c.commendationId), id: c.commendationId, initialState: initialCommendationState, evolve: evolveCommendation },
      { campaignId, unitId: proposingUnitId, date, field: 'proposingUnitId', scope },
      businessToday(),
      async (state, setting, reading) => {
        // At the issuer, the unit that acts is the issuer that day (its own campaign: in it by definition).
        const unit = atIssuer && issuerId ? { ...(await actingUnit(reading, issuerId, date, setting.campaign)), inCampaign: true } : setting.unit;
        return decideCommendation(c, state, { ...setting, unit, nomineeWithin: c.type === 'ProposeCommendation' ? await nomineeWithin(reading, c) : true });
      },
    );
    return this.runner.run(plan, context);
  }
}

/** Whether the nominee lay in the proposing unit's subtree on the day of the proposal. */
async function nomineeWithin(reading: StreamReading, c: ProposeCommendation): Promise<boolean> {
  const hierarchy = new Hierarchy(reading);
  const unitId = c.nominee.type === 'member' ? await hierarchy.memberUnitOn(c.nominee.id, c.proposedOn) : c.nominee.id;
  if (unitId === null || !(await hierarchy.unit(unitId)).exists) return false;
  return hierarchy.isWithin(unitId, c.proposingUnitId, c.proposedOn);
}
