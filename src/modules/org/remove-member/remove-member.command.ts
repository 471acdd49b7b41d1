import type { CommandContext } from '../../../infrastructure/commands/command-context.js';

export class RemoveMemberCommand {
  constructor(
    readonly memberId: string,
    readonly effectiveOn: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {}
}
