import type { ClassificationEvent, UnitClassified } from '../../../events/campaign/unit-record-events.js';
import { RuleViolation } from '../../../shared/domain-errors.js';
import { checkFact, notBefore, type UnitFactSetting } from '../campaign-facts.js';

type Grade = UnitClassified['data']['grade'];

export type ClassificationState = { readonly classified: false } | { readonly classified: true; readonly grade: Grade; readonly decidedOn: string };

export const initialClassificationState = (): ClassificationState => ({ classified: false });

export function evolveClassification(_state: ClassificationState, event: ClassificationEvent): ClassificationState {
  switch (event.type) {
    case 'UnitClassified':
      return { classified: true, grade: event.data.grade, decidedOn: event.data.decidedOn };
    default: {
      const unreachable: never = event.type;
      return unreachable;
    }
  }
}

export interface ClassifyUnit {
  readonly type: 'ClassifyUnit';
  readonly campaignId: string;
  readonly unitId: string;
  readonly grade: Grade;
  readonly decidedOn: string;
  readonly basis: string;
  /** Why an earlier grade is replaced; required then, refused for the first. */
  readonly reason: string | null;
}

/** The unit's grade for the year; a later decision replaces it with a reason, the first one kept. */
export function decideClassification(c: ClassifyUnit, state: ClassificationState, setting: UnitFactSetting): ClassificationEvent[] {
  checkFact(setting, c.campaignId, c.decidedOn, 'decidedOn', setting.unit, 'unitId');
  let replaces: UnitClassified['data']['replaces'] = null;
  if (state.classified) {
    if (c.reason === null) {
      throw new RuleViolation('classification.reason_required', `unit ${c.unitId} was graded ${state.grade} on ${state.decidedOn}: a new grade says why it replaces it`, 'reason');
    }
    notBefore(c.decidedOn, state.decidedOn, 'decidedOn', 'classification.change_predates_history', 'the grade it replaces');
    replaces = { grade: state.grade, decidedOn: state.decidedOn, reason: c.reason };
  } else if (c.reason !== null) {
    throw new RuleViolation('classification.nothing_to_replace', `unit ${c.unitId} has no grade for campaign ${c.campaignId} yet: a reason is for replacing one`, 'reason');
  }
  return [{ type: 'UnitClassified', data: { campaignId: c.campaignId, unitId: c.unitId, grade: c.grade, decidedOn: c.decidedOn, basis: c.basis, replaces } }];
}
