import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { decideMember } from '../domain/member.decider.js';
import { onMember } from '../shared/org-decisions.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { TransferMemberCommand } from './transfer-member.command.js';
import { OrgAccess } from '../shared/org-access.js';

@CommandHandler(TransferMemberCommand)
export class TransferMemberHandler implements ICommandHandler<TransferMemberCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
    private readonly access: OrgAccess,
  ) {}

  async execute(c: TransferMemberCommand): Promise<CommandResult> {
    const command = { type: 'TransferMember', memberId: c.memberId, toUnitId: c.toUnitId, effectiveOn: c.effectiveOn } as const;
    // The unit she leaves (through its mergers) and the one she joins: both are read by the rule.
    const member = await this.loader.member(c.memberId);
    const from = member.exists ? (await this.loader.fate(member.unitId)).chain : [];
    const scope = [
      { memberId: c.memberId, on: c.effectiveOn, field: 'id' },
      { unitId: c.toUnitId, on: c.effectiveOn, field: 'toUnitId' },
    ];
    return this.access.run(c.context.actor, scope, [...from, ...(await this.loader.fate(c.toUnitId)).chain], () =>
      this.executor.execute(
        onMember(c.memberId, async (state) => decideMember(command, state, await this.loader.memberContext(state, c.toUnitId, c.effectiveOn))),
        c.context,
      ),
    );
  }
}
