import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, ValidateNested } from 'class-validator';
import { EnrolMemberRequest } from '../enrol-member/enrol-member.request.dto.js';

export const MAX_IMPORT = 10_000;

export class ImportMembersRequest {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IMPORT)
  @ValidateNested({ each: true })
  @Type(() => EnrolMemberRequest)
  members!: EnrolMemberRequest[];
}
