import type { CampaignPlanIssued } from '../../src/events/campaign/campaign-events.js';
import { evolveCampaign, initialCampaignState } from '../../src/modules/campaign/campaign/campaign.decider.js';
import type { UnitFactSetting, UnitOnDate } from '../../src/modules/campaign/campaign-facts.js';

/** Fixed ids of the campaign deciders' specs. */
export const CAMPAIGN = '30000000-0000-4000-8000-000000000001';
export const PROVINCE = '20000000-0000-4000-8000-000000000001';
export const DISTRICT = '20000000-0000-4000-8000-000000000002';
export const SCHOOL = '20000000-0000-4000-8000-000000000003';
export const LAN = '10000000-0000-4000-8000-000000000001';

/** A 2024 campaign of the province, its facts accepted through 2024. */
export const plan2024: CampaignPlanIssued = {
  type: 'CampaignPlanIssued',
  data: {
    campaignId: CAMPAIGN,
    issuingUnitId: PROVINCE,
    year: 2024,
    theme: 'Chuyên đề 2024',
    endsOn: '2024-12-31',
    acceptsFacts: { from: '2024-01-01', until: '2024-12-31' },
    document: { number: null, kind: 'plan', title: 'Kế hoạch', issuedOn: '2024-03-01', dateAsWritten: null, issuedBy: null, signedBy: { name: 'A', position: 'B' } },
    references: [],
    recipients: [],
    materials: [],
    requirements: { pledge: { dueOn: '2024-04-10', levels: ['grassroots'], minItems: 3, minRatio: 1 } },
  },
};

/** The grassroots unit, active and in the campaign on the fact's day. */
export const school: UnitOnDate = { unitId: SCHOOL, exists: true, level: 'grassroots', active: true, inCampaign: true };

/** Today 1 December 2024, the 2024 campaign, the school. */
export const factSetting = (over: Partial<UnitFactSetting> = {}): UnitFactSetting => ({
  today: '2024-12-01',
  campaign: evolveCampaign(initialCampaignState(), plan2024),
  unit: school,
  ...over,
});
