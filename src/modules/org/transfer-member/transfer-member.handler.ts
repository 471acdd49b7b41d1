import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { memberStream } from '../../../events/org/member-events.js';
import { decideMember, evolveMember, initialMemberState } from '../domain/member.decider.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { TransferMemberCommand } from './transfer-member.command.js';

@CommandHandler(TransferMemberCommand)
export class TransferMemberHandler implements ICommandHandler<TransferMemberCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
  ) {}

  execute(c: TransferMemberCommand): Promise<CommandResult> {
    return this.executor.execute(
      {
        stream: memberStream(c.memberId),
        id: c.memberId,
        initialState: initialMemberState,
        evolve: evolveMember,
        decide: async (state) =>
          decideMember({ type: 'TransferMember', memberId: c.memberId, toUnitId: c.toUnitId, effectiveOn: c.effectiveOn }, state, {
            targetUnit: await this.loader.unit(c.toUnitId),
            membership: state.exists ? await this.loader.membershipOn(state.unitId, c.effectiveOn) : { unitId: '', endedOn: null },
          }),
      },
      c.context satisfies CommandContext,
    );
  }
}
