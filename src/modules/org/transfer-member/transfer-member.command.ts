import type { CommandContext } from '../../../infrastructure/commands/command-context.js';

export class TransferMemberCommand {
  constructor(
    readonly memberId: string,
    readonly toUnitId: string,
    readonly effectiveOn: string,
    readonly context: CommandContext,
  ) {}
}
