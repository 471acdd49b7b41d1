import { IsString, Length } from 'class-validator';
import { IsBusinessDate } from '../../../infrastructure/http/validators.js';

export class RemoveMemberRequest {
  @IsBusinessDate()
  effectiveOn!: string;

  @IsString()
  @Length(1, 2000)
  reason!: string;
}
