import { beforeEach, describe, expect, it } from '@jest/globals';
import { CAMPAIGN, factSetting, SCHOOL } from '../../../../test/support/campaign-setting.js';
import { deciderSpec } from '../../../../test/support/given-when-then.js';
import type { InspectionEvent } from '../../../events/campaign/unit-record-events.js';
import { RuleViolation } from '../../../shared/domain-errors.js';
import { decideInspection, evolveInspection, initialInspectionState, type RecordInspection } from './inspection.decider.js';

const ID = '90000000-0000-4000-8000-000000000001';
const given = deciderSpec((events: readonly InspectionEvent[]) => events.reduce(evolveInspection, initialInspectionState()), decideInspection);
const findings = [{ code: 'K-01', severity: 'minor' as const, text: 'Chưa niêm yết' }];
const record: RecordInspection = { type: 'RecordInspection', inspectionId: ID, campaignId: CAMPAIGN, unitId: SCHOOL, conductedOn: '2024-09-15', findings };
const recorded: InspectionEvent = { type: 'InspectionRecorded', data: { inspectionId: ID, campaignId: CAMPAIGN, unitId: SCHOOL, conductedOn: '2024-09-15', findings } };

describe('inspection decider', () => {
  // Every case asserts through given/when/then: a case that checks nothing fails.
  beforeEach(() => expect.hasAssertions());

  it('records an inspection once, dated in the campaign and not after today', () => {
    given([]).when(record, factSetting()).then([recorded]);
    given([recorded]).when(record, factSetting()).thenThrows(RuleViolation, 'inspection.already_exists', 'inspectionId');
    given([]).when({ ...record, conductedOn: '2024-12-02' }, factSetting()).thenThrows(RuleViolation, 'date.in_future', 'conductedOn');
    given([]).when(record, factSetting({ unit: { unitId: SCHOOL, exists: true, level: 'grassroots', active: true, inCampaign: false } })).thenThrows(RuleViolation, 'campaign.unit_outside_campaign', 'unitId');
  });
});
