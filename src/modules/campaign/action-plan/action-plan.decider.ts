import type { ActionPlanAdopted, ActionPlanEvent } from '../../../events/campaign/unit-record-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { checkFact, notBefore, type UnitFactSetting } from '../campaign-facts.js';

type Task = ActionPlanAdopted['data']['tasks'][number];

export type ActionPlanState =
  | { readonly adopted: false }
  | {
      readonly adopted: true;
      readonly campaignId: string;
      readonly unitId: string;
      readonly adoptedOn: string;
      readonly tasks: readonly Task[];
      /** Completed tasks and the day each was. */
      readonly completed: ReadonlyMap<string, string>;
    };

export const initialActionPlanState = (): ActionPlanState => ({ adopted: false });

export function evolveActionPlan(state: ActionPlanState, event: ActionPlanEvent): ActionPlanState {
  switch (event.type) {
    case 'ActionPlanAdopted':
      return { adopted: true, campaignId: event.data.campaignId, unitId: event.data.unitId, adoptedOn: event.data.adoptedOn, tasks: event.data.tasks, completed: new Map() };
    case 'ActionTaskCompleted':
      return state.adopted ? { ...state, completed: new Map([...state.completed, [event.data.taskId, event.data.completedOn]]) } : state;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export interface AdoptActionPlan {
  readonly type: 'AdoptActionPlan';
  readonly campaignId: string;
  readonly unitId: string;
  readonly adoptedOn: string;
  readonly tasks: readonly Task[];
}

export interface CompleteActionTask {
  readonly type: 'CompleteActionTask';
  readonly campaignId: string;
  readonly unitId: string;
  readonly taskId: string;
  readonly completedOn: string;
  readonly evidence: string;
}

export type ActionPlanCommand = AdoptActionPlan | CompleteActionTask;

/**
 * A collective adopts its action plan for the campaign once: concrete tasks, each with whom it
 * falls to, a due date and whether it is a focal (breakthrough) task; tasks are then
 * completed, each once, with evidence.
 */
export function decideActionPlan(c: ActionPlanCommand, state: ActionPlanState, setting: UnitFactSetting): ActionPlanEvent[] {
  switch (c.type) {
    case 'AdoptActionPlan': {
      checkFact(setting, c.campaignId, c.adoptedOn, 'adoptedOn', setting.unit, 'unitId');
      if (state.adopted) {
        throw new RuleViolation('action_plan.already_adopted', `unit ${c.unitId} adopted its action plan for campaign ${c.campaignId} on ${state.adoptedOn}`, 'unitId');
      }
      const seen = new Map<string, number>();
      c.tasks.forEach((task, i) => {
        const first = seen.get(task.taskId);
        if (first !== undefined) throw new RuleViolation('action_plan.task_repeated', `tasks[${i}] repeats the taskId of tasks[${first}]`, `tasks[${i}].taskId`);
        seen.set(task.taskId, i);
        notBefore(task.dueOn, c.adoptedOn, `tasks[${i}].dueOn`, 'action_plan.task_due_before_adoption', 'the day the plan is adopted');
      });
      return [{ type: 'ActionPlanAdopted', data: { campaignId: c.campaignId, unitId: c.unitId, adoptedOn: c.adoptedOn, tasks: [...c.tasks] } }];
    }
    case 'CompleteActionTask': {
      if (!state.adopted) throw new NotFound('action_plan.not_found', `unit ${c.unitId} has adopted no action plan for campaign ${c.campaignId}`);
      if (!state.tasks.some((t) => t.taskId === c.taskId)) throw new NotFound('action_plan.task_not_found', `the action plan of unit ${c.unitId} has no task ${c.taskId}`);
      const done = state.completed.get(c.taskId);
      if (done !== undefined) throw new RuleViolation('action_plan.task_completed', `task ${c.taskId} was completed on ${done}`, 'taskId');
      notBefore(c.completedOn, state.adoptedOn, 'completedOn', 'action_plan.completed_before_adoption', 'the day the plan was adopted');
      checkFact(setting, c.campaignId, c.completedOn, 'completedOn', setting.unit, 'unitId');
      return [{ type: 'ActionTaskCompleted', data: { campaignId: c.campaignId, unitId: c.unitId, taskId: c.taskId, completedOn: c.completedOn, evidence: c.evidence } }];
    }
    default: {
      const unreachable: never = c;
      return unreachable;
    }
  }
}
