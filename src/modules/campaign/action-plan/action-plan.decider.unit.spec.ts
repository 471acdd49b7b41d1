import { beforeEach, describe, expect, it } from '@jest/globals';
import { CAMPAIGN, factSetting, SCHOOL } from '../../../../test/support/campaign-setting.js';
import { deciderSpec } from '../../../../test/support/given-when-then.js';
import type { ActionPlanEvent } from '../../../events/campaign/unit-record-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { type AdoptActionPlan, decideActionPlan, evolveActionPlan, initialActionPlanState } from './action-plan.decider.js';

const TASK = '80000000-0000-4000-8000-000000000001';
const OTHER = '80000000-0000-4000-8000-000000000002';
const given = deciderSpec((events: readonly ActionPlanEvent[]) => events.reduce(evolveActionPlan, initialActionPlanState()), decideActionPlan);
const task = { taskId: TASK, title: 'Dân chủ ở cơ sở', responsible: 'Ban chấp hành', dueOn: '2024-12-31', focal: true };
const adopt = (over: Partial<AdoptActionPlan> = {}): AdoptActionPlan => ({ type: 'AdoptActionPlan', campaignId: CAMPAIGN, unitId: SCHOOL, adoptedOn: '2024-04-05', tasks: [task], ...over });
const adopted: ActionPlanEvent = { type: 'ActionPlanAdopted', data: { campaignId: CAMPAIGN, unitId: SCHOOL, adoptedOn: '2024-04-05', tasks: [task] } };
const complete = (taskId = TASK, completedOn = '2024-10-01') => ({ type: 'CompleteActionTask' as const, campaignId: CAMPAIGN, unitId: SCHOOL, taskId, completedOn, evidence: 'biên bản' });
const completed: ActionPlanEvent = { type: 'ActionTaskCompleted', data: { campaignId: CAMPAIGN, unitId: SCHOOL, taskId: TASK, completedOn: '2024-10-01', evidence: 'biên bản' } };

describe('action plan decider', () => {
  // Every case asserts through given/when/then: a case that checks nothing fails.
  beforeEach(() => expect.hasAssertions());

  it('adopts the plan once', () => {
    given([]).when(adopt(), factSetting()).then([adopted]);
    given([adopted]).when(adopt(), factSetting()).thenThrows(RuleViolation, 'action_plan.already_adopted', 'unitId');
  });

  it('refuses a repeated task and a task due before the plan is adopted', () => {
    given([]).when(adopt({ tasks: [task, task] }), factSetting()).thenThrows(RuleViolation, 'action_plan.task_repeated', 'tasks[1].taskId');
    given([]).when(adopt({ tasks: [{ ...task, dueOn: '2024-04-04' }] }), factSetting()).thenThrows(RuleViolation, 'action_plan.task_due_before_adoption', 'tasks[0].dueOn');
    given([]).when(adopt({ adoptedOn: '2025-01-02' }), factSetting({ today: '2025-02-01' })).thenThrows(RuleViolation, 'campaign.fact_outside_window', 'adoptedOn');
  });

  it('completes any task of the plan, its unit active that day', () => {
    const second = { ...task, taskId: OTHER, focal: false };
    const both: ActionPlanEvent = { type: 'ActionPlanAdopted', data: { campaignId: CAMPAIGN, unitId: SCHOOL, adoptedOn: '2024-04-05', tasks: [task, second] } };
    given([both]).when(complete(OTHER), factSetting()).then([{ ...completed, data: { ...completed.data, taskId: OTHER } } as ActionPlanEvent]);
    given([both]).when(complete(OTHER), factSetting({ unit: { ...factSetting().unit, active: false } })).thenThrows(RuleViolation, 'campaign.unit_not_active', 'unitId');
    given([]).when(adopt(), factSetting({ unit: { ...factSetting().unit, inCampaign: false } })).thenThrows(RuleViolation, 'campaign.unit_outside_campaign', 'unitId');
    given([adopted]).when(complete(TASK, '2024-12-02'), factSetting()).thenThrows(RuleViolation, 'date.in_future', 'completedOn');
  });

  it('completes a task of the plan once, not before the plan', () => {
    given([adopted]).when(complete(), factSetting()).then([completed]);
    given([adopted, completed]).when(complete(TASK, '2024-10-02'), factSetting()).thenThrows(RuleViolation, 'action_plan.task_completed', 'taskId');
    given([adopted]).when(complete(TASK, '2024-04-04'), factSetting()).thenThrows(RuleViolation, 'action_plan.completed_before_adoption', 'completedOn');
    given([adopted]).when(complete(OTHER), factSetting()).thenThrows(NotFound, 'action_plan.task_not_found');
    given([]).when(complete(), factSetting()).thenThrows(NotFound, 'action_plan.not_found');
  });
});
