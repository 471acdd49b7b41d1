import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { ORG_LEVELS, type OrgLevel } from '../../events/org/org-unit-events.js';
import { IsId } from '../../infrastructure/http/validators.js';
import { AsOfQuery, PagedAsOfQuery } from '../shared/query-params.js';
import { COMPLIANCE_STATUSES, type ComplianceStatus } from './compliance-rules.js';

export class ComplianceQuery extends AsOfQuery {}

export class PagedComplianceQuery extends PagedAsOfQuery {}

export class ChildrenComplianceQuery extends PagedComplianceQuery {
  @ApiPropertyOptional({ enum: COMPLIANCE_STATUSES, description: 'Only children with this overall status' })
  @IsOptional()
  @IsIn([...COMPLIANCE_STATUSES], { message: `$property must be one of: ${COMPLIANCE_STATUSES.join(', ')}` })
  status?: ComplianceStatus;

  @ApiPropertyOptional({ enum: ORG_LEVELS, description: 'Only children of this level' })
  @IsOptional()
  @IsIn([...ORG_LEVELS], { message: `$property must be one of: ${ORG_LEVELS.join(', ')}` })
  level?: OrgLevel;
}

export class OverdueQuery extends PagedComplianceQuery {
  @ApiProperty({ format: 'uuid', description: 'The unit whose subtree is searched (itself included)' })
  @IsId()
  unitId!: string;
}

export const EXPORT_FORMATS = ['xlsx', 'csv'] as const;

export class ExportQuery extends ComplianceQuery {
  @ApiProperty({ enum: EXPORT_FORMATS, description: 'xlsx (Excel) or csv (UTF-8 with a byte order mark, comma-separated)' })
  @IsIn([...EXPORT_FORMATS], { message: `$property must be one of: ${EXPORT_FORMATS.join(', ')}` })
  format!: (typeof EXPORT_FORMATS)[number];
}
