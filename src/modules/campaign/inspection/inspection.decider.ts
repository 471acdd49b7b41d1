import type { InspectionEvent, InspectionRecorded } from '../../../events/campaign/unit-record-events.js';
import { RuleViolation } from '../../../shared/domain-errors.js';
import { checkFact, type UnitFactSetting } from '../campaign-facts.js';

export type InspectionState = { readonly recorded: boolean };

export const initialInspectionState = (): InspectionState => ({ recorded: false });

export function evolveInspection(_state: InspectionState, event: InspectionEvent): InspectionState {
  switch (event.type) {
    case 'InspectionRecorded':
      return { recorded: true };
    default: {
      const unreachable: never = event.type;
      return unreachable;
    }
  }
}

export interface RecordInspection {
  readonly type: 'RecordInspection';
  readonly inspectionId: string;
  readonly campaignId: string;
  readonly unitId: string;
  readonly conductedOn: string;
  readonly findings: InspectionRecorded['data']['findings'];
}

/** An inspection of a unit's work on the campaign, with its findings. */
export function decideInspection(c: RecordInspection, state: InspectionState, setting: UnitFactSetting): InspectionEvent[] {
  if (state.recorded) throw new RuleViolation('inspection.already_exists', `inspection ${c.inspectionId} already exists`, 'inspectionId');
  checkFact(setting, c.campaignId, c.conductedOn, 'conductedOn', setting.unit, 'unitId');
  return [{ type: 'InspectionRecorded', data: { inspectionId: c.inspectionId, campaignId: c.campaignId, unitId: c.unitId, conductedOn: c.conductedOn, findings: [...c.findings] } }];
}
