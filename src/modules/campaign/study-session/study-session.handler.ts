import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { type StudySessionEvent, type StudySessionHeld, studySessionStream } from '../../../events/campaign/study-session-events.js';
import { memberStream } from '../../../events/org/member-events.js';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandMessage } from '../../../infrastructure/commands/command-message.js';
import { type CommandPlan, CommandRunner } from '../../../infrastructure/commands/command-runner.js';
import type { StreamReading } from '../../../infrastructure/commands/stream-reading.js';
import { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { businessToday } from '../../../shared/values.js';
import { Hierarchy } from '../../org/hierarchy/hierarchy.js';
import { firstEvent, unitFactPlan } from '../campaign-reading.js';
import { decideStudySession, evolveStudySession, initialStudySessionState, type StudySessionCommand, type StudySessionState } from './study-session.decider.js';

export class StudySessionCommandMessage extends CommandMessage<StudySessionCommand> {}

/** Sessions are recorded by officers of the unit's subtree, for the span from the session's day on. */
@CommandHandler(StudySessionCommandMessage)
export class StudySessionCommandHandler implements ICommandHandler<StudySessionCommandMessage, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly store: EventStore,
  ) {}

  async execute({ command, context }: StudySessionCommandMessage): Promise<CommandResult> {
    const held = (await firstEvent(this.store, studySessionStream(command.sessionId))) as StudySessionHeld | null;
    return this.runner.run(plan(command, held?.data ?? null, businessToday()), context);
  }
}

/**
 * Which of `memberIds` were not members of `unitId` on `date`: of the unit itself, or of a unit
 * in its subtree then (a district federation's session is attended by members of its grassroots
 * units).
 */
async function notMembersOf(reading: StreamReading, unitId: string, date: string, memberIds: readonly string[]): Promise<Set<string>> {
  const hierarchy = new Hierarchy(reading);
  const within = await Promise.all(
    memberIds.map(async (id) => {
      const unit = await hierarchy.memberUnitOn(id, date);
      return unit !== null && (unit === unitId || (await hierarchy.isWithin(unit, unitId, date)));
    }),
  );
  return new Set(memberIds.filter((_, i) => !within[i]));
}

function plan(c: StudySessionCommand, held: StudySessionHeld['data'] | null, today: string): CommandPlan<StudySessionState, StudySessionEvent> {
  // A session's campaign, unit and day never change: a command on one that exists acts on what it recorded.
  const campaignId = c.type === 'HoldStudySession' ? c.campaignId : (held?.campaignId ?? null);
  const unitId = c.type === 'HoldStudySession' ? c.unitId : (held?.unitId ?? null);
  const heldOn = c.type === 'HoldStudySession' ? c.heldOn : (held?.heldOn ?? null);
  const named = c.type === 'HoldStudySession' ? c.attendeeMemberIds : c.type === 'CorrectAttendance' ? c.add : [];
  const scope = [];
  if (c.type === 'HoldStudySession') scope.push({ unitId: c.unitId, on: c.heldOn, field: 'unitId' });
  if (held) scope.push({ unitId: held.unitId, on: held.heldOn, field: c.type === 'HoldStudySession' ? 'sessionId' : 'id' });
  const base = unitFactPlan(
    { stream: studySessionStream(c.sessionId), id: c.sessionId, initialState: initialStudySessionState, evolve: evolveStudySession },
    { campaignId, unitId, date: heldOn ?? today, field: 'unitId', scope },
    today,
    async (state, setting, reading) =>
      decideStudySession(c, state, { ...setting, notMembers: unitId && heldOn ? await notMembersOf(reading, unitId, heldOn, named) : new Set<string>() }),
  );
  // The members it names are read with the session's own stream.
  return { ...base, prefetch: [...(base.prefetch ?? []), ...named.map(memberStream)] };
}
