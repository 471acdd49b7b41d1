import { CAMPAIGN_PLAN_EVENTS, campaignStream } from '../../events/campaign/campaign-events.js';
import type { DomainEvent } from '../../events/event-catalogue.js';
import { orgUnitStream } from '../../events/org/org-unit-events.js';
import type { AccessReference } from '../../infrastructure/commands/command-access.js';
import type { CommandPlan } from '../../infrastructure/commands/command-runner.js';
import type { StreamReading } from '../../infrastructure/commands/stream-reading.js';
import { isOfType } from '../../infrastructure/event-store/domain-events.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { Hierarchy } from '../org/hierarchy/hierarchy.js';
import { type CampaignState, evolveCampaign, initialCampaignState } from './campaign/campaign.decider.js';
import type { UnitFactSetting, UnitOnDate } from './campaign-facts.js';

const isPlanEvent = isOfType(CAMPAIGN_PLAN_EVENTS.map((d) => d.type));

/** A campaign's plan as its stream stands, read through the command's reading. */
export async function campaignIn(reading: StreamReading, campaignId: string): Promise<CampaignState> {
  return (await reading.read(campaignStream(campaignId))).filter(isPlanEvent).reduce(evolveCampaign, initialCampaignState());
}

/** A unit as a fact of `campaign` dated `date` needs it. */
export function unitForFact(reading: StreamReading, unitId: string, date: string, campaign: CampaignState): Promise<UnitOnDate> {
  return new Hierarchy(reading).unitOnDate(unitId, date, campaign.exists ? campaign.issuingUnitId : null);
}

/**
 * The unit that acts for `unitId` on `date` where a command reaches it implicitly (the receiver
 * of a report, the issuer of a campaign): the unit it merged into by then; not active once it
 * was terminated.
 */
export async function actingUnit(reading: StreamReading, unitId: string, date: string, campaign: CampaignState): Promise<UnitOnDate> {
  const hierarchy = new Hierarchy(reading);
  const reached = await hierarchy.membershipOn(unitId, date);
  if (reached.endedOn !== null) {
    const unit = await hierarchy.unit(reached.unitId);
    return { unitId: reached.unitId, exists: unit.exists, level: unit.exists ? unit.level : null, active: false, inCampaign: false };
  }
  return unitForFact(reading, reached.unitId, date, campaign);
}

/**
 * The first event of a stream, read before a command on something that already exists is
 * planned: what it is about (its campaign, its unit) never changes, and the scope check
 * needs it before anything else is read. Null for an absent stream.
 */
export async function firstEvent(store: EventStore, stream: string): Promise<{ readonly type: string; readonly data: object } | null> {
  const [first] = await store.readStream(stream, { maxCount: 1 });
  return first ?? null;
}

/**
 * The plan of a command recording a fact of one unit for a campaign, dated `date`: the caller
 * must hold the unit for the span from that date on (or, when given, what `scope` says), the campaign
 * and the unit are read with the command's own stream, the unit is held still until the
 * append. Null campaign or unit: the command addresses a record that does not exist (its
 * decider says so).
 */
export function unitFactPlan<S, E extends DomainEvent>(
  aggregate: Pick<CommandPlan<S, E>, 'stream' | 'id' | 'initialState' | 'evolve'>,
  fact: { readonly campaignId: string | null; readonly unitId: string | null; readonly date: string; readonly field: string; readonly scope?: readonly AccessReference[] },
  today: string,
  decide: (state: S, setting: UnitFactSetting, reading: StreamReading) => Promise<readonly E[]> | readonly E[],
): CommandPlan<S, E> {
  const { campaignId, unitId, date } = fact;
  return {
    ...aggregate,
    scope: fact.scope ?? (unitId ? [{ unitId, on: date, field: fact.field }] : []),
    prefetch: [...(campaignId ? [campaignStream(campaignId)] : []), ...(unitId ? [orgUnitStream(unitId)] : [])],
    shared: (reading) => (unitId ? new Hierarchy(reading).chains([unitId]) : []),
    decide: async (state, reading) => {
      const campaign = campaignId ? await campaignIn(reading, campaignId) : ({ exists: false } as const);
      const unit = unitId ? await unitForFact(reading, unitId, date, campaign) : { unitId: '', exists: false, level: null, active: false, inCampaign: false };
      return decide(state, { today, campaign, unit }, reading);
    },
  };
}
