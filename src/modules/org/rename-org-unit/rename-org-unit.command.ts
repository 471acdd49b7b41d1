import type { CommandContext } from '../../../infrastructure/commands/command-context.js';

export class RenameOrgUnitCommand {
  constructor(
    readonly unitId: string,
    readonly name: string,
    readonly effectiveOn: string,
    readonly context: CommandContext,
  ) {}
}
