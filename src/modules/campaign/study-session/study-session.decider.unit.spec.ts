import { beforeEach, describe, expect, it } from '@jest/globals';
import { CAMPAIGN, LAN, plan2024, SCHOOL, school } from '../../../../test/support/campaign-setting.js';
import { deciderSpec } from '../../../../test/support/given-when-then.js';
import type { StudySessionEvent } from '../../../events/campaign/study-session-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { evolveCampaign, initialCampaignState } from '../campaign/campaign.decider.js';
import { decideStudySession, evolveStudySession, type HoldStudySession, initialStudySessionState, type StudySessionContext } from './study-session.decider.js';

const SESSION = '40000000-0000-4000-8000-000000000001';
const HOA = '10000000-0000-4000-8000-000000000002';
const BINH = '10000000-0000-4000-8000-000000000003';

const context = (over: Partial<StudySessionContext> = {}): StudySessionContext => ({
  today: '2024-06-01',
  campaign: evolveCampaign(initialCampaignState(), plan2024),
  unit: school,
  notMembers: new Set([BINH]),
  ...over,
});

const given = deciderSpec((events: readonly StudySessionEvent[]) => events.reduce(evolveStudySession, initialStudySessionState()), decideStudySession);

const hold = (over: Partial<HoldStudySession> = {}): HoldStudySession => ({
  type: 'HoldStudySession',
  sessionId: SESSION,
  campaignId: CAMPAIGN,
  unitId: SCHOOL,
  heldOn: '2024-03-20',
  format: 'hybrid',
  title: 'Học tập chuyên đề',
  presenter: null,
  materials: [],
  attendeeMemberIds: [LAN, HOA],
  ...over,
});
const held = (attendees = [LAN, HOA]): StudySessionEvent => ({
  type: 'StudySessionHeld',
  data: { sessionId: SESSION, campaignId: CAMPAIGN, unitId: SCHOOL, heldOn: '2024-03-20', format: 'hybrid', title: 'Học tập chuyên đề', presenter: null, materials: [], attendeeMemberIds: attendees },
});
const base = { sessionId: SESSION, campaignId: CAMPAIGN, unitId: SCHOOL, heldOn: '2024-03-20' };

describe('study session decider', () => {
  // Every case asserts through given/when/then: a case that checks nothing fails.
  beforeEach(() => expect.hasAssertions());

  it('records a session of the unit with its members of that day', () => {
    given([]).when(hold(), context()).then([held()]);
  });

  it('refuses an attendee who was not a member of the unit on the day, naming her place in the list', () => {
    given([]).when(hold({ attendeeMemberIds: [LAN, BINH] }), context()).thenThrows(RuleViolation, 'study_session.attendee_not_member', 'attendeeMemberIds[1]');
  });

  it('keeps the rules of every campaign fact: the campaign, today, its window, the unit on the day', () => {
    given([]).when(hold(), context({ campaign: initialCampaignState() })).thenThrows(NotFound, 'campaign.not_found');
    given([]).when(hold({ heldOn: '2024-06-02' }), context()).thenThrows(RuleViolation, 'date.in_future', 'heldOn');
    given([]).when(hold({ heldOn: '2023-12-31' }), context()).thenThrows(RuleViolation, 'campaign.fact_outside_window', 'heldOn');
    given([]).when(hold(), context({ unit: { ...school, exists: false } })).thenThrows(RuleViolation, 'org_unit.unknown_unit', 'unitId');
    given([]).when(hold(), context({ unit: { ...school, active: false } })).thenThrows(RuleViolation, 'campaign.unit_not_active', 'unitId');
    given([]).when(hold(), context({ unit: { ...school, inCampaign: false } })).thenThrows(RuleViolation, 'campaign.unit_outside_campaign', 'unitId');
  });

  it('accepts a session on the first and the last day of the window, and on today', () => {
    for (const heldOn of ['2024-01-01', '2024-06-01']) {
      given([]).when(hold({ heldOn, attendeeMemberIds: [] }), context()).then([{ ...held([]), data: { ...held([]).data, heldOn } } as StudySessionEvent]);
    }
    given([]).when(hold({ heldOn: '2024-12-31', attendeeMemberIds: [] }), context({ today: '2025-01-10' })).then([{ ...held([]), data: { ...held([]).data, heldOn: '2024-12-31' } } as StudySessionEvent]);
  });

  it('refuses a second session under the same id', () => {
    given([held()]).when(hold(), context()).thenThrows(RuleViolation, 'study_session.already_exists', 'sessionId');
  });

  it('corrects attendance: adds members of the day who were not recorded, removes those recorded', () => {
    given([held([LAN])])
      .when({ type: 'CorrectAttendance', sessionId: SESSION, add: [HOA], remove: [LAN], reason: 'ghi nhầm' }, context())
      .then([{ type: 'StudySessionAttendanceCorrected', data: { ...base, add: [HOA], remove: [LAN], reason: 'ghi nhầm' } }]);
  });

  it('refuses a correction that changes nothing, adds and removes one member, adds one attending or not a member, removes one absent', () => {
    const correct = (add: string[], remove: string[]) => ({ type: 'CorrectAttendance' as const, sessionId: SESSION, add, remove, reason: 'x' });
    given([held([LAN])]).when(correct([], []), context()).thenThrows(RuleViolation, 'study_session.correction_empty', 'add');
    given([held([LAN])]).when(correct([HOA], [HOA]), context()).thenThrows(RuleViolation, 'study_session.added_and_removed', 'add[0]');
    given([held([LAN])]).when(correct([LAN], []), context()).thenThrows(RuleViolation, 'study_session.already_attending', 'add[0]');
    given([held([LAN])]).when(correct([BINH], []), context()).thenThrows(RuleViolation, 'study_session.attendee_not_member', 'add[0]');
    given([held([LAN])]).when(correct([], [HOA]), context()).thenThrows(RuleViolation, 'study_session.not_attending', 'remove[0]');
  });

  it('voids a session once; a voided session takes no correction', () => {
    const voided: StudySessionEvent = { type: 'StudySessionVoided', data: { ...base, reason: 'nhập trùng' } };
    given([held()]).when({ type: 'VoidStudySession', sessionId: SESSION, reason: 'nhập trùng' }, context()).then([voided]);
    given([held(), voided]).when({ type: 'VoidStudySession', sessionId: SESSION, reason: 'lại' }, context()).thenThrows(RuleViolation, 'study_session.voided');
    given([held(), voided]).when({ type: 'CorrectAttendance', sessionId: SESSION, add: [], remove: [LAN], reason: 'x' }, context()).thenThrows(RuleViolation, 'study_session.voided');
    given([]).when({ type: 'VoidStudySession', sessionId: SESSION, reason: 'x' }, context()).thenThrows(NotFound, 'study_session.not_found');
  });
});
