import { beforeEach, describe, expect, it } from '@jest/globals';
import { deciderSpec } from '../../../../test/support/given-when-then.js';
import type { CampaignPlanEvent, CampaignPlanIssued } from '../../../events/campaign/campaign-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { type AmendCampaignPlan, type CampaignContext, decideCampaign, evolveCampaign, initialCampaignState, type IssueCampaignPlan } from './campaign.decider.js';

const CAMPAIGN = '30000000-0000-4000-8000-000000000001';
const PROVINCE = '20000000-0000-4000-8000-000000000001';
const TODAY = '2024-06-01';

const given = deciderSpec((events: readonly CampaignPlanEvent[]) => events.reduce(evolveCampaign, initialCampaignState()), decideCampaign);
const province: CampaignContext = { today: TODAY, issuingUnit: { exists: true, level: 'provincial', activeOn: true } };

const issue = (over: Partial<IssueCampaignPlan> = {}): IssueCampaignPlan => ({
  type: 'IssueCampaignPlan',
  campaignId: CAMPAIGN,
  issuingUnitId: PROVINCE,
  year: 2024,
  theme: 'Chuyên đề năm 2024',
  endsOn: null,
  acceptsFacts: null,
  document: { number: null, kind: 'plan', title: 'Kế hoạch', issuedOn: '2024-03-01', dateAsWritten: null, issuedBy: null, signedBy: { name: 'A', position: 'BÍ THƯ' } },
  references: [],
  recipients: ['Thường trực Tỉnh ủy'],
  materials: [],
  requirements: { pledge: { dueOn: '2024-04-10', levels: ['grassroots'], minItems: 1, minRatio: 1 } },
  ...over,
});

const issued = (over: Partial<CampaignPlanIssued['data']> = {}): CampaignPlanEvent => {
  const c = issue();
  return {
    type: 'CampaignPlanIssued',
    data: {
      campaignId: c.campaignId,
      issuingUnitId: c.issuingUnitId,
      year: c.year,
      theme: c.theme,
      endsOn: '2024-12-31',
      acceptsFacts: { from: '2024-01-01', until: '2024-12-31' },
      document: c.document,
      references: c.references,
      recipients: c.recipients,
      materials: c.materials,
      requirements: c.requirements,
      ...over,
    },
  };
};

const amend = (over: Partial<AmendCampaignPlan> = {}): AmendCampaignPlan => ({
  type: 'AmendCampaignPlan',
  campaignId: CAMPAIGN,
  amendedOn: '2024-04-05',
  requirements: { pledge: { dueOn: '2024-04-20', levels: ['grassroots'], minItems: 2, minRatio: 1 } },
  endsOn: null,
  acceptsFacts: null,
  reason: 'gia hạn',
  document: null,
  ...over,
});

