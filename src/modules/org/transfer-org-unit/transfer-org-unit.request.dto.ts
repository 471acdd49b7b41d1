import { IsBusinessDate, IsId } from '../../../infrastructure/http/validators.js';

export class TransferOrgUnitRequest {
  @IsId()
  newParentId!: string;

  @IsBusinessDate()
  effectiveOn!: string;
}
