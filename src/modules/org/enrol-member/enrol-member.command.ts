import type { CommandContext } from '../../../infrastructure/commands/command-context.js';

export interface MemberEnrolment {
  readonly memberId: string;
  readonly unitId: string;
  readonly fullName: string;
  readonly memberCode: string;
  readonly joinedOn: string;
}

export class EnrolMemberCommand {
  constructor(
    readonly enrolment: MemberEnrolment,
    readonly context: CommandContext,
  ) {}
}
