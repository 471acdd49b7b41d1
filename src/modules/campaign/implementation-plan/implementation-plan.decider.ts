import type { ImplementationPlanEvent, ImplementationPlanIssued } from '../../../events/campaign/unit-record-events.js';
import { RuleViolation } from '../../../shared/domain-errors.js';
import { checkFact, type UnitFactSetting } from '../campaign-facts.js';

/** Whether the unit has issued its implementation plan for the campaign, and which. */
export type ImplementationPlanState = { readonly issued: false } | { readonly issued: true; readonly document: ImplementationPlanIssued['data']['document'] };

export const initialImplementationPlanState = (): ImplementationPlanState => ({ issued: false });

export function evolveImplementationPlan(_state: ImplementationPlanState, event: ImplementationPlanEvent): ImplementationPlanState {
  switch (event.type) {
    case 'ImplementationPlanIssued':
      return { issued: true, document: event.data.document };
    default: {
      const unreachable: never = event.type;
      return unreachable;
    }
  }
}

export interface IssueImplementationPlan {
  readonly type: 'IssueImplementationPlan';
  readonly campaignId: string;
  readonly unitId: string;
  readonly document: ImplementationPlanIssued['data']['document'];
}

/** A unit issues its own plan for the campaign once, with its document number and date. */
export function decideImplementationPlan(c: IssueImplementationPlan, state: ImplementationPlanState, setting: UnitFactSetting): ImplementationPlanEvent[] {
  checkFact(setting, c.campaignId, c.document.issuedOn, 'document.issuedOn', setting.unit, 'unitId');
  if (state.issued) {
    throw new RuleViolation(
      'implementation_plan.already_issued',
      `unit ${c.unitId} issued its implementation plan for campaign ${c.campaignId} on ${state.document.issuedOn} (${state.document.number})`,
      'unitId',
    );
  }
  return [{ type: 'ImplementationPlanIssued', data: { campaignId: c.campaignId, unitId: c.unitId, document: c.document } }];
}
