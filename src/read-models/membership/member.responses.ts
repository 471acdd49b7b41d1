import { ApiProperty } from '@nestjs/swagger';
import type { MembershipPeriod, MemberView } from './member.queries.js';

/**
 * The OpenAPI schema of the member view. The classes implement the view they describe, so
 * that a field added to the view does not compile until it is documented here.
 */

const MEMBER_STATUSES: MemberView['status'][] = ['active', 'left', 'unit_terminated', 'not_yet_joined'];
const PERIOD_STATUSES = ['active', 'left', 'unit_terminated'];

export class MembershipPeriodAnswer implements MembershipPeriod {
  @ApiProperty({ format: 'uuid', description: 'The unit of the period (her last unit, for a period after she left)' }) unitId!: string;
  @ApiProperty({ format: 'date', description: 'First day, as far as the caller may see' }) from!: string;

  @ApiProperty({ type: String, format: 'date', nullable: true, description: 'The day after the last; null while it lasts' })
  to!: string | null;

  @ApiProperty({ enum: PERIOD_STATUSES }) status!: string;
}

export class MemberAnswer implements MemberView {
  @ApiProperty({ format: 'uuid' }) memberId!: string;
  @ApiProperty({ example: 'Nguyễn Văn A' }) fullName!: string;
  @ApiProperty() memberCode!: string;
  @ApiProperty({ format: 'date' }) joinedOn!: string;
  @ApiProperty({ format: 'date', description: 'The business date of the answer' }) asOf!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Her unit on asOf; null before she joined or after the membership ended' })
  unitId!: string | null;

  @ApiProperty({ enum: MEMBER_STATUSES, description: 'On asOf' }) status!: MemberView['status'];

  @ApiProperty({ type: MembershipPeriodAnswer, isArray: true, description: 'Her periods within the caller’s scope, oldest first' })
  history!: MembershipPeriodAnswer[];

  @ApiProperty({ description: 'The log position the views reflect', example: '4096' }) position!: string;
}
