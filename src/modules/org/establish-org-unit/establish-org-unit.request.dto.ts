import { IsIn, IsOptional, IsString, Length } from 'class-validator';
import { ORG_UNIT_KINDS, type OrgUnitKind } from '../../../events/org/org-unit-events.js';
import { IsBusinessDate, IsId, IsNotBlank } from '../../../infrastructure/http/validators.js';

export class EstablishOrgUnitRequest {
  @IsOptional()
  @IsId()
  unitId?: string;

  @IsString()
  @IsNotBlank()
  @Length(1, 64)
  code!: string;

  @IsString()
  @IsNotBlank()
  @Length(1, 300)
  name!: string;

  @IsIn(ORG_UNIT_KINDS, { message: `kind must be one of: ${ORG_UNIT_KINDS.join(', ')}` })
  kind!: OrgUnitKind;

  @IsOptional()
  @IsId()
  parentId?: string;

  @IsBusinessDate()
  establishedOn!: string;
}
