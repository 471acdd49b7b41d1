import type { CommandContext } from '../../../infrastructure/commands/command-context.js';
import type { MemberEnrolment } from '../enrol-member/enrol-member.command.js';

export class ImportMembersCommand {
  constructor(
    readonly members: readonly MemberEnrolment[],
    readonly context: CommandContext,
  ) {}
}

export interface ImportMembersResult {
  readonly ids: readonly string[];
  readonly position: bigint;
}
