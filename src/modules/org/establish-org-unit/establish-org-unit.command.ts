import type { OrgUnitKind } from '../../../events/org/org-unit-events.js';
import type { CommandContext } from '../../../infrastructure/commands/command-context.js';

export class EstablishOrgUnitCommand {
  constructor(
    readonly unitId: string,
    readonly code: string,
    readonly name: string,
    readonly kind: OrgUnitKind,
    readonly parentId: string | null,
    readonly establishedOn: string,
    readonly context: CommandContext,
  ) {}
}
