import { IsOptional, IsString, Length } from 'class-validator';
import { IsBusinessDate, IsId, IsNotBlank } from '../../../infrastructure/http/validators.js';

export class EnrolMemberRequest {
  @IsOptional()
  @IsId()
  memberId?: string;

  @IsId()
  unitId!: string;

  @IsString()
  @IsNotBlank()
  @Length(1, 200)
  fullName!: string;

  @IsString()
  @IsNotBlank()
  @Length(1, 64)
  memberCode!: string;

  @IsBusinessDate()
  joinedOn!: string;
}
