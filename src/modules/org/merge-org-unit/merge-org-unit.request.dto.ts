import { IsBusinessDate, IsId } from '../../../infrastructure/http/validators.js';

export class MergeOrgUnitRequest {
  @IsId()
  intoUnitId!: string;

  @IsBusinessDate()
  effectiveOn!: string;
}
