import { CLASSIFICATION_GRADES } from '../../../events/campaign/unit-record-events.js';
import { CodeField, DateField, IdField, TextField } from '../../../infrastructure/http/fields.js';

export class ClassifyUnitRequest {
  @IdField() unitId!: string;
  @CodeField(CLASSIFICATION_GRADES, { description: 'hoàn thành xuất sắc / tốt / hoàn thành / không hoàn thành nhiệm vụ' }) grade!: string;
  @DateField() decidedOn!: string;
  @TextField(2000, { description: 'What the grade rests on' }) basis!: string;
  @TextField(2000, { optional: true, description: 'Why an earlier grade is replaced: required then, refused for the first' }) reason?: string;
}
