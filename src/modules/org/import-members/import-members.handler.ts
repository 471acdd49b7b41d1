import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { memberStream } from '../../../events/org/member-events.js';
import { CommandExecutor } from '../../../infrastructure/commands/command-executor.js';
import { WrongExpectedRevisionError } from '../../../infrastructure/event-store/event-store.errors.js';
import { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { RuleViolation } from '../../../shared/domain-errors.js';
import { decideMember, initialMemberState } from '../domain/member.decider.js';
import type { OrgUnitState } from '../domain/org-unit.decider.js';
import { OrgStateLoader } from '../shared/org-unit-loader.js';
import { ImportMembersCommand, type ImportMembersResult } from './import-members.command.js';
import { OrgAccess } from '../shared/org-access.js';

/**
 * Enrols many members as one atomic append: every member is checked first, and a single
 * refusal refuses the whole import, naming the member at fault.
 */
@CommandHandler(ImportMembersCommand)
export class ImportMembersHandler implements ICommandHandler<ImportMembersCommand, ImportMembersResult> {
  constructor(
    private readonly executor: CommandExecutor,
    private readonly loader: OrgStateLoader,
    private readonly store: EventStore,
    private readonly access: OrgAccess,
  ) {}

  async execute(command: ImportMembersCommand): Promise<ImportMembersResult> {
    const scope = command.members.map((m, i) => ({ unitId: m.unitId, on: m.joinedOn, field: `members[${i}].unitId` }));
    const chains = await Promise.all([...new Set(command.members.map((m) => m.unitId))].map((id) => this.loader.fate(id)));
    return this.access.run(
      command.context.actor,
      scope,
      chains.flatMap((f) => f.chain),
      () => this.run(command),
    );
  }

  private async run({ members, context }: ImportMembersCommand): Promise<ImportMembersResult> {
    const replay = await this.replayed(members, context);
    if (replay) return replay;

    rejectDuplicates(members);
    const units = new Map<string, OrgUnitState>();
    for (const unitId of new Set(members.map((m) => m.unitId))) units.set(unitId, await this.loader.unit(unitId));

    const appends = members.map((member, index) => {
      try {
        const events = decideMember({ type: 'EnrolMember', ...member }, initialMemberState(), {
          targetUnit: units.get(member.unitId)!,
          membership: { unitId: member.unitId, endedOn: null },
        });
        return { stream: memberStream(member.memberId), expectedRevision: 'no_stream' as const, events };
      } catch (error) {
        if (error instanceof RuleViolation) {
          throw new RuleViolation(error.code, `members[${index}]: ${error.message}`, `members[${index}].${error.field ?? 'memberId'}`);
        }
        throw error;
      }
    });
    try {
      const results = await this.executor.appendAll(appends, context);
      return { ids: members.map((m) => m.memberId), position: results[results.length - 1]!.position };
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) {
        const index = members.findIndex((m) => memberStream(m.memberId) === error.stream);
        throw new RuleViolation(
          'member.already_exists',
          `members[${index}]: member ${members[index]?.memberId ?? error.stream} already exists`,
          `members[${index}].memberId`,
        );
      }
      throw error;
    }
  }

  /** The import this same request already stored, when its answer was lost. */
  private async replayed(members: readonly { memberId: string }[], context: ImportMembersCommand['context']): Promise<ImportMembersResult | null> {
    if (!context.idempotencyKey || members.length === 0) return null;
    const [first] = await this.store.readStream(memberStream(members[0]!.memberId), { maxCount: 1 });
    const m = first?.metadata;
    if (!m || m.idempotencyKey !== context.idempotencyKey || m.actor.id !== context.actor.id || m.requestHash !== context.requestHash) {
      return null;
    }
    const [last] = await this.store.readStream(memberStream(members[members.length - 1]!.memberId), { maxCount: 1 });
    return { ids: members.map((x) => x.memberId), position: last?.position ?? first!.position };
  }
}

function rejectDuplicates(members: readonly { memberId: string; unitId: string; memberCode: string }[]): void {
  const ids = new Map<string, number>();
  const codes = new Map<string, number>();
  members.forEach((m, i) => {
    const seen = ids.get(m.memberId);
    if (seen !== undefined) {
      throw new RuleViolation('member.duplicate_in_import', `members[${i}] repeats the memberId of members[${seen}]`, `members[${i}].memberId`);
    }
    ids.set(m.memberId, i);
    const codeKey = `${m.unitId} ${m.memberCode}`;
    const sameCode = codes.get(codeKey);
    if (sameCode !== undefined) {
      throw new RuleViolation(
        'member.duplicate_in_import',
        `members[${i}] repeats the memberCode of members[${sameCode}] in the same unit`,
        `members[${i}].memberCode`,
      );
    }
    codes.set(codeKey, i);
  });
}
