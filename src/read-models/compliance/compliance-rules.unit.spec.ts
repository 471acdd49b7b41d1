import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { Requirements } from '../../events/campaign/campaign-events.js';
import {
  type CampaignPlan,
  evaluate,
  type MemberFacts,
  memberCountTimeline,
  needed,
  overallStatus,
  timeline,
  type UnitFacts,
} from './compliance-rules.js';

const REQUIREMENTS: Requirements = {
  study: { dueOn: '2024-03-31', levels: ['grassroots'], minAttendanceRatio: 0.5 },
  pledge: { dueOn: '2024-04-10', levels: ['grassroots'], minItems: 2, minRatio: 1 },
  actionPlan: { dueOn: '2024-04-10', levels: ['district', 'grassroots'], minFocalTasks: 1 },
  implementationPlan: { dueOn: '2024-03-20', levels: ['district'] },
  reports: [{ kind: 'study_results', dueOn: '2024-05-03', levels: ['district'] }],
};
const plan = (requirements: Requirements = REQUIREMENTS, amendments: { from: string; requirements: Requirements }[] = []): CampaignPlan => ({
  issuedOn: '2024-02-29',
  versions: [{ from: '2024-02-29', endsOn: '2024-12-31', requirements }, ...amendments.map((a) => ({ ...a, endsOn: '2024-12-31' }))],
});
const member = (over: Partial<MemberFacts> = {}): MemberFacts => ({ spans: [{ from: '2020-01-01', to: null }], studiedOn: [], pledges: [], ...over });
const school = (over: Partial<UnitFacts> = {}): UnitFacts => ({
  level: 'grassroots',
  sessions: [],
  implementationPlanOn: null,
  actionPlan: null,
  reports: {},
  members: [],
  ...over,
});
const pledge = (submittedOn: string, count = 2, withdrawnOn: string | null = null) => ({ submittedOn, items: [{ on: submittedOn, count }], withdrawnOn });
const req = (unit: UnitFacts, code: string, asOf: string, p = plan()) => evaluate(p, unit, asOf).requirements.find((r) => r.code === code);

