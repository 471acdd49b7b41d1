import { beforeEach, describe, expect, it } from '@jest/globals';
import { CAMPAIGN, factSetting, SCHOOL } from '../../../../test/support/campaign-setting.js';
import { deciderSpec } from '../../../../test/support/given-when-then.js';
import type { ClassificationEvent } from '../../../events/campaign/unit-record-events.js';
import { RuleViolation } from '../../../shared/domain-errors.js';
import { type ClassifyUnit, decideClassification, evolveClassification, initialClassificationState } from './classification.decider.js';

const given = deciderSpec((events: readonly ClassificationEvent[]) => events.reduce(evolveClassification, initialClassificationState()), decideClassification);
const classify = (over: Partial<ClassifyUnit> = {}): ClassifyUnit => ({ type: 'ClassifyUnit', campaignId: CAMPAIGN, unitId: SCHOOL, grade: 'good', decidedOn: '2024-11-20', basis: 'kết quả năm', reason: null, ...over });
const good: ClassificationEvent = { type: 'UnitClassified', data: { campaignId: CAMPAIGN, unitId: SCHOOL, grade: 'good', decidedOn: '2024-11-20', basis: 'kết quả năm', replaces: null } };

describe('classification decider', () => {
  // Every case asserts through given/when/then: a case that checks nothing fails.
  beforeEach(() => expect.hasAssertions());

  it('grades a unit; a reason is only for replacing a grade', () => {
    given([]).when(classify(), factSetting()).then([good]);
    given([]).when(classify({ reason: 'phúc tra' }), factSetting()).thenThrows(RuleViolation, 'classification.nothing_to_replace', 'reason');
    given([]).when(classify({ decidedOn: '2024-12-02' }), factSetting()).thenThrows(RuleViolation, 'date.in_future', 'decidedOn');
    given([]).when(classify(), factSetting({ unit: { ...factSetting().unit, exists: false } })).thenThrows(RuleViolation, 'org_unit.unknown_unit', 'unitId');
  });

  it('replaces a grade only with a reason, not dated before it, keeping what it replaces', () => {
    given([good]).when(classify({ grade: 'excellent', decidedOn: '2024-11-25' }), factSetting()).thenThrows(RuleViolation, 'classification.reason_required', 'reason');
    given([good]).when(classify({ grade: 'excellent', decidedOn: '2024-11-19', reason: 'phúc tra' }), factSetting()).thenThrows(RuleViolation, 'classification.change_predates_history', 'decidedOn');
    given([good])
      .when(classify({ grade: 'excellent', decidedOn: '2024-11-20', reason: 'phúc tra' }), factSetting())
      .then([{ type: 'UnitClassified', data: { campaignId: CAMPAIGN, unitId: SCHOOL, grade: 'excellent', decidedOn: '2024-11-20', basis: 'kết quả năm', replaces: { grade: 'good', decidedOn: '2024-11-20', reason: 'phúc tra' } } }]);
  });
});
