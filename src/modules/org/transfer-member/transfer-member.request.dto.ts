import { IsBusinessDate, IsId } from '../../../infrastructure/http/validators.js';

export class TransferMemberRequest {
  @IsId()
  toUnitId!: string;

  @IsBusinessDate()
  effectiveOn!: string;
}
