import { DateField, IdField, ListField, TextField } from '../../../infrastructure/http/fields.js';

/** The most members one import may enrol (all or nothing). */
export const MAX_IMPORT = 10_000;

export class EnrolMemberRequest {
  @IdField({ optional: true, description: 'The id of the new member, to make creation retry-safe; generated when absent' })
  memberId?: string;

  @IdField({ description: 'The grassroots unit she joins' })
  unitId!: string;

  @TextField(200, { example: 'Nguyễn Văn A' })
  fullName!: string;

  @TextField(64)
  memberCode!: string;

  @DateField()
  joinedOn!: string;
}

export class ImportMembersRequest {
  @ListField(() => EnrolMemberRequest, { min: 1, max: MAX_IMPORT }, { description: 'Members to enrol, all or none' })
  members!: EnrolMemberRequest[];
}

export class TransferMemberRequest {
  @IdField({ description: 'The grassroots unit she moves to' })
  toUnitId!: string;

  @DateField()
  effectiveOn!: string;
}

export class LeaveMemberRequest {
  @DateField()
  effectiveOn!: string;

  @TextField(2000)
  reason!: string;
}
