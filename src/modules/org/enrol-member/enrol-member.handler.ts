import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { decideMember } from '../domain/member.decider.js';
import { onMember } from '../shared/org-decisions.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { EnrolMemberCommand } from './enrol-member.command.js';
import { OrgAccess } from '../shared/org-access.js';

@CommandHandler(EnrolMemberCommand)
export class EnrolMemberHandler implements ICommandHandler<EnrolMemberCommand, CommandResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
    private readonly access: OrgAccess,
  ) {}

  async execute({ enrolment: e, context }: EnrolMemberCommand): Promise<CommandResult> {
    const scope = [{ unitId: e.unitId, on: e.joinedOn, field: 'unitId' }];
    return this.access.run(context.actor, scope, (await this.loader.fate(e.unitId)).chain, () =>
      this.executor.execute(
        onMember(e.memberId, async (state) =>
          decideMember({ type: 'EnrolMember', ...e }, state, {
            targetUnit: await this.loader.unit(e.unitId),
            membership: { unitId: e.unitId, endedOn: null },
          }),
        ),
        context,
      ),
    );
  }
}
