import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type CampaignPlanEvent, type CampaignPlanIssued, campaignStream } from '../../../events/campaign/campaign-events.js';
import { orgUnitStream } from '../../../events/org/org-unit-events.js';
import type { AccessReference } from '../../../infrastructure/commands/command-access.js';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandMessage } from '../../../infrastructure/commands/command-message.js';
import { type CommandPlan, CommandRunner } from '../../../infrastructure/commands/command-runner.js';
import { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { businessToday } from '../../../shared/values.js';
import { Hierarchy } from '../../org/hierarchy/hierarchy.js';
import { actingUnit, firstEvent } from '../campaign-reading.js';
import { type CampaignCommand, type CampaignState, decideCampaign, evolveCampaign, initialCampaignState } from './campaign.decider.js';

export class CampaignCommandMessage extends CommandMessage<CampaignCommand> {}

/** Issuing and amending a campaign's plan: by officers of the issuing unit's subtree (or above it). */
@CommandHandler(CampaignCommandMessage)
export class CampaignCommandHandler implements ICommandHandler<CampaignCommandMessage, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly store: EventStore,
  ) {}

  async execute({ command, context }: CampaignCommandMessage): Promise<CommandResult> {
    const issued = (await firstEvent(this.store, campaignStream(command.campaignId))) as CampaignPlanIssued | null;
    return this.runner.run(plan(command, issued?.data.issuingUnitId ?? null, businessToday()), context);
  }
}

function plan(c: CampaignCommand, existingIssuer: string | null, today: string): CommandPlan<CampaignState, CampaignPlanEvent> {
  const date = c.type === 'IssueCampaignPlan' ? c.document.issuedOn : c.amendedOn;
  const issuer = c.type === 'IssueCampaignPlan' ? c.issuingUnitId : existingIssuer;
  const scope: AccessReference[] = [];
  if (c.type === 'IssueCampaignPlan') scope.push({ unitId: c.issuingUnitId, on: date, field: 'issuingUnitId' });
  // A campaign that exists is the issuing unit's: an id taken outside the caller's scope answers as out of scope.
  // An amendment is the issuing unit's, or that of the unit it merged into by then.
  if (existingIssuer !== null) scope.push({ unitId: existingIssuer, on: date, field: c.type === 'IssueCampaignPlan' ? 'campaignId' : 'id', receives: c.type === 'AmendCampaignPlan' });
  return {
    stream: campaignStream(c.campaignId),
    id: c.campaignId,
    initialState: initialCampaignState,
    evolve: evolveCampaign,
    scope,
    prefetch: issuer ? [orgUnitStream(issuer)] : [],
    shared: (reading) => (issuer ? new Hierarchy(reading).chains([issuer]) : []),
    decide: async (state, reading) => {
      const unit = !issuer ? null : c.type === 'IssueCampaignPlan' ? await new Hierarchy(reading).unitOnDate(issuer, date, null) : await actingUnit(reading, issuer, date, state);
      return decideCampaign(c, state, {
        today,
        issuingUnit: { exists: unit?.exists ?? false, level: unit?.level ?? null, activeOn: unit?.active ?? false },
      });
    },
  };
}
