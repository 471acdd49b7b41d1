import type { CommandContext } from '../../../infrastructure/commands/command-context.js';

export class TransferOrgUnitCommand {
  constructor(
    readonly unitId: string,
    readonly newParentId: string,
    readonly effectiveOn: string,
    readonly context: CommandContext,
  ) {}
}
