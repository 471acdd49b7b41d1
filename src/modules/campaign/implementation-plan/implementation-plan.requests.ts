import { DateField, IdField, NestedField, TextField } from '../../../infrastructure/http/fields.js';
import { SignatoryRequest } from '../campaign/campaign.requests.js';

export class ImplementationPlanDocumentRequest {
  @TextField(64, { example: '12/KH-LĐLĐ' }) number!: string;
  @TextField(500, { optional: true }) title?: string;
  @DateField() issuedOn!: string;
  @NestedField(() => SignatoryRequest) signedBy!: SignatoryRequest;
}

export class IssueImplementationPlanRequest {
  @IdField({ description: 'The unit issuing its own plan for the campaign' }) unitId!: string;
  @NestedField(() => ImplementationPlanDocumentRequest) document!: ImplementationPlanDocumentRequest;
}
