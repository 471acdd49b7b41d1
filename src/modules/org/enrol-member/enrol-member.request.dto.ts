import { IsOptional, IsString, Length } from 'class-validator';
import { IsBusinessDate, IsId } from '../../../infrastructure/http/validators.js';

export class EnrolMemberRequest {
  @IsOptional()
  @IsId()
  memberId?: string;

  @IsId()
  unitId!: string;

  @IsString()
  @Length(1, 200)
  fullName!: string;

  @IsString()
  @Length(1, 64)
  memberCode!: string;

  @IsBusinessDate()
  joinedOn!: string;
}
