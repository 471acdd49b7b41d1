import type { PledgeEvent, PledgeReviewed, PledgeSlotEvent } from '../../../events/campaign/pledge-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { checkFact, type FactSetting, notBefore, type UnitOnDate } from '../campaign-facts.js';

export interface ExistingPledge {
  readonly exists: true;
  readonly pledgeId: string;
  readonly campaignId: string;
  readonly memberId: string;
  readonly unitId: string;
  readonly items: readonly string[];
  readonly submittedOn: string;
  readonly lastChangeOn: string;
  readonly outcome: PledgeReviewed['data']['outcome'] | null;
  readonly withdrawn: boolean;
}

export type PledgeState = { readonly exists: false } | ExistingPledge;

export const initialPledgeState = (): PledgeState => ({ exists: false });

export function evolvePledge(state: PledgeState, event: PledgeEvent): PledgeState {
  switch (event.type) {
    case 'PledgeSubmitted': {
      const d = event.data;
      return {
        exists: true,
        pledgeId: d.pledgeId,
        campaignId: d.campaignId,
        memberId: d.memberId,
        unitId: d.unitId,
        items: d.items,
        submittedOn: d.submittedOn,
        lastChangeOn: d.submittedOn,
        outcome: null,
        withdrawn: false,
      };
    }
    case 'PledgeRevised':
      return state.exists ? { ...state, items: event.data.items, lastChangeOn: event.data.revisedOn } : state;
    case 'PledgeReviewed':
      return state.exists ? { ...state, outcome: event.data.outcome, lastChangeOn: event.data.reviewedOn } : state;
    case 'PledgeWithdrawn':
      return state.exists ? { ...state, withdrawn: true, lastChangeOn: event.data.withdrawnOn } : state;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

/** The pledge that holds a member's place in a campaign, if any. */
export const slotHolder = (events: readonly PledgeSlotEvent[]): string | null => (events.length > 0 ? events[events.length - 1]!.data.pledgeId : null);

export interface SubmitPledge {
  readonly type: 'SubmitPledge';
  readonly pledgeId: string;
  readonly campaignId: string;
  readonly memberId: string;
  readonly items: readonly string[];
  readonly submittedOn: string;
  readonly submittedTo: string;
}

export interface RevisePledge {
  readonly type: 'RevisePledge';
  readonly pledgeId: string;
  readonly items: readonly string[];
  readonly revisedOn: string;
  readonly reason: string;
}

export interface ReviewPledge {
  readonly type: 'ReviewPledge';
  readonly pledgeId: string;
  readonly outcome: PledgeReviewed['data']['outcome'];
  readonly reviewedOn: string;
  readonly note: string | null;
}

export interface WithdrawPledge {
  readonly type: 'WithdrawPledge';
  readonly pledgeId: string;
  readonly withdrawnOn: string;
  readonly reason: string;
}

export type PledgeCommand = SubmitPledge | RevisePledge | ReviewPledge | WithdrawPledge;

/**
 * What a pledge decision needs: the campaign and today; the member's unit on the pledge's
 * date (null when she was not a member then) and that unit as a campaign fact needs it; and,
 * for a submission, the pledge holding her place in the campaign, if one does and it stands
 * (filed and not withdrawn).
 */
export interface PledgeContext extends FactSetting {
  readonly memberUnit: UnitOnDate | null;
  readonly standingPledgeId: string | null;
  /** When the member's last pledge was withdrawn (none stands): a new one is dated from then on. */
  readonly withdrawnOn: string | null;
}

export function decidePledge(command: PledgeCommand, state: PledgeState, context: PledgeContext): PledgeEvent[] {
  if (command.type === 'SubmitPledge') return [submit(command, state, context)];
  if (!state.exists) throw new NotFound('pledge.not_found', `pledge ${command.pledgeId} does not exist`);
  if (state.withdrawn) throw new RuleViolation('pledge.withdrawn', `pledge ${state.pledgeId} was withdrawn`);
  if (state.outcome !== null) throw new RuleViolation('pledge.reviewed', `pledge ${state.pledgeId} was reviewed (${state.outcome}): it is final`);
  const date = command.type === 'RevisePledge' ? command.revisedOn : command.type === 'ReviewPledge' ? command.reviewedOn : command.withdrawnOn;
  const field = command.type === 'RevisePledge' ? 'revisedOn' : command.type === 'ReviewPledge' ? 'reviewedOn' : 'withdrawnOn';
  notBefore(date, state.lastChangeOn, field, 'pledge.change_predates_history', "the pledge's latest change");
  // The pledge follows its member: her unit that day acts for it, active and in the campaign.
  if (context.memberUnit === null) {
    throw new RuleViolation('pledge.not_a_member', `member ${state.memberId} is not a member of an active unit on ${date} (she left, or her unit ended)`, field);
  }
  checkFact(context, state.campaignId, date, field, context.memberUnit, 'id');
  const { pledgeId, campaignId, memberId, unitId } = state;
  switch (command.type) {
    case 'RevisePledge':
      noRepeats(command.items);
      if (command.items.length === state.items.length && command.items.every((item, i) => item === state.items[i])) {
        throw new RuleViolation('pledge.revision_empty', 'the revised items are the items the pledge already holds', 'items');
      }
      return [
        { type: 'PledgeRevised', data: { pledgeId, campaignId, memberId, unitId, items: [...command.items], previousItems: [...state.items], revisedOn: date, reason: command.reason } },
      ];
    case 'ReviewPledge':
      return [{ type: 'PledgeReviewed', data: { pledgeId, campaignId, memberId, unitId, outcome: command.outcome, reviewedOn: date, note: command.note } }];
    case 'WithdrawPledge':
      return [{ type: 'PledgeWithdrawn', data: { pledgeId, campaignId, memberId, unitId, withdrawnOn: date, reason: command.reason } }];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

/**
 * One pledge per member per campaign: another is refused while one stands. A late or short
 * one is recorded as it is (the views judge it against the requirements).
 */
function submit(c: SubmitPledge, state: PledgeState, context: PledgeContext): PledgeEvent {
  if (state.exists) throw new RuleViolation('pledge.already_exists', `pledge ${c.pledgeId} already exists`, 'pledgeId');
  if (context.memberUnit === null) {
    throw new RuleViolation('pledge.not_a_member', `member ${c.memberId} was not a member of a unit on ${c.submittedOn}`, 'memberId');
  }
  checkFact(context, c.campaignId, c.submittedOn, 'submittedOn', context.memberUnit, 'memberId');
  if (context.standingPledgeId !== null) {
    throw new RuleViolation(
      'pledge.already_filed',
      `member ${c.memberId} has filed pledge ${context.standingPledgeId} in campaign ${c.campaignId}: one per member (revise it, or withdraw it first)`,
      'memberId',
    );
  }
  // One at a time on every day too: the new one stands from the day the last one was withdrawn.
  if (context.withdrawnOn !== null && c.submittedOn < context.withdrawnOn) {
    throw new RuleViolation(
      'pledge.before_withdrawal',
      `member ${c.memberId}'s previous pledge in campaign ${c.campaignId} stood until ${context.withdrawnOn}: a new one is dated on or after that day, not ${c.submittedOn}`,
      'submittedOn',
    );
  }
  noRepeats(c.items);
  return {
    type: 'PledgeSubmitted',
    data: {
      pledgeId: c.pledgeId,
      campaignId: c.campaignId,
      memberId: c.memberId,
      unitId: context.memberUnit.unitId,
      items: [...c.items],
      submittedOn: c.submittedOn,
      submittedTo: c.submittedTo,
    },
  };
}

function noRepeats(items: readonly string[]): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const first = seen.get(item);
    if (first !== undefined) throw new RuleViolation('pledge.item_repeated', `items[${i}] repeats items[${first}]`, `items[${i}]`);
    seen.set(item, i);
  });
}
