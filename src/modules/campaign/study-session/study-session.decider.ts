import type { StudySessionEvent, StudySessionHeld } from '../../../events/campaign/study-session-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { checkFact, type FactSetting, type UnitOnDate } from '../campaign-facts.js';

export interface ExistingStudySession {
  readonly exists: true;
  readonly sessionId: string;
  readonly campaignId: string;
  readonly unitId: string;
  readonly heldOn: string;
  readonly attendees: ReadonlySet<string>;
  readonly voided: boolean;
}

export type StudySessionState = { readonly exists: false } | ExistingStudySession;

export const initialStudySessionState = (): StudySessionState => ({ exists: false });

export function evolveStudySession(state: StudySessionState, event: StudySessionEvent): StudySessionState {
  switch (event.type) {
    case 'StudySessionHeld': {
      const d = event.data;
      return { exists: true, sessionId: d.sessionId, campaignId: d.campaignId, unitId: d.unitId, heldOn: d.heldOn, attendees: new Set(d.attendeeMemberIds), voided: false };
    }
    case 'StudySessionAttendanceCorrected': {
      if (!state.exists) return state;
      const attendees = new Set(state.attendees);
      for (const id of event.data.remove) attendees.delete(id);
      for (const id of event.data.add) attendees.add(id);
      return { ...state, attendees };
    }
    case 'StudySessionVoided':
      return state.exists ? { ...state, voided: true } : state;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export interface HoldStudySession {
  readonly type: 'HoldStudySession';
  readonly sessionId: string;
  readonly campaignId: string;
  readonly unitId: string;
  readonly heldOn: string;
  readonly format: StudySessionHeld['data']['format'];
  readonly title: string;
  readonly presenter: string | null;
  readonly materials: StudySessionHeld['data']['materials'];
  readonly attendeeMemberIds: readonly string[];
}

export interface CorrectAttendance {
  readonly type: 'CorrectAttendance';
  readonly sessionId: string;
  readonly add: readonly string[];
  readonly remove: readonly string[];
  readonly reason: string;
}

export interface VoidStudySession {
  readonly type: 'VoidStudySession';
  readonly sessionId: string;
  readonly reason: string;
}

export type StudySessionCommand = HoldStudySession | CorrectAttendance | VoidStudySession;

/**
 * What a session decision needs: the campaign and today; the unit on the session's day; and
 * which of the members named (attendees, or those added) were not members of the unit that
 * day, as the hierarchy and membership stood then.
 */
export interface StudySessionContext extends FactSetting {
  readonly unit: UnitOnDate;
  readonly notMembers: ReadonlySet<string>;
}

export function decideStudySession(command: StudySessionCommand, state: StudySessionState, context: StudySessionContext): StudySessionEvent[] {
  if (command.type === 'HoldStudySession') return [hold(command, state, context)];
  if (!state.exists) throw new NotFound('study_session.not_found', `study session ${command.sessionId} does not exist`);
  if (state.voided) throw new RuleViolation('study_session.voided', `study session ${command.sessionId} was voided`);
  const { sessionId, campaignId, unitId, heldOn } = state;
  switch (command.type) {
    case 'CorrectAttendance': {
      if (command.add.length === 0 && command.remove.length === 0) {
        throw new RuleViolation('study_session.correction_empty', 'a correction adds or removes at least one member', 'add');
      }
      command.add.forEach((memberId, i) => {
        if (command.remove.includes(memberId)) {
          throw new RuleViolation('study_session.added_and_removed', `member ${memberId} is both added and removed`, `add[${i}]`);
        }
        if (state.attendees.has(memberId)) {
          throw new RuleViolation('study_session.already_attending', `member ${memberId} is already recorded as attending`, `add[${i}]`);
        }
        notMember(context, memberId, state, `add[${i}]`);
      });
      command.remove.forEach((memberId, i) => {
        if (!state.attendees.has(memberId)) {
          throw new RuleViolation('study_session.not_attending', `member ${memberId} is not recorded as attending`, `remove[${i}]`);
        }
      });
      return [{ type: 'StudySessionAttendanceCorrected', data: { sessionId, campaignId, unitId, heldOn, add: [...command.add], remove: [...command.remove], reason: command.reason } }];
    }
    case 'VoidStudySession':
      return [{ type: 'StudySessionVoided', data: { sessionId, campaignId, unitId, heldOn, reason: command.reason } }];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function hold(c: HoldStudySession, state: StudySessionState, context: StudySessionContext): StudySessionEvent {
  if (state.exists) throw new RuleViolation('study_session.already_exists', `study session ${c.sessionId} already exists`, 'sessionId');
  checkFact(context, c.campaignId, c.heldOn, 'heldOn', context.unit, 'unitId');
  const seen = new Set<string>();
  c.attendeeMemberIds.forEach((memberId, i) => {
    if (seen.has(memberId)) throw new RuleViolation('study_session.attendee_repeated', `member ${memberId} is named twice`, `attendeeMemberIds[${i}]`);
    seen.add(memberId);
    if (context.notMembers.has(memberId)) {
      throw new RuleViolation('study_session.attendee_not_member', `member ${memberId} was not a member of unit ${c.unitId} (or of a unit under it) on ${c.heldOn}`, `attendeeMemberIds[${i}]`);
    }
  });
  return {
    type: 'StudySessionHeld',
    data: {
      sessionId: c.sessionId,
      campaignId: c.campaignId,
      unitId: c.unitId,
      heldOn: c.heldOn,
      format: c.format,
      title: c.title,
      presenter: c.presenter,
      materials: c.materials,
      attendeeMemberIds: [...c.attendeeMemberIds],
    },
  };
}

function notMember(context: StudySessionContext, memberId: string, state: ExistingStudySession, field: string): void {
  if (context.notMembers.has(memberId)) {
    throw new RuleViolation('study_session.attendee_not_member', `member ${memberId} was not a member of unit ${state.unitId} (or of a unit under it) on ${state.heldOn}`, field);
  }
}