describe('campaign plan decider', () => {
  // Every case asserts through given/when/then: a case that checks nothing fails.
  beforeEach(() => expect.hasAssertions());

  it('issues a plan, writing out the year it covers and the dates its facts may carry', () => {
    given([]).when(issue(), province).then([issued()]);
    given([])
      .when(issue({ endsOn: '2025-01-15', acceptsFacts: { from: '2023-12-01', until: '2025-01-15' } }), province)
      .then([issued({ endsOn: '2025-01-15', acceptsFacts: { from: '2023-12-01', until: '2025-01-15' } })]);
  });

  it('refuses a second plan under the same id', () => {
    given([issued()]).when(issue(), province).thenThrows(RuleViolation, 'campaign.already_exists', 'campaignId');
  });

  it('refuses a plan dated after today, outside its year, or ending outside it', () => {
    given([]).when(issue({ document: { ...issue().document, issuedOn: '2024-06-02' } }), province).thenThrows(RuleViolation, 'date.in_future', 'document.issuedOn');
    given([]).when(issue({ year: 2026, document: { ...issue().document, issuedOn: '2024-03-01' } }), province).thenThrows(RuleViolation, 'campaign.issued_outside_year', 'document.issuedOn');
    given([]).when(issue({ endsOn: '2023-12-31' }), province).thenThrows(RuleViolation, 'campaign.ends_outside_year', 'endsOn');
    given([]).when(issue({ endsOn: '2026-01-01' }), province).thenThrows(RuleViolation, 'campaign.ends_outside_year', 'endsOn');
    given([]).when(issue({ acceptsFacts: { from: '2024-05-01', until: '2024-04-30' } }), province).thenThrows(RuleViolation, 'campaign.empty_window', 'acceptsFacts.from');
  });

  it('refuses a plan issued after its year; accepts the edges of the year and of the window', () => {
    given([]).when(issue({ year: 2023 }), province).thenThrows(RuleViolation, 'campaign.issued_outside_year', 'document.issuedOn');
    for (const endsOn of ['2024-03-01', '2025-12-31']) {
      given([]).when(issue({ endsOn, acceptsFacts: { from: '2024-03-01', until: '2024-03-01' } }), province).then([issued({ endsOn, acceptsFacts: { from: '2024-03-01', until: '2024-03-01' } })]);
    }
    given([]).when(issue({ endsOn: '2024-01-01' }), province).then([issued({ endsOn: '2024-01-01', acceptsFacts: { from: '2024-01-01', until: '2024-01-01' } })]);
  });

  it('accepts a plan issued on today and in the year before its own', () => {
    given([]).when(issue({ document: { ...issue().document, issuedOn: TODAY } }), province).then([issued({ document: { ...issue().document, issuedOn: TODAY } })]);
    given([]).when(issue({ document: { ...issue().document, issuedOn: '2023-12-20' } }), province).then([issued({ document: { ...issue().document, issuedOn: '2023-12-20' } })]);
  });

  it('refuses an issuing unit that is unknown, not active on the plan’s date, or a grassroots unit', () => {
    given([]).when(issue(), { today: TODAY, issuingUnit: { exists: false, level: null, activeOn: false } }).thenThrows(RuleViolation, 'org_unit.unknown_unit', 'issuingUnitId');
    given([]).when(issue(), { today: TODAY, issuingUnit: { exists: true, level: 'provincial', activeOn: false } }).thenThrows(RuleViolation, 'campaign.issuing_unit_not_active', 'issuingUnitId');
    given([]).when(issue(), { today: TODAY, issuingUnit: { exists: true, level: 'grassroots', activeOn: true } }).thenThrows(RuleViolation, 'campaign.issuing_unit_grassroots', 'issuingUnitId');
  });

  it('amends the plan with its reason; the parts named replace those parts whole', () => {
    const c = amend();
    given([issued()])
      .when(c, province)
      .then([{ type: 'CampaignPlanAmended', data: { campaignId: CAMPAIGN, amendedOn: c.amendedOn, requirements: c.requirements, endsOn: null, acceptsFacts: null, reason: 'gia hạn', document: null } }]);
    const state = [issued(), { type: 'CampaignPlanAmended', data: { campaignId: CAMPAIGN, amendedOn: '2024-04-05', requirements: { pledge: null, study: { levels: ['grassroots'] } }, endsOn: null, acceptsFacts: null, reason: 'x', document: null } } as CampaignPlanEvent].reduce(
      evolveCampaign,
      initialCampaignState(),
    );
    expect(state.exists && state.current.requirements).toEqual({ study: { levels: ['grassroots'] } });
    expect(state.exists && state.plan.requirements).toEqual(issue().requirements);
  });

  it('refuses an amendment of an unknown campaign, one changing nothing, one dated before the latest change or after today', () => {
    given([]).when(amend(), province).thenThrows(NotFound, 'campaign.not_found');
    given([issued()]).when(amend({ requirements: {} }), province).thenThrows(RuleViolation, 'campaign.amendment_empty', 'requirements');
    given([issued()]).when(amend({ amendedOn: '2024-02-29' }), province).thenThrows(RuleViolation, 'campaign.change_predates_history', 'amendedOn');
    given([issued()]).when(amend({ amendedOn: '2024-06-02' }), province).thenThrows(RuleViolation, 'date.in_future', 'amendedOn');
    given([issued()]).when(amend({ requirements: {}, endsOn: '2026-01-01' }), province).thenThrows(RuleViolation, 'campaign.ends_outside_year', 'endsOn');
  });

  it('amends only the end or only the accepted dates, each checked; the state keeps what an amendment leaves out', () => {
    const only = (over: Partial<AmendCampaignPlan>) => amend({ requirements: {}, ...over });
    given([issued()]).when(only({ endsOn: '2025-01-31' }), province).then([
      { type: 'CampaignPlanAmended', data: { campaignId: CAMPAIGN, amendedOn: '2024-04-05', requirements: {}, endsOn: '2025-01-31', acceptsFacts: null, reason: 'gia hạn', document: null } },
    ]);
    given([issued()]).when(only({ acceptsFacts: { from: '2024-05-01', until: '2024-04-30' } }), province).thenThrows(RuleViolation, 'campaign.empty_window', 'acceptsFacts.from');
    given([issued()])
      .when(only({ endsOn: '2025-01-31', document: { number: '1/CV', title: 'Công văn', issuedOn: '2024-06-02', signedBy: null } }), province)
      .thenThrows(RuleViolation, 'date.in_future', 'document.issuedOn');
    const amended = [
      issued(),
      { type: 'CampaignPlanAmended', data: { campaignId: CAMPAIGN, amendedOn: '2024-04-05', requirements: {}, endsOn: '2025-01-31', acceptsFacts: null, reason: 'x', document: null } } as CampaignPlanEvent,
      { type: 'CampaignPlanAmended', data: { campaignId: CAMPAIGN, amendedOn: '2024-04-06', requirements: {}, endsOn: null, acceptsFacts: { from: '2024-02-01', until: '2025-01-31' }, reason: 'y', document: null } } as CampaignPlanEvent,
    ].reduce(evolveCampaign, initialCampaignState());
    expect(amended.exists && amended.current).toEqual({ endsOn: '2025-01-31', acceptsFacts: { from: '2024-02-01', until: '2025-01-31' }, requirements: issue().requirements });
    expect(amended.exists && amended.amendments.map((a) => a.reason)).toEqual(['x', 'y']);
    expect(amended.exists && amended.lastChangeOn).toBe('2024-04-06');
  });

  it('refuses an amendment once the issuing unit (or the unit it merged into) is no longer active', () => {
    given([issued()]).when(amend(), { today: TODAY, issuingUnit: { exists: true, level: 'provincial', activeOn: false } }).thenThrows(RuleViolation, 'campaign.issuing_unit_not_active', 'amendedOn');
  });

  it('accepts an amendment dated on the plan’s own date', () => {
    const c = amend({ amendedOn: '2024-03-01' });
    given([issued()])
      .when(c, province)
      .then([{ type: 'CampaignPlanAmended', data: { campaignId: CAMPAIGN, amendedOn: '2024-03-01', requirements: c.requirements, endsOn: null, acceptsFacts: null, reason: 'gia hạn', document: null } }]);
  });
});
