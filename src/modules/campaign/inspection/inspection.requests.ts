import { FINDING_SEVERITIES } from '../../../events/campaign/unit-record-events.js';
import { CodeField, DateField, IdField, ListField, TextField } from '../../../infrastructure/http/fields.js';

export class FindingRequest {
  @TextField(64) code!: string;
  @CodeField(FINDING_SEVERITIES) severity!: string;
  @TextField(4000) text!: string;
}

export class RecordInspectionRequest {
  @IdField({ optional: true, description: 'The id of the new inspection; generated when absent' }) inspectionId?: string;
  @IdField({ description: 'The unit inspected' }) unitId!: string;
  @DateField() conductedOn!: string;
  @ListField(() => FindingRequest, { min: 0, max: 500 }) findings!: FindingRequest[];
}
