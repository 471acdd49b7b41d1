import { REPORT_KINDS } from '../../../events/campaign/campaign-events.js';
import { CodeField, DateField, IdField, IntField, NestedField, TextField } from '../../../infrastructure/http/fields.js';

const count = (description: string) => IntField(0, 100_000_000, { optional: true, description });

/** The figures a report declares; each optional. */
export class ReportFiguresRequest {
  @count('Units that organised study') unitsOrganisedStudy?: number;
  @count('Study sessions held') sessions?: number;
  @count('Members who studied') membersStudied?: number;
  @count('Pledges (registrations) filed') pledgesFiled?: number;
  @count('Action plans adopted') actionPlansAdopted?: number;
  @count('Focal tasks') focalTasks?: number;
  @count('Exemplary models found') exemplaryModels?: number;
  @count('Commendations proposed') commendationsProposed?: number;
}

export class SubmitReportRequest {
  @IdField({ optional: true, description: 'The id of the new report, to make creation retry-safe; generated when absent' }) reportId?: string;
  @IdField({ description: 'The reporting unit; the report goes to its parent as the hierarchy stands on submittedOn' }) unitId!: string;
  @CodeField(REPORT_KINDS) kind!: string;
  @DateField() submittedOn!: string;
  @NestedField(() => ReportFiguresRequest) figures!: ReportFiguresRequest;
  @TextField(20_000) narrative!: string;
}

export class AmendReportRequest {
  @NestedField(() => ReportFiguresRequest, { optional: true, description: 'The figures as they now stand (all of them)' }) figures?: ReportFiguresRequest;
  @TextField(20_000, { optional: true }) narrative?: string;
  @TextField(2000) reason!: string;
  @DateField({ optional: true, description: 'The day of the amendment; today when absent' }) amendedOn?: string;
}

export class AcknowledgeReportRequest {
  @DateField({ description: 'The day the receiving unit acknowledges it' }) on!: string;
}

export class ReturnReportRequest {
  @TextField(2000) reason!: string;
  @DateField({ optional: true, description: 'The day it is returned; today when absent' }) on?: string;
}
