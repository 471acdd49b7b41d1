import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { campaignStream } from '../../../events/campaign/campaign-events.js';
import { PLEDGE_EVENTS, PLEDGE_SLOT_EVENTS, type PledgeEvent, type PledgeSubmitted, pledgeSlotStream, pledgeStream } from '../../../events/campaign/pledge-events.js';
import { memberStream } from '../../../events/org/member-events.js';
import type { AccessReference } from '../../../infrastructure/commands/command-access.js';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandMessage } from '../../../infrastructure/commands/command-message.js';
import { type CommandPlan, CommandRunner } from '../../../infrastructure/commands/command-runner.js';
import type { StreamReading } from '../../../infrastructure/commands/stream-reading.js';
import { isOfType } from '../../../infrastructure/event-store/domain-events.js';
import { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { businessToday } from '../../../shared/values.js';
import { Hierarchy } from '../../org/hierarchy/hierarchy.js';
import { campaignIn, firstEvent, unitForFact } from '../campaign-reading.js';
import type { UnitOnDate } from '../campaign-facts.js';
import { decidePledge, evolvePledge, initialPledgeState, type PledgeCommand, type PledgeContext, type PledgeState, slotHolder } from './pledge.decider.js';

export class PledgeCommandMessage extends CommandMessage<PledgeCommand> {}

const isSlotEvent = isOfType(PLEDGE_SLOT_EVENTS.map((d) => d.type));
const isPledgeEvent = isOfType(PLEDGE_EVENTS.map((d) => d.type));

/**
 * Pledges are filed and handled by officers of the member's unit, for the span from the
 * pledge's date on. A submission holds the member's place in the campaign alone and claims it
 * with the pledge, so that two submissions for one member cannot both succeed.
 */
@CommandHandler(PledgeCommandMessage)
export class PledgeCommandHandler implements ICommandHandler<PledgeCommandMessage, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly store: EventStore,
  ) {}

  async execute({ command, context }: PledgeCommandMessage): Promise<CommandResult> {
    const submitted = (await firstEvent(this.store, pledgeStream(command.pledgeId))) as PledgeSubmitted | null;
    return this.runner.run(plan(command, submitted?.data ?? null, businessToday()), context);
  }
}

/** The member's unit on `date`, as a campaign fact needs it; null when she was not a member then. */
async function memberUnit(reading: StreamReading, memberId: string, date: string, campaignId: string): Promise<UnitOnDate | null> {
  const unitId = await new Hierarchy(reading).memberUnitOn(memberId, date);
  return unitId === null ? null : unitForFact(reading, unitId, date, await campaignIn(reading, campaignId));
}

/**
 * The pledge that holds the member's place: the one that stands, or the day the last one was
 * withdrawn (a claim whose pledge was never stored holds nothing).
 */
async function placeHolder(reading: StreamReading, slot: string, campaignId: string, memberId: string): Promise<Pick<PledgeContext, 'standingPledgeId' | 'withdrawnOn'>> {
  const holder = slotHolder((await reading.read(slot)).filter(isSlotEvent));
  if (holder === null) return { standingPledgeId: null, withdrawnOn: null };
  const pledge = (await reading.read(pledgeStream(holder))).filter(isPledgeEvent).reduce(evolvePledge, initialPledgeState());
  // Another member's pledge under that id (a claim left by a failed append) holds nothing either.
  if (!pledge.exists || pledge.memberId !== memberId || pledge.campaignId !== campaignId) return { standingPledgeId: null, withdrawnOn: null };
  return pledge.withdrawn ? { standingPledgeId: null, withdrawnOn: pledge.lastChangeOn } : { standingPledgeId: holder, withdrawnOn: null };
}

function plan(c: PledgeCommand, submitted: PledgeSubmitted['data'] | null, today: string): CommandPlan<PledgeState, PledgeEvent> {
  const memberId = c.type === 'SubmitPledge' ? c.memberId : (submitted?.memberId ?? null);
  const campaignId = c.type === 'SubmitPledge' ? c.campaignId : (submitted?.campaignId ?? null);
  const date = c.type === 'SubmitPledge' ? c.submittedOn : c.type === 'RevisePledge' ? c.revisedOn : c.type === 'ReviewPledge' ? c.reviewedOn : c.withdrawnOn;
  const slot = c.type === 'SubmitPledge' ? pledgeSlotStream(c.campaignId, c.memberId) : null;
  const scope: AccessReference[] = [];
  if (c.type === 'SubmitPledge') scope.push({ memberId: c.memberId, on: date, field: 'memberId' });
  // An existing pledge is its member's: an id taken outside the caller's scope answers as out of scope.
  if (submitted) scope.push({ memberId: submitted.memberId, on: date, field: c.type === 'SubmitPledge' ? 'pledgeId' : 'id' });
  return {
    stream: pledgeStream(c.pledgeId),
    id: c.pledgeId,
    initialState: initialPledgeState,
    evolve: evolvePledge,
    scope,
    exclusive: slot ? [slot] : [],
    prefetch: [...(campaignId ? [campaignStream(campaignId)] : []), ...(memberId ? [memberStream(memberId)] : []), ...(slot ? [slot] : [])],
    shared: async (reading) => {
      const unitId = memberId ? await new Hierarchy(reading).memberUnitOn(memberId, date) : null;
      return unitId ? new Hierarchy(reading).chains([unitId]) : [];
    },
    decide: async (state, reading) =>
      decidePledge(c, state, {
        today,
        campaign: campaignId ? await campaignIn(reading, campaignId) : { exists: false },
        memberUnit: memberId && campaignId ? await memberUnit(reading, memberId, date, campaignId) : null,
        ...(slot && c.type === 'SubmitPledge' ? await placeHolder(reading, slot, c.campaignId, c.memberId) : { standingPledgeId: null, withdrawnOn: null }),
      }),
    ...(c.type === 'SubmitPledge'
      ? {
          alongside: async () => [
            { stream: slot!, events: [{ type: 'PledgeSlotClaimed' as const, data: { campaignId: c.campaignId, memberId: c.memberId, pledgeId: c.pledgeId, claimedOn: c.submittedOn } }] },
          ],
        }
      : {}),
  };
}
