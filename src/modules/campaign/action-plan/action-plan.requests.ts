import { BooleanField, DateField, IdField, ListField, TextField } from '../../../infrastructure/http/fields.js';

export class ActionTaskRequest {
  @IdField({ optional: true, description: 'The id of the task; generated when absent' }) taskId?: string;
  @TextField(500) title!: string;
  @TextField(300, { description: 'Who it falls to' }) responsible!: string;
  @DateField() dueOn!: string;
  @BooleanField({ description: 'A focal (breakthrough) task: nhiệm vụ trọng tâm, đột phá' }) focal!: boolean;
}

export class AdoptActionPlanRequest {
  @IdField({ description: 'The collective adopting it' }) unitId!: string;
  @DateField() adoptedOn!: string;
  @ListField(() => ActionTaskRequest, { min: 1, max: 200 }) tasks!: ActionTaskRequest[];
}

export class CompleteActionTaskRequest {
  @DateField() completedOn!: string;
  @TextField(2000, { description: 'What shows it done (minutes, a report, a link)' }) evidence!: string;
}
