import { ApiProperty } from '@nestjs/swagger';
import { ORG_LEVELS, ORG_UNIT_KINDS } from '../../events/org/org-unit-events.js';
import type { ChildUnitsView, OrgUnitView, UnitSummary } from './org-unit.queries.js';

/**
 * The OpenAPI schemas of the organisation views. Each class implements the view it
 * describes, so that a field added to a view does not compile until it is documented here.
 */

const UNIT_STATUSES = ['active', 'merged', 'terminated'];

export class MemberCountsAnswer {
  @ApiProperty({ description: 'Members of the unit itself on asOf' })
  direct!: number;

  @ApiProperty({ description: 'Members of the unit and every unit under it on asOf' })
  subtree!: number;
}

export class AncestorAnswer {
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ORG_LEVELS }) level!: string;
}

export class UnitSummaryAnswer implements UnitSummary {
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ example: 'LDLD-BT' }) code!: string;
  @ApiProperty({ description: 'The name on asOf', example: 'Liên đoàn Lao động tỉnh Bình Thuận' }) name!: string;
  @ApiProperty({ enum: ORG_UNIT_KINDS }) kind!: string;
  @ApiProperty({ enum: ORG_LEVELS, description: 'Follows from kind' }) level!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The parent on asOf; null at the top, or when the parent is outside the caller’s scope' })
  parentId!: string | null;

  @ApiProperty({ enum: UNIT_STATUSES, description: 'On asOf' }) status!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The unit it merged into (status merged), when within the caller’s scope' })
  mergedInto!: string | null;

  @ApiProperty({ format: 'date', example: '2000-01-01' }) establishedOn!: string;
  @ApiProperty({ type: MemberCountsAnswer }) members!: MemberCountsAnswer;
}

export class OrgUnitAnswer extends UnitSummaryAnswer implements OrgUnitView {
  @ApiProperty({ format: 'date', description: 'The business date of the answer' }) asOf!: string;

  @ApiProperty({ type: AncestorAnswer, isArray: true, description: 'The parent first, up to the top or to the caller’s scope unit, as the hierarchy stood on asOf' })
  ancestors!: AncestorAnswer[];

  @ApiProperty({ description: 'The log position the views reflect', example: '4096' }) position!: string;
}

export class ChildUnitsAnswer implements ChildUnitsView {
  @ApiProperty({ format: 'uuid', description: 'The parent unit' }) unitId!: string;
  @ApiProperty({ format: 'date' }) asOf!: string;

  @ApiProperty({ type: UnitSummaryAnswer, isArray: true, description: 'The active units directly under it on asOf, by code' })
  items!: UnitSummaryAnswer[];

  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page; null on the last page' })
  nextCursor!: string | null;

  @ApiProperty({ example: '4096' }) position!: string;
}
