import { IsString, Length } from 'class-validator';
import { IsBusinessDate, IsNotBlank } from '../../../infrastructure/http/validators.js';

export class RemoveMemberRequest {
  @IsBusinessDate()
  effectiveOn!: string;

  @IsString()
  @IsNotBlank()
  @Length(1, 2000)
  reason!: string;
}
