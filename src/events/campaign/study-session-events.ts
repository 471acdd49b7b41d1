import { z } from 'zod';
import { businessDate, defineEvent, type EventOf, id, text } from '../event-definition.js';

export const STUDY_SESSION_CATEGORY = 'studySession';
export const studySessionStream = (sessionId: string): string => `${STUDY_SESSION_CATEGORY}-${sessionId}`;

export const SESSION_FORMATS = ['in_person', 'online', 'hybrid'] as const;
/** The most attendees one session records (a large enterprise's whole union). */
export const MAX_ATTENDEES = 20_000;

const memberIds = (max: number) =>
  z
    .array(id())
    .max(max)
    .refine((ids) => new Set(ids).size === ids.length, 'must not name a member twice');

/** What every event of a session names: the session, its campaign and the unit that held it. */
const ofSession = { sessionId: id(), campaignId: id(), unitId: id() };

export const StudySessionHeld = defineEvent({
  type: 'StudySessionHeld',
  schemaVersion: 1,
  schema: z.strictObject({
    ...ofSession,
    heldOn: businessDate(),
    format: z.enum(SESSION_FORMATS),
    title: text(500),
    presenter: text(300).nullable(),
    materials: z.array(z.strictObject({ title: text(500), url: text(2000).nullable() })).max(100),
    attendeeMemberIds: memberIds(MAX_ATTENDEES),
  }),
  occurredOn: (d) => d.heldOn,
  upcasters: [],
});
export type StudySessionHeld = EventOf<typeof StudySessionHeld>;

/** Who attended, corrected: the business date stays the session's own. */
export const StudySessionAttendanceCorrected = defineEvent({
  type: 'StudySessionAttendanceCorrected',
  schemaVersion: 1,
  schema: z.strictObject({
    ...ofSession,
    heldOn: businessDate(),
    add: memberIds(MAX_ATTENDEES),
    remove: memberIds(MAX_ATTENDEES),
    reason: text(2000),
  }),
  occurredOn: (d) => d.heldOn,
  upcasters: [],
});
export type StudySessionAttendanceCorrected = EventOf<typeof StudySessionAttendanceCorrected>;

/** A session recorded in error: it never counted, on any date. */
export const StudySessionVoided = defineEvent({
  type: 'StudySessionVoided',
  schemaVersion: 1,
  schema: z.strictObject({ ...ofSession, heldOn: businessDate(), reason: text(2000) }),
  occurredOn: (d) => d.heldOn,
  upcasters: [],
});
export type StudySessionVoided = EventOf<typeof StudySessionVoided>;

export const STUDY_SESSION_EVENTS = [StudySessionHeld, StudySessionAttendanceCorrected, StudySessionVoided] as const;
export type StudySessionEvent = EventOf<(typeof STUDY_SESSION_EVENTS)[number]>;
