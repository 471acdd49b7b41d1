import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type MemberEvent, memberStream } from '../../../events/org/member-events.js';
import { orgUnitStream } from '../../../events/org/org-unit-events.js';
import { type CommandContext, type CommandResult, ConcurrencyConflictError } from '../../../infrastructure/commands/command-context.js';
import { CommandMessage } from '../../../infrastructure/commands/command-message.js';
import { type CommandPlan, CommandRunner } from '../../../infrastructure/commands/command-runner.js';
import { StreamReading } from '../../../infrastructure/commands/stream-reading.js';
import { WrongExpectedRevisionError } from '../../../infrastructure/event-store/event-store.errors.js';
import { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import type { BatchCommandResult } from '../../../infrastructure/http/command-response.interceptor.js';
import { RuleViolation } from '../../../shared/domain-errors.js';
import { Hierarchy } from '../hierarchy/hierarchy.js';
import { decideMember, type EnrolMember, evolveMember, initialMemberState, type MemberCommand, type MemberState } from './member.decider.js';

export class MemberCommandMessage extends CommandMessage<MemberCommand> {}
export class ImportMembersMessage extends CommandMessage<readonly EnrolMember[]> {}

/**
 * Every command on a member, run by the generic runner: what each one touches (for the
 * scope check and the locks) and what its rule reads besides the member's own stream.
 */
@CommandHandler(MemberCommandMessage)
export class MemberCommandHandler implements ICommandHandler<MemberCommandMessage, CommandResult> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ command, context }: MemberCommandMessage): Promise<CommandResult> {
    return this.runner.run(plan(command), context);
  }
}

function plan(c: MemberCommand): CommandPlan<MemberState, MemberEvent> {
  const member = { stream: memberStream(c.memberId), id: c.memberId, initialState: initialMemberState, evolve: evolveMember };
  switch (c.type) {
    case 'EnrolMember':
      return {
        ...member,
        // An id already taken outside the caller's scope answers as out of scope, not as taken.
        scope: [
          { memberId: c.memberId, on: c.joinedOn, field: 'memberId', ifExists: true },
          { unitId: c.unitId, on: c.joinedOn, field: 'unitId', receives: true },
        ],
        prefetch: [orgUnitStream(c.unitId)],
        shared: (reading) => new Hierarchy(reading).chains([c.unitId]),
        decide: async (state, reading) =>
          decideMember(c, state, { targetUnit: await new Hierarchy(reading).unit(c.unitId), membership: { unitId: c.unitId, endedOn: null } }),
      };
    case 'TransferMember':
    case 'LeaveMember': {
      const toUnitId = c.type === 'TransferMember' ? c.toUnitId : null;
      return {
        ...member,
        scope: [
          { memberId: c.memberId, on: c.effectiveOn, field: 'id', ends: c.type === 'LeaveMember' },
          ...(toUnitId ? [{ unitId: toUnitId, on: c.effectiveOn, field: 'toUnitId', receives: true }] : []),
        ],
        prefetch: toUnitId ? [orgUnitStream(toUnitId)] : [],
        // The unit she leaves (through its mergers) and the one she joins: both are read by the rule.
        shared: async (reading) => {
          const hierarchy = new Hierarchy(reading);
          const state = await hierarchy.member(c.memberId);
          return hierarchy.chains([...(state.exists ? [state.unitId] : []), ...(toUnitId ? [toUnitId] : [])]);
        },
        decide: async (state, reading) => decideMember(c, state, await new Hierarchy(reading).memberContext(state, toUnitId, c.effectiveOn)),
      };
    }
    default: {
      const unreachable: never = c;
      return unreachable;
    }
  }
}

/**
 * Enrols many members as one atomic append: every member is checked first, and a single
 * refusal refuses the whole import, naming the member at fault.
 */
@CommandHandler(ImportMembersMessage)
export class ImportMembersHandler implements ICommandHandler<ImportMembersMessage, BatchCommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly store: EventStore,
  ) {}

  async execute({ command: members, context }: ImportMembersMessage): Promise<BatchCommandResult> {
    const scope = members.flatMap((m, i) => [
      { memberId: m.memberId, on: m.joinedOn, field: `members[${i}].memberId`, ifExists: true },
      { unitId: m.unitId, on: m.joinedOn, field: `members[${i}].unitId`, receives: true },
    ]);
    const unitIds = [...new Set(members.map((m) => m.unitId))];
    const prefetch = [...unitIds.map(orgUnitStream), ...members.map((m) => memberStream(m.memberId))];
    const reading = new StreamReading(this.store);
    const locks = { exclusive: [], shared: (r: StreamReading) => new Hierarchy(r).chains(unitIds) };
    for (let attempt = 0; attempt < 5; attempt++) {
      const result = await this.runner.guarded(context, scope, reading, prefetch, locks, () => this.enrolAll(members, reading, context));
      if (result !== null) return result;
    }
    throw new ConcurrencyConflictError('the organisation hierarchy');
  }

  private async enrolAll(members: readonly EnrolMember[], reading: StreamReading, context: CommandContext): Promise<BatchCommandResult> {
    const replay = await this.replayed(members, context);
    if (replay) return replay;
    // The stored answer goes out; the caller's scope has been checked, nothing is decided.
    if (context.replaying) return { ids: [], position: -1n };
    rejectDuplicates(members);
    const hierarchy = new Hierarchy(reading);
    const appends = [];
    for (const [index, member] of members.entries()) {
      try {
        const events = decideMember(member, initialMemberState(), { targetUnit: await hierarchy.unit(member.unitId), membership: { unitId: member.unitId, endedOn: null } });
        appends.push({ stream: memberStream(member.memberId), expectedRevision: 'no_stream' as const, events });
      } catch (error) {
        if (error instanceof RuleViolation) {
          throw new RuleViolation(error.code, `members[${index}]: ${error.message}`, `members[${index}].${error.field ?? 'memberId'}`);
        }
        throw error;
      }
    }
    try {
      const results = await this.runner.appendAll(appends, context);
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
  private async replayed(members: readonly EnrolMember[], context: CommandContext): Promise<BatchCommandResult | null> {
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

function rejectDuplicates(members: readonly EnrolMember[]): void {
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
      throw new RuleViolation('member.duplicate_in_import', `members[${i}] repeats the memberCode of members[${sameCode}] in the same unit`, `members[${i}].memberCode`);
    }
    codes.set(codeKey, i);
  });
}
