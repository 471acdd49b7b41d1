import { CAMPAIGN_PLAN_EVENTS, campaignStream } from '../../events/campaign/campaign-events.js';
import type { StreamReading } from '../../infrastructure/commands/stream-reading.js';
import { isOfType } from '../../infrastructure/event-store/domain-events.js';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { Hierarchy } from '../org/hierarchy/hierarchy.js';
import { type CampaignState, evolveCampaign, initialCampaignState } from './campaign/campaign.decider.js';
import type { UnitOnDate } from './campaign-facts.js';

const isPlanEvent = isOfType(CAMPAIGN_PLAN_EVENTS.map((d) => d.type));

/** A campaign's plan as its stream stands, read through the command's reading. */
export async function campaignIn(reading: StreamReading, campaignId: string): Promise<CampaignState> {
  return (await reading.read(campaignStream(campaignId))).filter(isPlanEvent).reduce(evolveCampaign, initialCampaignState());
}

/** A unit as a fact of `campaign` dated `date` needs it. */
export function unitForFact(reading: StreamReading, unitId: string, date: string, campaign: CampaignState): Promise<UnitOnDate> {
  return new Hierarchy(reading).unitOnDate(unitId, date, campaign.exists ? campaign.issuingUnitId : null);
}

/** The units a fact's rule reads, through their mergers: held still until it appends. */
export async function unitChains(reading: StreamReading, unitIds: readonly string[]): Promise<string[]> {
  const hierarchy = new Hierarchy(reading);
  return (await Promise.all(unitIds.map((id) => hierarchy.fate(id)))).flatMap((f) => f.chain);
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
