import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { memberStream } from '../../../events/org/member-events.js';
import { decideMember, evolveMember, initialMemberState } from '../domain/member.decider.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { RemoveMemberCommand } from './remove-member.command.js';

@CommandHandler(RemoveMemberCommand)
export class RemoveMemberHandler implements ICommandHandler<RemoveMemberCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
  ) {}

  execute(c: RemoveMemberCommand): Promise<CommandResult> {
    return this.executor.execute(
      {
        stream: memberStream(c.memberId),
        id: c.memberId,
        initialState: initialMemberState,
        evolve: evolveMember,
        decide: async (state) =>
          decideMember({ type: 'RemoveMember', memberId: c.memberId, effectiveOn: c.effectiveOn, reason: c.reason }, state, {
            targetUnit: { exists: false },
            membership: state.exists ? await this.loader.membershipOn(state.unitId, c.effectiveOn) : { unitId: '', endedOn: null },
          }),
      },
      c.context satisfies CommandContext,
    );
  }
}
