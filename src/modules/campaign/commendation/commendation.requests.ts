import { AWARD_FORMS, COMMENDATION_CATEGORIES, DECISION_OUTCOMES, REVIEW_OUTCOMES } from '../../../events/campaign/commendation-events.js';
import { CodeField, DateField, IdField, ListField, NestedField, TextField } from '../../../infrastructure/http/fields.js';

export class NomineeRequest {
  @CodeField(['member', 'unit']) type!: string;
  @IdField({ description: 'The member or the unit proposed' }) id!: string;
  @TextField(300, { description: 'Its name as the proposal writes it' }) name!: string;
}

export class DossierItemRequest {
  @TextField(500, { example: 'Tờ trình đề nghị khen thưởng' }) title!: string;
  @TextField(300, { optional: true, description: 'Its document number or reference' }) ref?: string;
}

export class ProposeCommendationRequest {
  @IdField({ optional: true, description: 'The id of the new proposal, to make creation retry-safe; generated when absent' }) commendationId?: string;
  @IdField() proposingUnitId!: string;
  @NestedField(() => NomineeRequest) nominee!: NomineeRequest;
  @CodeField(COMMENDATION_CATEGORIES, { description: 'người tốt, việc tốt · điển hình tiên tiến · mô hình hay, cách làm hiệu quả' }) category!: string;
  @CodeField(AWARD_FORMS, { description: 'biểu dương · Giấy khen · Bằng khen' }) awardForm!: string;
  @TextField(20_000) achievements!: string;
  @ListField(() => DossierItemRequest, { min: 1, max: 50 }, { description: 'The dossier: proposal memo, achievement report, review-meeting minutes…' }) dossier!: DossierItemRequest[];
  @DateField({ optional: true, description: 'The day of the proposal; today when absent' }) proposedOn?: string;
}

export class ReviewCommendationRequest {
  @CodeField(REVIEW_OUTCOMES) outcome!: string;
  @TextField(2000, { optional: true }) note?: string;
  @DateField({ optional: true, description: 'The day of the review; today when absent' }) reviewedOn?: string;
}

export class ResubmitCommendationRequest {
  @TextField(20_000, { optional: true }) achievements?: string;
  @ListField(() => DossierItemRequest, { min: 1, max: 50 }, { optional: true, description: 'The dossier as completed (all of it)' }) dossier?: DossierItemRequest[];
  @TextField(2000, { description: 'What was done about the reasons it was returned' }) note!: string;
  @DateField({ optional: true, description: 'Today when absent' }) resubmittedOn?: string;
}

export class DecideCommendationRequest {
  @CodeField(DECISION_OUTCOMES) outcome!: string;
  @TextField(64, { optional: true, description: 'The number of the decision; required for a grant' }) decisionNumber?: string;
  @DateField() decidedOn!: string;
}
