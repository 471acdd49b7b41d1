import { beforeEach, describe, expect, it } from '@jest/globals';
import { CAMPAIGN, LAN, plan2024, SCHOOL, school } from '../../../../test/support/campaign-setting.js';
import { deciderSpec } from '../../../../test/support/given-when-then.js';
import type { PledgeEvent } from '../../../events/campaign/pledge-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { evolveCampaign, initialCampaignState } from '../campaign/campaign.decider.js';
import { decidePledge, evolvePledge, initialPledgeState, type PledgeContext, type SubmitPledge } from './pledge.decider.js';

const PLEDGE = '50000000-0000-4000-8000-000000000001';
const OTHER_PLEDGE = '50000000-0000-4000-8000-000000000002';

const context = (over: Partial<PledgeContext> = {}): PledgeContext => ({
  today: '2024-12-01',
  campaign: evolveCampaign(initialCampaignState(), plan2024),
  memberUnit: school,
  standingPledgeId: null,
  withdrawnOn: null,
  ...over,
});
const given = deciderSpec((events: readonly PledgeEvent[]) => events.reduce(evolvePledge, initialPledgeState()), decidePledge);

const submit = (over: Partial<SubmitPledge> = {}): SubmitPledge => ({
  type: 'SubmitPledge',
  pledgeId: PLEDGE,
  campaignId: CAMPAIGN,
  memberId: LAN,
  items: ['Một', 'Hai', 'Ba'],
  submittedOn: '2024-04-08',
  submittedTo: 'Chi bộ',
  ...over,
});
const ids = { pledgeId: PLEDGE, campaignId: CAMPAIGN, memberId: LAN, unitId: SCHOOL };
const submitted = (items = ['Một', 'Hai', 'Ba'], submittedOn = '2024-04-08'): PledgeEvent => ({
  type: 'PledgeSubmitted',
  data: { ...ids, items, submittedOn, submittedTo: 'Chi bộ' },
});
const reviewed: PledgeEvent = { type: 'PledgeReviewed', data: { ...ids, outcome: 'fulfilled', reviewedOn: '2024-11-30', note: null } };
const withdrawn: PledgeEvent = { type: 'PledgeWithdrawn', data: { ...ids, withdrawnOn: '2024-05-01', reason: 'nộp nhầm' } };

