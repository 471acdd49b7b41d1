import { beforeEach, describe, expect, it } from '@jest/globals';
import { CAMPAIGN, factSetting, LAN, SCHOOL } from '../../../../test/support/campaign-setting.js';
import { deciderSpec } from '../../../../test/support/given-when-then.js';
import type { CommendationEvent } from '../../../events/campaign/commendation-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { type CommendationContext, decideCommendation, evolveCommendation, initialCommendationState, type ProposeCommendation } from './commendation.decider.js';

const ID = '70000000-0000-4000-8000-000000000001';
const given = deciderSpec((events: readonly CommendationEvent[]) => events.reduce(evolveCommendation, initialCommendationState()), decideCommendation);
const context = (over: Partial<CommendationContext> = {}): CommendationContext => ({ ...factSetting(), nomineeWithin: true, ...over });

const propose: ProposeCommendation = {
  type: 'ProposeCommendation',
  commendationId: ID,
  campaignId: CAMPAIGN,
  proposingUnitId: SCHOOL,
  nominee: { type: 'member', id: LAN, name: 'Lan' },
  category: 'good_deed',
  awardForm: 'certificate_of_merit',
  achievements: 'Gương người tốt việc tốt',
  dossier: [{ title: 'Tờ trình', ref: null }],
  proposedOn: '2024-10-01',
};
const ids = { commendationId: ID, campaignId: CAMPAIGN, proposingUnitId: SCHOOL };
const { type: _t, ...proposal } = propose;
const proposed: CommendationEvent = { type: 'CommendationProposed', data: proposal };
const reviewed = (outcome: 'endorsed' | 'returned', on = '2024-10-02'): CommendationEvent => ({ type: 'CommendationReviewed', data: { ...ids, outcome, note: null, reviewedOn: on } });
const review = (outcome: 'endorsed' | 'returned', on = '2024-10-02') => ({ type: 'ReviewCommendation' as const, commendationId: ID, outcome, note: null, reviewedOn: on });
const decide = (outcome: 'granted' | 'rejected' | 'escalated', decisionNumber: string | null = '12/QĐ', on = '2024-10-05') => ({
  type: 'DecideCommendation' as const,
  commendationId: ID,
  outcome,
  decisionNumber,
  decidedOn: on,
});
const resubmit = { type: 'ResubmitCommendation' as const, commendationId: ID, achievements: null, dossier: [{ title: 'Biên bản họp xét', ref: null }], note: 'bổ sung', resubmittedOn: '2024-10-03' };
const resubmitted: CommendationEvent = {
  type: 'CommendationResubmitted',
  data: { ...ids, achievements: proposal.achievements, dossier: [{ title: 'Biên bản họp xét', ref: null }], resubmittedOn: '2024-10-03', note: 'bổ sung' },
};

describe('commendation decider', () => {
  // Every case asserts through given/when/then: a case that checks nothing fails.
  beforeEach(() => expect.hasAssertions());

  it('takes a proposal of a nominee of the proposing unit’s subtree, and no other', () => {
    given([]).when(propose, context()).then([proposed]);
    given([]).when(propose, context({ nomineeWithin: false })).thenThrows(RuleViolation, 'commendation.nominee_outside', 'nominee.id');
    given([]).when({ ...propose, proposedOn: '2023-12-31' }, context()).thenThrows(RuleViolation, 'campaign.fact_outside_window', 'proposedOn');
    given([]).when(propose, context({ unit: { ...factSetting().unit, active: false } })).thenThrows(RuleViolation, 'campaign.unit_not_active', 'proposingUnitId');
    given([proposed]).when(propose, context()).thenThrows(RuleViolation, 'commendation.already_exists', 'commendationId');
  });

  it('goes proposed → reviewed → decided in that order only', () => {
    given([proposed]).when(review('endorsed'), context()).then([reviewed('endorsed')]);
    given([proposed]).when(decide('granted'), context()).thenThrows(RuleViolation, 'commendation.not_endorsed');
    given([proposed, reviewed('endorsed')]).when(review('returned', '2024-10-03'), context()).thenThrows(RuleViolation, 'commendation.not_awaiting_review');
    given([proposed, reviewed('endorsed')])
      .when(decide('escalated', null), context())
      .then([{ type: 'CommendationDecided', data: { ...ids, outcome: 'escalated', decisionNumber: null, decidedOn: '2024-10-05' } }]);
    given([]).when(review('endorsed'), context()).thenThrows(NotFound, 'commendation.not_found');
  });

  it('lets a returned proposal be submitted again, and reviewed anew', () => {
    given([proposed, reviewed('returned')]).when(resubmit, context()).then([resubmitted]);
    given([proposed]).when(resubmit, context()).thenThrows(RuleViolation, 'commendation.not_returned');
    given([proposed, reviewed('returned'), resubmitted]).when(review('endorsed', '2024-10-04'), context()).then([reviewed('endorsed', '2024-10-04')]);
  });

  it('grants only with a decision number; a decided proposal is final', () => {
    given([proposed, reviewed('endorsed')]).when(decide('granted', null), context()).thenThrows(RuleViolation, 'commendation.decision_number_required', 'decisionNumber');
    const granted: CommendationEvent = { type: 'CommendationDecided', data: { ...ids, outcome: 'granted', decisionNumber: '12/QĐ', decidedOn: '2024-10-05' } };
    given([proposed, reviewed('endorsed')]).when(decide('granted'), context()).then([granted]);
    given([proposed, reviewed('endorsed'), granted]).when(decide('rejected', null, '2024-10-06'), context()).thenThrows(RuleViolation, 'commendation.decided');
    given([proposed, reviewed('endorsed'), granted]).when(resubmit, context()).thenThrows(RuleViolation, 'commendation.decided');
  });

  it('refuses a step by a unit that has ended: the proposing unit submitting again, the issuer reviewing or deciding', () => {
    const ended = { ...factSetting().unit, active: false };
    given([proposed, reviewed('returned')]).when(resubmit, context({ unit: ended })).thenThrows(RuleViolation, 'campaign.unit_not_active', 'id');
    given([proposed]).when(review('endorsed'), context({ unit: ended })).thenThrows(RuleViolation, 'campaign.unit_not_active', 'id');
  });

  it('refuses a step dated before the one before it, or after today', () => {
    given([proposed]).when(review('endorsed', '2024-09-30'), context()).thenThrows(RuleViolation, 'commendation.change_predates_history', 'reviewedOn');
    given([proposed]).when(review('endorsed', '2024-12-02'), context()).thenThrows(RuleViolation, 'date.in_future', 'reviewedOn');
    given([proposed, reviewed('returned')]).when({ ...resubmit, resubmittedOn: '2024-10-01' }, context()).thenThrows(RuleViolation, 'commendation.change_predates_history', 'resubmittedOn');
    given([proposed, reviewed('endorsed')]).when(decide('granted', '1/QĐ', '2024-10-01'), context()).thenThrows(RuleViolation, 'commendation.change_predates_history', 'decidedOn');
  });
});
