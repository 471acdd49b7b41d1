import { ApiProperty } from '@nestjs/swagger';
import { ORG_LEVELS } from '../../events/org/org-unit-events.js';
import type { ComplianceFigures, StatusCounts, UnitRef } from './compliance-reader.js';
import { COMPLIANCE_STATUSES, type ComplianceStatus, type RequirementResult } from './compliance-rules.js';
import type { ChildCompliance, ChildrenComplianceView, ComplianceView, OverdueItem, OverdueView } from './compliance.queries.js';

/** The OpenAPI schemas of the compliance views; each implements the view it describes. */

export class UnitRefAnswer implements UnitRef {
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ example: 'CDCS-001' }) code!: string;
  @ApiProperty({ description: 'The name on asOf' }) name!: string;
  @ApiProperty({ enum: ORG_LEVELS }) level!: (typeof ORG_LEVELS)[number];
}

export class RequirementAnswer implements RequirementResult {
  @ApiProperty({ example: 'study', description: 'study, pledges, action_plan, focal_tasks, implementation_plan, report_<kind>' }) code!: string;
  @ApiProperty({ enum: COMPLIANCE_STATUSES }) status!: ComplianceStatus;
  @ApiProperty({ format: 'date', description: 'The last permitted day (the plan’s dueOn, else the campaign’s endsOn)' }) dueOn!: string;

  @ApiProperty({ type: Number, nullable: true, description: 'A share (0..1) for study with a ratio and pledges, a count otherwise; null when not applicable' })
  value!: number | null;

  @ApiProperty({ type: Number, nullable: true, description: 'What value must reach' }) threshold!: number | null;
  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'The business date on which it was satisfied (on or before asOf)' })
  satisfiedOn!: string | null;
}

export class FiguresAnswer implements ComplianceFigures {
  @ApiProperty({ description: 'Members on asOf (of the whole subtree for an upper level)' }) members!: number;
  @ApiProperty({ description: 'Of them, those who attended a study session by asOf' }) membersStudied!: number;
  @ApiProperty({ description: 'membersStudied / members (member-weighted over the subtree)' }) studiedRatio!: number;
  @ApiProperty({ description: 'Pledges of these members, not withdrawn, by asOf' }) pledges!: number;
  @ApiProperty({ description: 'Pledges that count (not short) / members' }) pledgeRatio!: number;
  @ApiProperty({ description: 'Pledges dated after the pledge due date' }) latePledges!: number;
  @ApiProperty({ description: 'Pledges with fewer items than required' }) shortPledges!: number;
  @ApiProperty({ description: 'Study sessions held (not voided) by asOf' }) sessions!: number;
  @ApiProperty({ description: 'Focal tasks of the adopted action plans' }) focalTasks!: number;
}

export class StatusCountsAnswer implements StatusCounts {
  @ApiProperty() met!: number;
  @ApiProperty() met_late!: number;
  @ApiProperty() pending!: number;
  @ApiProperty() missed!: number;
  @ApiProperty() not_applicable!: number;
}

export class UnitsByStatusAnswer {
  @ApiProperty() total!: number;
  @ApiProperty({ type: StatusCountsAnswer }) byStatus!: StatusCountsAnswer;
}

export class ComplianceAnswer implements ComplianceView {
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ type: UnitRefAnswer }) unit!: UnitRefAnswer;
  @ApiProperty({ enum: COMPLIANCE_STATUSES, description: 'From the unit’s own applicable requirements' }) status!: ComplianceStatus;
  @ApiProperty({ type: RequirementAnswer, isArray: true, description: 'Every requirement of the plan in effect on asOf' }) requirements!: RequirementAnswer[];
  @ApiProperty({ type: FiguresAnswer, description: 'Of the unit and every unit under it on asOf' }) figures!: FiguresAnswer;
  @ApiProperty({ type: UnitsByStatusAnswer, description: 'Its direct children on asOf, by overall status' }) children!: UnitsByStatusAnswer;
  @ApiProperty({ type: UnitsByStatusAnswer, description: 'Every unit under it on asOf, by overall status' }) subtree!: UnitsByStatusAnswer;
  @ApiProperty({ format: 'date' }) asOf!: string;
  @ApiProperty({ format: 'date-time', description: 'The knowledge time of the answer (now when not asked)' }) knownAt!: string;
  @ApiProperty({ example: '4096', description: 'The log position the answer reflects' }) position!: string;
}

export class ChildComplianceAnswer implements ChildCompliance {
  @ApiProperty({ type: UnitRefAnswer }) unit!: UnitRefAnswer;
  @ApiProperty({ enum: COMPLIANCE_STATUSES }) status!: ComplianceStatus;
  @ApiProperty({ type: RequirementAnswer, isArray: true }) requirements!: RequirementAnswer[];
  @ApiProperty({ type: FiguresAnswer }) figures!: FiguresAnswer;
  @ApiProperty({ type: UnitsByStatusAnswer }) subtree!: UnitsByStatusAnswer;
}

export class ChildrenComplianceAnswer implements ChildrenComplianceView {
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ format: 'date' }) asOf!: string;
  @ApiProperty({ format: 'date-time' }) knownAt!: string;
  @ApiProperty({ type: ChildComplianceAnswer, isArray: true, description: 'By code' }) items!: ChildComplianceAnswer[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
  @ApiProperty({ example: '4096' }) position!: string;
}

export class OverdueItemAnswer implements OverdueItem {
  @ApiProperty({ type: UnitRefAnswer }) unit!: UnitRefAnswer;
  @ApiProperty() code!: string;
  @ApiProperty({ enum: ['missed', 'pending'] }) status!: 'missed' | 'pending';
  @ApiProperty({ format: 'date' }) dueOn!: string;
  @ApiProperty({ type: Number, nullable: true }) value!: number | null;
  @ApiProperty({ type: Number, nullable: true }) threshold!: number | null;
}

export class OverdueAnswer implements OverdueView {
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ format: 'date' }) asOf!: string;
  @ApiProperty({ format: 'date-time' }) knownAt!: string;
  @ApiProperty({ description: 'Pending requirements due within this many days of asOf are listed' }) dueWithinDays!: number;
  @ApiProperty({ type: OverdueItemAnswer, isArray: true, description: 'By unit code, then requirement' }) items!: OverdueItemAnswer[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
  @ApiProperty({ example: '4096' }) position!: string;
}
