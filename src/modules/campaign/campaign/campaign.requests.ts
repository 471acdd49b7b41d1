import { ArrayUnique } from 'class-validator';
import { REPORT_KINDS } from '../../../events/campaign/campaign-events.js';
import { ORG_LEVELS } from '../../../events/org/org-unit-events.js';
import { CodeField, CodeListField, DateField, IdField, IntField, ListField, NestedField, RatioField, TextField, TextListField } from '../../../infrastructure/http/fields.js';

const LEVELS = ORG_LEVELS as readonly string[];
const levels = (description: string) => CodeListField(LEVELS, { min: 1, max: LEVELS.length }, { optional: true, description });
const due = () => DateField({ optional: true, description: "The last permitted day; the campaign's endsOn when absent" });

export class StudyRequirementRequest {
  @due() dueOn?: string;
  @levels('Levels that must hold study sessions; grassroots when absent') levels?: string[];
  @RatioField({ optional: true, description: "Share of the unit's members who must attend a session" }) minAttendanceRatio?: number;
}

export class PledgeRequirementRequest {
  @due() dueOn?: string;
  @levels('Levels whose members file pledges; grassroots when absent') levels?: string[];
  @IntField(0, 100, { description: 'Fewest concrete items a pledge must hold (0: none asked)' }) minItems!: number;
  @RatioField({ optional: true, description: 'Share of members who must file one; 1 when absent' }) minRatio?: number;
}

export class ActionPlanRequirementRequest {
  @due() dueOn?: string;
  @CodeListField(LEVELS, { min: 1, max: LEVELS.length }, { description: 'Levels whose collectives adopt an action plan' }) levels!: string[];
  @IntField(0, 100, { description: 'Fewest focal (breakthrough) tasks the plan names' }) minFocalTasks!: number;
}

export class ImplementationPlanRequirementRequest {
  @due() dueOn?: string;
  @levels('Levels that issue their own implementation plan; district when absent') levels?: string[];
}

export class ReportRequirementRequest {
  @CodeField(REPORT_KINDS) kind!: string;
  @due() dueOn?: string;
  @CodeListField(LEVELS, { min: 1, max: LEVELS.length }, { description: 'Levels that submit it' }) levels!: string[];
}

/** Each part optional; in an amendment, a part set to null is removed. */
export class RequirementsRequest {
  @NestedField(() => StudyRequirementRequest, { optional: true, nullable: true }) study?: StudyRequirementRequest | null;
  @NestedField(() => PledgeRequirementRequest, { optional: true, nullable: true }) pledge?: PledgeRequirementRequest | null;
  @NestedField(() => ActionPlanRequirementRequest, { optional: true, nullable: true }) actionPlan?: ActionPlanRequirementRequest | null;
  @NestedField(() => ImplementationPlanRequirementRequest, { optional: true, nullable: true }) implementationPlan?: ImplementationPlanRequirementRequest | null;
  @ListField(() => ReportRequirementRequest, { min: 0, max: REPORT_KINDS.length }, { optional: true, nullable: true })
  @ArrayUnique((r: ReportRequirementRequest) => r.kind, { message: '$property must not name a kind of report twice' })
  reports?: ReportRequirementRequest[] | null;
}

export class SignatoryRequest {
  @TextField(200, { example: 'Nguyễn Văn A' }) name!: string;
  @TextField(300, { example: 'TM. BAN THƯỜNG VỤ — PHÓ CHỦ TỊCH' }) position!: string;
}

export class PlanDocumentRequest {
  @TextField(64, { optional: true, description: 'Its number (số hiệu); absent on a copy without one', example: '173-KH/LĐLĐ' }) number?: string;
  @CodeField(['plan', 'guidance']) kind!: string;
  @TextField(500) title!: string;
  @DateField({ description: 'Its date; when the copy leaves the day blank, the first day it can be, with dateAsWritten' }) issuedOn!: string;
  @TextField(100, { optional: true, description: 'The date line as the copy writes it, when incomplete', example: 'ngày    tháng 2 năm 2020' })
  dateAsWritten?: string;
  @TextField(300, { optional: true, description: 'The issuing body, when it is not the unit itself (e.g. its party delegation)' }) issuedBy?: string;
  @NestedField(() => SignatoryRequest) signedBy!: SignatoryRequest;
}

export class ReferenceRequest {
  @TextField(64, { example: '213-KH/TU' }) number!: string;
  @DateField({ optional: true, description: 'Its date, when the citing document gives it' }) issuedOn?: string;
  @TextField(300) issuer!: string;
  @TextField(500) title!: string;
}

export class MaterialRequest {
  @TextField(500) title!: string;
  @TextField(2000, { optional: true, description: 'Where it is published' }) url?: string;
}

export class FactsWindowRequest {
  @DateField() from!: string;
  @DateField() until!: string;
}

export class IssueCampaignRequest {
  @IdField({ optional: true, description: 'The id of the new campaign, to make creation retry-safe; generated when absent' }) campaignId?: string;
  @IdField({ description: 'The unit whose subtree the campaign applies to' }) issuingUnitId!: string;
  @IntField(1, 9999, { example: 2024 }) year!: number;
  @TextField(1000) theme!: string;
  @DateField({ optional: true, description: 'The last day of the campaign; 31 December of its year when absent' }) endsOn?: string;
  @NestedField(() => FactsWindowRequest, { optional: true, description: 'The dates facts of the campaign may carry; 1 January of its year to endsOn when absent' })
  acceptsFacts?: FactsWindowRequest;
  @NestedField(() => PlanDocumentRequest) document!: PlanDocumentRequest;
  @ListField(() => ReferenceRequest, { min: 0, max: 100 }, { description: 'Upstream documents it cites' }) references!: ReferenceRequest[];
  @TextListField(300, { min: 0, max: 500 }, { description: 'The distribution list (nơi nhận)' }) recipients!: string[];
  @ListField(() => MaterialRequest, { min: 0, max: 200 }) materials!: MaterialRequest[];
  @NestedField(() => RequirementsRequest) requirements!: RequirementsRequest;
}

export class AmendmentDocumentRequest {
  @TextField(64, { optional: true }) number?: string;
  @TextField(500) title!: string;
  @DateField() issuedOn!: string;
  @NestedField(() => SignatoryRequest, { optional: true }) signedBy?: SignatoryRequest;
}

export class AmendCampaignRequest {
  @NestedField(() => RequirementsRequest, { description: 'The parts named replace those parts whole; a part set to null is removed' })
  requirements!: RequirementsRequest;
  @TextField(2000) reason!: string;
  @DateField({ optional: true, description: "The day the amendment takes effect; the amending document's date, else today" }) amendedOn?: string;
  @DateField({ optional: true }) endsOn?: string;
  @NestedField(() => FactsWindowRequest, { optional: true }) acceptsFacts?: FactsWindowRequest;
  @NestedField(() => AmendmentDocumentRequest, { optional: true }) document?: AmendmentDocumentRequest;
}
