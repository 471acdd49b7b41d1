import { beforeEach, describe, expect, it } from '@jest/globals';
import { CAMPAIGN, DISTRICT, factSetting } from '../../../../test/support/campaign-setting.js';
import { deciderSpec } from '../../../../test/support/given-when-then.js';
import type { ImplementationPlanEvent } from '../../../events/campaign/unit-record-events.js';
import { RuleViolation } from '../../../shared/domain-errors.js';
import { decideImplementationPlan, evolveImplementationPlan, type IssueImplementationPlan, initialImplementationPlanState } from './implementation-plan.decider.js';

const given = deciderSpec((events: readonly ImplementationPlanEvent[]) => events.reduce(evolveImplementationPlan, initialImplementationPlanState()), decideImplementationPlan);
const document = { number: '15/KH-LĐLĐ', title: null, issuedOn: '2024-03-12', signedBy: { name: 'B', position: 'CHỦ TỊCH' } };
const issue: IssueImplementationPlan = { type: 'IssueImplementationPlan', campaignId: CAMPAIGN, unitId: DISTRICT, document };
const district = factSetting({ unit: { unitId: DISTRICT, exists: true, level: 'district', active: true, inCampaign: true } });

describe('implementation plan decider', () => {
  // Every case asserts through given/when/then: a case that checks nothing fails.
  beforeEach(() => expect.hasAssertions());

  it('issues the unit’s plan once', () => {
    given([]).when(issue, district).then([{ type: 'ImplementationPlanIssued', data: { campaignId: CAMPAIGN, unitId: DISTRICT, document } }]);
    given([{ type: 'ImplementationPlanIssued', data: { campaignId: CAMPAIGN, unitId: DISTRICT, document } }]).when(issue, district).thenThrows(RuleViolation, 'implementation_plan.already_issued', 'unitId');
  });

  it('keeps the rules of every campaign fact', () => {
    given([]).when({ ...issue, document: { ...document, issuedOn: '2023-12-20' } }, district).thenThrows(RuleViolation, 'campaign.fact_outside_window', 'document.issuedOn');
    given([]).when(issue, factSetting({ unit: { ...district.unit, active: false } })).thenThrows(RuleViolation, 'campaign.unit_not_active', 'unitId');
  });
});
