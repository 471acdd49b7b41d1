import { describe, expect, it } from '@jest/globals';
import { assertWellFormed, MalformedEventError, occurredOn, UnreadableEventError, upcast } from '../event-catalogue.js';
import { requirementsSchema } from './campaign-events.js';

const CAMPAIGN = '0b6f3c2e-5a41-4d8e-9f2a-1c3d5e7f9a0b';
const MEMBER = '5d2e8f1a-3b4c-4d6e-8f0a-2b4c6d8e0f1a';
const UNIT = '7a9c1e3f-5b7d-4f9a-8c2e-4f6a8c0e2a4c';
const PLEDGE = '9e1a3c5e-7f9b-4d1f-a3e5-6a8c0e2a4c6e';

describe('the campaign events', () => {
  it('reads a PledgeSubmitted of version 1, which did not record to whom it was addressed, as version 2 with submittedTo not recorded', () => {
    const v1 = { pledgeId: PLEDGE, campaignId: CAMPAIGN, memberId: MEMBER, unitId: UNIT, items: ['Học tập', 'Rèn luyện', 'Làm theo'], submittedOn: '2020-04-01' };
    expect(upcast('PledgeSubmitted', 1, v1)).toEqual({ type: 'PledgeSubmitted', data: { ...v1, submittedTo: null } });
    expect(upcast('PledgeSubmitted', 2, { ...v1, submittedTo: 'Chi bộ' })).toEqual({ type: 'PledgeSubmitted', data: { ...v1, submittedTo: 'Chi bộ' } });
    // A version 1 payload that is not a pledge at all does not read as one.
    expect(() => upcast('PledgeSubmitted', 1, { pledgeId: PLEDGE })).toThrow(UnreadableEventError);
  });

  it('gives each fact the day it happened as its business date', () => {
    expect(
      occurredOn({ type: 'StudySessionVoided', data: { sessionId: PLEDGE, campaignId: CAMPAIGN, unitId: UNIT, heldOn: '2024-03-20', reason: 'ghi nhầm' } }),
    ).toBe('2024-03-20');
    expect(
      occurredOn({
        type: 'PledgeSubmitted',
        data: { pledgeId: PLEDGE, campaignId: CAMPAIGN, memberId: MEMBER, unitId: UNIT, items: ['a'], submittedOn: '2024-04-09', submittedTo: 'Chi bộ' },
      }),
    ).toBe('2024-04-09');
  });

  it('takes the requirements of a year as data, refusing a repeated level or report kind and ratios outside 0..1', () => {
    const year2024 = {
      study: { dueOn: '2024-03-31', levels: ['grassroots'], minAttendanceRatio: 0.9 },
      pledge: { dueOn: '2024-04-10', levels: ['grassroots'], minItems: 1, minRatio: 1 },
      actionPlan: { dueOn: '2024-04-10', levels: ['district', 'grassroots'], minFocalTasks: 1 },
      implementationPlan: { levels: ['district'] },
      reports: [
        { kind: 'study_results', dueOn: '2024-05-03', levels: ['district'] },
        { kind: 'semi_annual', dueOn: '2024-05-06', levels: ['district'] },
        { kind: 'annual', dueOn: '2024-11-11', levels: ['district'] },
      ],
    };
    expect(requirementsSchema.parse(year2024)).toEqual(year2024);
    expect(requirementsSchema.parse({})).toEqual({});
    expect(requirementsSchema.safeParse({ study: { levels: ['grassroots', 'grassroots'] } }).success).toBe(false);
    expect(requirementsSchema.safeParse({ reports: [year2024.reports[0], year2024.reports[0]] }).success).toBe(false);
    expect(requirementsSchema.safeParse({ pledge: { levels: ['grassroots'], minItems: 3, minRatio: 1.5 } }).success).toBe(false);
    expect(requirementsSchema.safeParse({ study: { levels: ['grassroots'], extra: true } }).success).toBe(false);
  });

  it('refuses a malformed campaign fact before it is stored', () => {
    const data = { sessionId: PLEDGE, campaignId: CAMPAIGN, unitId: UNIT, heldOn: '2024-03-20', add: [MEMBER, MEMBER], remove: [], reason: 'sửa' };
    expect(() => assertWellFormed({ type: 'StudySessionAttendanceCorrected', data })).toThrow(MalformedEventError);
    expect(() => assertWellFormed({ type: 'StudySessionAttendanceCorrected', data: { ...data, add: [MEMBER] } })).not.toThrow();
  });
});