describe('compliance rules (DOMAIN.md §4)', () => {
  it('lists every requirement: those not for the unit’s level as not applicable, the others pending before their due date and missed on it', () => {
    const unit = school({ members: [member()] });
    expect(evaluate(plan(), unit, '2024-03-30').requirements.map((r) => [r.code, r.status])).toEqual([
      ['study', 'pending'],
      ['pledges', 'pending'],
      ['action_plan', 'pending'],
      ['focal_tasks', 'pending'],
      ['implementation_plan', 'not_applicable'],
      ['report_study_results', 'not_applicable'],
    ]);
    // Due dates are the last permitted day: on 31 March the study requirement is missed, not pending.
    expect(req(unit, 'study', '2024-03-31')?.status).toBe('missed');
    expect(evaluate(plan(), unit, '2024-03-31').status).toBe('missed');
  });

  it('meets study with a session and the share of members who attended; late when the share is reached after the due date', () => {
    const a = member({ studiedOn: ['2024-03-20'] });
    const b = member({ studiedOn: ['2024-04-02'] });
    const unit = school({ sessions: ['2024-03-20', '2024-04-02'], members: [a, b, member()] });
    // One of three by 31 March: 1/3 < 0.5 (two needed); the second on 2 April.
    expect(req(unit, 'study', '2024-03-31')).toEqual({ code: 'study', status: 'missed', dueOn: '2024-03-31', value: 1 / 3, threshold: 0.5, satisfiedOn: null });
    expect(req(unit, 'study', '2024-04-05')).toMatchObject({ status: 'met_late', satisfiedOn: '2024-04-02', value: 2 / 3 });
    // Without a session of the unit, attending elsewhere is not enough.
    expect(req(school({ members: [a] }), 'study', '2024-04-05')).toMatchObject({ status: 'missed' });
  });

  it('counts the members of the due date (or of asOf when earlier): one who joins later does not lower a share already met', () => {
    const a = member({ studiedOn: ['2024-03-10'] });
    const late = member({ spans: [{ from: '2024-04-15', to: null }] });
    const unit = school({ sessions: ['2024-03-10'], members: [a, late] });
    expect(req(unit, 'study', '2024-05-01')).toMatchObject({ status: 'met', satisfiedOn: '2024-03-10', value: 1 });
    expect(evaluate(plan(), unit, '2024-05-01').figures).toMatchObject({ members: 2, membersStudied: 1 });
  });

  it('counts a late pledge only towards met_late, a short one never, a withdrawn one not from its withdrawal', () => {
    const onTime = member({ pledges: [pledge('2024-04-05')] });
    const lateOne = member({ pledges: [pledge('2024-04-20')] });
    expect(req(school({ members: [onTime, lateOne] }), 'pledges', '2024-04-30')).toMatchObject({ status: 'met_late', satisfiedOn: '2024-04-20', value: 1 });
    const short = member({ pledges: [pledge('2024-04-05', 1)] });
    const unit = school({ members: [onTime, short] });
    expect(req(unit, 'pledges', '2024-04-30')).toMatchObject({ status: 'missed', value: 0.5 });
    expect(evaluate(plan(), unit, '2024-04-30').figures).toMatchObject({ pledges: 2, shortPledges: 1, latePledges: 0, pledgesCounted: 1 });
    // Revised to enough items on 25 April: counts from then, late.
    const revised = member({ pledges: [{ submittedOn: '2024-04-05', items: [{ on: '2024-04-05', count: 1 }, { on: '2024-04-25', count: 3 }], withdrawnOn: null }] });
    expect(req(school({ members: [onTime, revised] }), 'pledges', '2024-04-30')).toMatchObject({ status: 'met_late', satisfiedOn: '2024-04-25' });
    const withdrawn = member({ pledges: [pledge('2024-04-05', 2, '2024-04-08')] });
    expect(req(school({ members: [withdrawn] }), 'pledges', '2024-04-07')).toMatchObject({ status: 'met' });
    expect(req(school({ members: [withdrawn] }), 'pledges', '2024-04-09')).toMatchObject({ status: 'pending', value: 0 });
    // Filed again later: the days before keep their answer, the new one counts from its date.
    const again = member({ pledges: [pledge('2024-04-05', 2, '2024-04-20'), pledge('2024-04-25')] });
    expect(req(school({ members: [again] }), 'pledges', '2024-04-12')).toMatchObject({ status: 'met', satisfiedOn: '2024-04-05' });
    expect(evaluate(plan(), school({ members: [again] }), '2024-04-12').figures).toMatchObject({ pledges: 1, pledgesCounted: 1 });
    expect(req(school({ members: [again] }), 'pledges', '2024-04-22')).toMatchObject({ status: 'missed', value: 0 });
    expect(req(school({ members: [again] }), 'pledges', '2024-04-30')).toMatchObject({ status: 'met_late', satisfiedOn: '2024-04-25' });
  });

  it('judges plans and reports by their dates; a returned report counts again from its re-submission', () => {
    const district = school({
      level: 'district',
      implementationPlanOn: '2024-03-25',
      actionPlan: { adoptedOn: '2024-04-01', focalTasks: 0 },
      reports: { study_results: [{ on: '2024-05-01', standingSince: '2024-05-01' }, { on: '2024-05-02', standingSince: null }, { on: '2024-05-10', standingSince: '2024-05-10' }] },
    });
    expect(req(district, 'implementation_plan', '2024-04-01')).toMatchObject({ status: 'met_late', satisfiedOn: '2024-03-25' });
    expect(req(district, 'action_plan', '2024-04-01')).toMatchObject({ status: 'met' });
    expect(req(district, 'focal_tasks', '2024-04-20')).toMatchObject({ status: 'missed', value: 0, threshold: 1 });
    expect(req(district, 'report_study_results', '2024-05-01')).toMatchObject({ status: 'met', satisfiedOn: '2024-05-01' });
    expect(req(district, 'report_study_results', '2024-05-05')).toMatchObject({ status: 'missed', satisfiedOn: null });
    expect(req(district, 'report_study_results', '2024-05-12')).toMatchObject({ status: 'met_late', satisfiedOn: '2024-05-10' });
    expect(req(district, 'study', '2024-05-12')).toMatchObject({ status: 'not_applicable', value: null });
  });

  it('applies an amendment from its date: a later due date turns missed back into pending from then on', () => {
    const amended = plan(REQUIREMENTS, [{ from: '2024-04-15', requirements: { ...REQUIREMENTS, study: { dueOn: '2024-05-31', levels: ['grassroots'] } } }]);
    const unit = school({ members: [member()] });
    expect(req(unit, 'study', '2024-04-14', amended)).toMatchObject({ status: 'missed', dueOn: '2024-03-31' });
    expect(req(unit, 'study', '2024-04-15', amended)).toMatchObject({ status: 'pending', dueOn: '2024-05-31', threshold: 1 });
    expect(() => evaluate(amended, unit, '2024-01-01')).toThrow(/not issued yet/);
  });

  it('rolls statuses up: missed over late over pending over met; nothing applicable is not applicable', () => {
    expect(overallStatus(['met', 'pending', 'met_late'])).toBe('met_late');
    expect(overallStatus(['met', 'pending', 'not_applicable'])).toBe('pending');
    expect(overallStatus(['met_late', 'missed'])).toBe('missed');
    expect(overallStatus(['met', 'not_applicable'])).toBe('met');
    expect(overallStatus(['not_applicable'])).toBe('not_applicable');
    expect([needed(0.9, 10), needed(0.3, 10), needed(1, 3), needed(0.01, 1)]).toEqual([9, 3, 3, 1]);
  });

  it('counts members over time from their spans', () => {
    expect(memberCountTimeline([{ from: '2024-01-01', to: '2024-03-01' }, { from: '2024-02-01', to: null }, { from: '2024-03-01', to: null }])).toEqual([
      { from: '2024-01-01', to: '2024-02-01', members: 1 },
      { from: '2024-02-01', to: null, members: 2 },
    ]);
  });

  // ---- properties: the timeline and the evaluation agree, and a fact dated later changes nothing earlier ----

  const day = fc.integer({ min: 0, max: 330 }).map((n) => new Date(Date.UTC(2024, 1, 29 + n)).toISOString().slice(0, 10));
  const memberArb = fc.record({
    joined: fc.option(day, { nil: null }),
    left: fc.option(day, { nil: null }),
    studied: fc.array(day, { maxLength: 2 }),
    pledge: fc.option(fc.record({ on: day, count: fc.integer({ min: 1, max: 3 }), revised: fc.option(fc.record({ on: day, count: fc.integer({ min: 1, max: 3 }) }), { nil: null }), withdrawn: fc.option(day, { nil: null }) }), { nil: null }),
  });
  const unitArb = fc.record({
    level: fc.constantFrom('grassroots' as const, 'district' as const),
    sessions: fc.array(day, { maxLength: 3 }),
    implementationPlanOn: fc.option(day, { nil: null }),
    actionPlan: fc.option(fc.record({ adoptedOn: day, focalTasks: fc.integer({ min: 0, max: 2 }) }), { nil: null }),
    report: fc.array(fc.record({ on: day, stands: fc.boolean() }), { maxLength: 3 }),
    members: fc.array(memberArb, { maxLength: 5 }),
  });
  type UnitSample = typeof unitArb extends fc.Arbitrary<infer T> ? T : never;
  const toUnit = (u: UnitSample): UnitFacts => ({
    level: u.level,
    sessions: u.sessions,
    implementationPlanOn: u.implementationPlanOn,
    actionPlan: u.actionPlan,
    reports: { study_results: [...u.report].sort((a, b) => (a.on < b.on ? -1 : a.on > b.on ? 1 : 0)).map((s) => ({ on: s.on, standingSince: s.stands ? s.on : null })) },
    members: u.members.map((m) => {
      const from = m.joined ?? '2020-01-01';
      const to = m.left !== null && m.left > from ? m.left : null;
      const items = [{ on: m.pledge?.on ?? '', count: m.pledge?.count ?? 0 }];
      if (m.pledge?.revised && m.pledge.revised.on >= m.pledge.on) items.push(m.pledge.revised);
      return {
        spans: [{ from, to }],
        studiedOn: m.studied,
        pledges: m.pledge ? [{ submittedOn: m.pledge.on, items, withdrawnOn: m.pledge.withdrawn }] : [],
      };
    }),
  });

  it('gives on every day the evaluation of that day (the stored timeline and the rule agree)', () => {
    fc.assert(
      fc.property(unitArb, day, (u, asOf) => {
        const unit = toUnit(u);
        const segment = timeline(plan(), unit).find((s) => s.from <= asOf && (s.to === null || s.to > asOf));
        expect(segment?.evaluation).toEqual(evaluate(plan(), unit, asOf));
      }),
      { numRuns: 300 },
    );
  });

  it('is not changed on a day by a fact dated after it', () => {
    fc.assert(
      fc.property(unitArb, day, day, (u, asOf, later) => {
        fc.pre(later > asOf);
        const unit = toUnit(u);
        const withLaterSession = { ...unit, sessions: [...unit.sessions, later] };
        const withLaterStudy = { ...unit, members: [...unit.members.slice(1), ...unit.members.slice(0, 1).map((m) => ({ ...m, studiedOn: [...m.studiedOn, later] }))] };
        expect(evaluate(plan(), withLaterSession, asOf)).toEqual(evaluate(plan(), unit, asOf));
        expect(evaluate(plan(), withLaterStudy, asOf)).toEqual(evaluate(plan(), { ...unit, members: [...unit.members.slice(1), ...unit.members.slice(0, 1)] }, asOf));
      }),
      { numRuns: 300 },
    );
  });
});
