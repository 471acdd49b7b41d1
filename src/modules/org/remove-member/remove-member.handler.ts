import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { decideMember } from '../domain/member.decider.js';
import { onMember } from '../shared/org-decisions.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { RemoveMemberCommand } from './remove-member.command.js';
import { OrgAccess } from '../shared/org-access.js';

@CommandHandler(RemoveMemberCommand)
export class RemoveMemberHandler implements ICommandHandler<RemoveMemberCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
    private readonly access: OrgAccess,
  ) {}

  async execute(c: RemoveMemberCommand): Promise<CommandResult> {
    const command = { type: 'RemoveMember', memberId: c.memberId, effectiveOn: c.effectiveOn, reason: c.reason } as const;
    return this.access.run(c.context.actor, [{ memberId: c.memberId, on: c.effectiveOn, field: 'id' }], [], () =>
      this.executor.execute(
        onMember(c.memberId, async (state) => decideMember(command, state, await this.loader.memberContext(state, null, c.effectiveOn))),
        c.context,
      ),
    );
  }
}
