import { z } from 'zod';
import { businessDate, defineEvent, type EventOf, id, text } from '../event-definition.js';

export const PLEDGE_CATEGORY = 'pledge';
export const pledgeStream = (pledgeId: string): string => `${PLEDGE_CATEGORY}-${pledgeId}`;
/**
 * The place of a member's one pledge in a campaign: whichever command claims it first files
 * the pledge, so two concurrent submissions for one member cannot both succeed.
 */
export const PLEDGE_SLOT_CATEGORY = 'pledgeSlot';
export const pledgeSlotStream = (campaignId: string, memberId: string): string => `${PLEDGE_SLOT_CATEGORY}-${campaignId}_${memberId}`;

export const PLEDGE_OUTCOMES = ['fulfilled', 'partly_fulfilled', 'not_fulfilled'] as const;
export const MAX_PLEDGE_ITEMS = 50;

const items = () => z.array(text(1000)).min(1).max(MAX_PLEDGE_ITEMS);
/** What every event of a pledge names: the pledge, its campaign, its member and her unit when filed. */
const ofPledge = { pledgeId: id(), campaignId: id(), memberId: id(), unitId: id() };

/**
 * A member's pledge (or registration) for the campaign, filed with the unit she belongs to on
 * `submittedOn`. Version 1 did not record to whom it was addressed: read as not recorded.
 */
export const PledgeSubmitted = defineEvent({
  type: 'PledgeSubmitted',
  schemaVersion: 2,
  schema: z.strictObject({
    ...ofPledge,
    items: items(),
    submittedOn: businessDate(),
    submittedTo: text(300).nullable(),
  }),
  occurredOn: (d) => d.submittedOn,
  upcasters: [(v1) => ({ ...v1, submittedTo: v1['submittedTo'] ?? null })],
});
export type PledgeSubmitted = EventOf<typeof PledgeSubmitted>;

export const PledgeRevised = defineEvent({
  type: 'PledgeRevised',
  schemaVersion: 1,
  schema: z.strictObject({
    ...ofPledge,
    items: items(),
    previousItems: items(),
    revisedOn: businessDate(),
    reason: text(2000),
  }),
  occurredOn: (d) => d.revisedOn,
  upcasters: [],
});
export type PledgeRevised = EventOf<typeof PledgeRevised>;

export const PledgeReviewed = defineEvent({
  type: 'PledgeReviewed',
  schemaVersion: 1,
  schema: z.strictObject({
    ...ofPledge,
    outcome: z.enum(PLEDGE_OUTCOMES),
    reviewedOn: businessDate(),
    note: text(2000).nullable(),
  }),
  occurredOn: (d) => d.reviewedOn,
  upcasters: [],
});
export type PledgeReviewed = EventOf<typeof PledgeReviewed>;

export const PledgeWithdrawn = defineEvent({
  type: 'PledgeWithdrawn',
  schemaVersion: 1,
  schema: z.strictObject({ ...ofPledge, withdrawnOn: businessDate(), reason: text(2000) }),
  occurredOn: (d) => d.withdrawnOn,
  upcasters: [],
});
export type PledgeWithdrawn = EventOf<typeof PledgeWithdrawn>;

/** The member's place for a pledge in the campaign is taken by `pledgeId`. */
export const PledgeSlotClaimed = defineEvent({
  type: 'PledgeSlotClaimed',
  schemaVersion: 1,
  schema: z.strictObject({ campaignId: id(), memberId: id(), pledgeId: id(), claimedOn: businessDate() }),
  occurredOn: (d) => d.claimedOn,
  upcasters: [],
});
export type PledgeSlotClaimed = EventOf<typeof PledgeSlotClaimed>;

export const PLEDGE_EVENTS = [PledgeSubmitted, PledgeRevised, PledgeReviewed, PledgeWithdrawn] as const;
export type PledgeEvent = EventOf<(typeof PLEDGE_EVENTS)[number]>;
export const PLEDGE_SLOT_EVENTS = [PledgeSlotClaimed] as const;
export type PledgeSlotEvent = EventOf<(typeof PLEDGE_SLOT_EVENTS)[number]>;