describe('pledge decider', () => {
  // Every case asserts through given/when/then: a case that checks nothing fails.
  beforeEach(() => expect.hasAssertions());

  it('files a pledge with the unit the member belonged to that day', () => {
    given([]).when(submit(), context()).then([submitted()]);
  });

  it('records a late or short pledge as it is: the views judge it', () => {
    given([]).when(submit({ items: ['Một'], submittedOn: '2024-05-20' }), context()).then([submitted(['Một'], '2024-05-20')]);
  });

  it('refuses a second pledge while one stands for the member, naming it', () => {
    given([]).when(submit(), context({ standingPledgeId: OTHER_PLEDGE })).thenThrows(RuleViolation, 'pledge.already_filed', 'memberId');
    given([submitted()]).when(submit(), context()).thenThrows(RuleViolation, 'pledge.already_exists', 'pledgeId');
  });

  it('dates a new pledge after a withdrawal on or after the day the withdrawn one stood until, so that two never stand on one day', () => {
    given([]).when(submit({ submittedOn: '2024-04-08' }), context({ withdrawnOn: '2024-04-20' })).thenThrows(RuleViolation, 'pledge.before_withdrawal', 'submittedOn');
    given([]).when(submit({ submittedOn: '2024-04-20' }), context({ withdrawnOn: '2024-04-20' })).then([submitted(['Một', 'Hai', 'Ba'], '2024-04-20')]);
  });

  it('refuses a pledge of someone who was not a member that day, a repeated item, and the rules of every campaign fact', () => {
    given([]).when(submit(), context({ memberUnit: null })).thenThrows(RuleViolation, 'pledge.not_a_member', 'memberId');
    given([]).when(submit({ items: ['Một', 'Một'] }), context()).thenThrows(RuleViolation, 'pledge.item_repeated', 'items[1]');
    given([]).when(submit({ submittedOn: '2024-12-02' }), context()).thenThrows(RuleViolation, 'date.in_future', 'submittedOn');
    given([]).when(submit({ submittedOn: '2023-12-31' }), context()).thenThrows(RuleViolation, 'campaign.fact_outside_window', 'submittedOn');
    given([]).when(submit(), context({ memberUnit: { ...school, inCampaign: false } })).thenThrows(RuleViolation, 'campaign.unit_outside_campaign', 'memberId');
    given([]).when(submit(), context({ campaign: initialCampaignState() })).thenThrows(NotFound, 'campaign.not_found');
  });

  it('revises the items with a reason, keeping those before; not to the same items, nor dated before the latest change', () => {
    given([submitted()])
      .when({ type: 'RevisePledge', pledgeId: PLEDGE, items: ['Bốn'], revisedOn: '2024-04-08', reason: 'cụ thể hơn' }, context())
      .then([{ type: 'PledgeRevised', data: { ...ids, items: ['Bốn'], previousItems: ['Một', 'Hai', 'Ba'], revisedOn: '2024-04-08', reason: 'cụ thể hơn' } }]);
    given([submitted()]).when({ type: 'RevisePledge', pledgeId: PLEDGE, items: ['Một', 'Hai', 'Ba'], revisedOn: '2024-04-09', reason: 'x' }, context()).thenThrows(RuleViolation, 'pledge.revision_empty', 'items');
    given([submitted()]).when({ type: 'RevisePledge', pledgeId: PLEDGE, items: ['Bốn'], revisedOn: '2024-04-07', reason: 'x' }, context()).thenThrows(RuleViolation, 'pledge.change_predates_history', 'revisedOn');
  });

  it('revises to items of the same number that differ, or in another order', () => {
    for (const items of [['Một', 'Hai', 'Bốn'], ['Hai', 'Một', 'Ba']]) {
      given([submitted()])
        .when({ type: 'RevisePledge', pledgeId: PLEDGE, items, revisedOn: '2024-04-09', reason: 'x' }, context())
        .then([{ type: 'PledgeRevised', data: { ...ids, items, previousItems: ['Một', 'Hai', 'Ba'], revisedOn: '2024-04-09', reason: 'x' } }]);
    }
  });

  it('reviews a pledge once: a reviewed pledge is final', () => {
    given([submitted()]).when({ type: 'ReviewPledge', pledgeId: PLEDGE, outcome: 'fulfilled', reviewedOn: '2024-11-30', note: null }, context()).then([reviewed]);
    given([submitted(), reviewed]).when({ type: 'ReviewPledge', pledgeId: PLEDGE, outcome: 'not_fulfilled', reviewedOn: '2024-12-01', note: null }, context()).thenThrows(RuleViolation, 'pledge.reviewed');
    given([submitted(), reviewed]).when({ type: 'WithdrawPledge', pledgeId: PLEDGE, withdrawnOn: '2024-12-01', reason: 'x' }, context()).thenThrows(RuleViolation, 'pledge.reviewed');
  });

  it('refuses a revision, review or withdrawal once the member is no longer a member of an active unit', () => {
    given([submitted()]).when({ type: 'RevisePledge', pledgeId: PLEDGE, items: ['Bốn'], revisedOn: '2024-07-01', reason: 'x' }, context({ memberUnit: null })).thenThrows(RuleViolation, 'pledge.not_a_member', 'revisedOn');
    given([submitted()]).when({ type: 'ReviewPledge', pledgeId: PLEDGE, outcome: 'fulfilled', reviewedOn: '2024-11-30', note: null }, context({ memberUnit: null })).thenThrows(RuleViolation, 'pledge.not_a_member', 'reviewedOn');
    given([submitted()]).when({ type: 'WithdrawPledge', pledgeId: PLEDGE, withdrawnOn: '2024-07-01', reason: 'x' }, context({ memberUnit: null })).thenThrows(RuleViolation, 'pledge.not_a_member', 'withdrawnOn');
    given([submitted()]).when({ type: 'ReviewPledge', pledgeId: PLEDGE, outcome: 'fulfilled', reviewedOn: '2024-11-30', note: null }, context({ memberUnit: { ...school, inCampaign: false } })).thenThrows(RuleViolation, 'campaign.unit_outside_campaign', 'id');
  });

  it('withdraws a pledge with a reason; a withdrawn pledge takes nothing more', () => {
    given([submitted()]).when({ type: 'WithdrawPledge', pledgeId: PLEDGE, withdrawnOn: '2024-05-01', reason: 'nộp nhầm' }, context()).then([withdrawn]);
    given([submitted(), withdrawn]).when({ type: 'RevisePledge', pledgeId: PLEDGE, items: ['Bốn'], revisedOn: '2024-05-02', reason: 'x' }, context()).thenThrows(RuleViolation, 'pledge.withdrawn');
    given([]).when({ type: 'WithdrawPledge', pledgeId: PLEDGE, withdrawnOn: '2024-05-01', reason: 'x' }, context()).thenThrows(NotFound, 'pledge.not_found');
  });
});
