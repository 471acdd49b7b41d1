import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { UnitLocks } from '../../../infrastructure/commands/unit-locks.js';
import { decideMember } from '../domain/member.decider.js';
import { onMember } from '../shared/org-decisions.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { TransferMemberCommand } from './transfer-member.command.js';

@CommandHandler(TransferMemberCommand)
export class TransferMemberHandler implements ICommandHandler<TransferMemberCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly locks: UnitLocks,
    private readonly loader: OrgStateLoader,
  ) {}

  async execute(c: TransferMemberCommand): Promise<CommandResult> {
    const command = { type: 'TransferMember', memberId: c.memberId, toUnitId: c.toUnitId, effectiveOn: c.effectiveOn } as const;
    // The unit she leaves (through its mergers) and the one she joins: both are read by the rule.
    const member = await this.loader.member(c.memberId);
    const from = member.exists ? (await this.loader.fate(member.unitId)).chain : [];
    return this.locks.withLocks([...from, ...(await this.loader.fate(c.toUnitId)).chain], () =>
      this.executor.execute(
        onMember(c.memberId, async (state) => decideMember(command, state, await this.loader.memberContext(state, c.toUnitId, c.effectiveOn))),
        c.context,
      ),
    );
  }
}
