import type { CommandContext } from '../../../infrastructure/commands/command-context.js';

export class TerminateOrgUnitCommand {
  constructor(
    readonly unitId: string,
    readonly effectiveOn: string,
    readonly reason: string,
    readonly context: CommandContext,
  ) {}
}
