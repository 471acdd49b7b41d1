import type { CommandContext } from '../../../infrastructure/commands/command-context.js';

export class MergeOrgUnitCommand {
  constructor(
    readonly unitId: string,
    readonly intoUnitId: string,
    readonly effectiveOn: string,
    readonly context: CommandContext,
  ) {}
}
