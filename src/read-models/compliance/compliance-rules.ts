import type { ReportKind, Requirements } from '../../events/campaign/campaign-events.js';
import type { OrgLevel } from '../../events/org/org-unit-events.js';

/**
 * How a unit stands against a campaign on a business date (DOMAIN.md §4), as a pure
 * function of the facts known about it. The compliance projection evaluates it at every date
 * where anything can change and stores the result as a timeline; snapshots, their
 * verification and every view read those timelines.
 */

export const COMPLIANCE_STATUSES = ['met', 'met_late', 'pending', 'missed', 'not_applicable'] as const;
export type ComplianceStatus = (typeof COMPLIANCE_STATUSES)[number];

/** The plan's requirements from a date on (the plan as issued, then each amendment from its `amendedOn`). */
export interface PlanVersion {
  readonly from: string;
  readonly endsOn: string;
  readonly requirements: Requirements;
}

export interface CampaignPlan {
  readonly issuedOn: string;
  /** Sorted by `from`; the first starts on `issuedOn`. */
  readonly versions: readonly PlanVersion[];
}

/** A span of days [from, to) during which a member belongs to the unit; `to` null: still. */
export interface Span {
  readonly from: string;
  readonly to: string | null;
}

export interface PledgeFacts {
  readonly submittedOn: string;
  /** The number of items from each date on: the submission, then each revision, by date. */
  readonly items: readonly { readonly on: string; readonly count: number }[];
  readonly withdrawnOn: string | null;
}

export interface MemberFacts {
  /** When the member belongs to the unit (after mergers and ends). */
  readonly spans: readonly Span[];
  /** The days of the (not voided) study sessions of the campaign the member attended, any unit's. */
  readonly studiedOn: readonly string[];
  /** Every pledge the member filed for the campaign (a new one may follow a withdrawn one). */
  readonly pledges: readonly PledgeFacts[];
}

/** A report's standing from a date on: since when it stands (its submission or re-submission), or null (returned). */
export interface ReportStep {
  readonly on: string;
  readonly standingSince: string | null;
}

export interface UnitFacts {
  readonly level: OrgLevel;
  /** The days of the unit's own sessions, not voided. */
  readonly sessions: readonly string[];
  readonly implementationPlanOn: string | null;
  readonly actionPlan: { readonly adoptedOn: string; readonly focalTasks: number } | null;
  /** Each kind's steps, by date. */
  readonly reports: Readonly<Partial<Record<ReportKind, readonly ReportStep[]>>>;
  readonly members: readonly MemberFacts[];
}

export interface RequirementResult {
  readonly code: string;
  readonly status: ComplianceStatus;
  readonly dueOn: string;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly satisfiedOn: string | null;
}

export interface Figures {
  readonly members: number;
  readonly membersStudied: number;
  readonly pledges: number;
  readonly latePledges: number;
  readonly shortPledges: number;
  /** Pledges that count towards the pledge requirement (not withdrawn, not short). */
  readonly pledgesCounted: number;
  readonly sessions: number;
  readonly focalTasks: number;
}

export interface Evaluation {
  readonly status: ComplianceStatus;
  readonly requirements: readonly RequirementResult[];
  readonly figures: Figures;
}

const onOrBefore = (a: string, b: string): boolean => a <= b;
const minDate = (a: string, b: string): string => (a < b ? a : b);
const maxDate = (a: string, b: string): string => (a > b ? a : b);
const within = (span: Span, day: string): boolean => span.from <= day && (span.to === null || span.to > day);
const memberOn = (m: MemberFacts, day: string): boolean => m.spans.some((s) => within(s, day));

/** The plan in effect on `day` (null before it was issued). */
export function planOn(plan: CampaignPlan, day: string): PlanVersion | null {
  let current: PlanVersion | null = null;
  for (const v of plan.versions) if (v.from <= day) current = v;
  return current;
}

/** The overall status from the statuses of the requirements (DOMAIN.md §4). */
export function overallStatus(statuses: readonly ComplianceStatus[]): ComplianceStatus {
  const applicable = statuses.filter((s) => s !== 'not_applicable');
  if (applicable.length === 0) return 'not_applicable';
  for (const s of ['missed', 'met_late', 'pending'] as const) if (applicable.includes(s)) return s;
  return 'met';
}

function statusOf(satisfiedOn: string | null, dueOn: string, asOf: string): { status: ComplianceStatus; satisfiedOn: string | null } {
  if (satisfiedOn !== null && onOrBefore(satisfiedOn, asOf)) return { status: satisfiedOn <= dueOn ? 'met' : 'met_late', satisfiedOn };
  return { status: dueOn > asOf ? 'pending' : 'missed', satisfiedOn: null };
}

/** The k-th earliest day (1-based) of `days`, or null when there are fewer. */
function kth(days: readonly string[], k: number): string | null {
  if (k > days.length) return null;
  return [...days].sort()[k - 1] ?? null;
}

/** The smallest count of `total` reaching `ratio` (0 < ratio ≤ 1), robust to binary fractions. */
export const needed = (ratio: number, total: number): number => Math.max(1, Math.ceil(ratio * total - 1e-9));

const ratioOf = (part: number, total: number): number => (total === 0 ? 0 : part / total);

const earliest = (days: readonly (string | null)[]): string | null =>
  days.reduce<string | null>((a, d) => (d === null ? a : a === null || d < a ? d : a), null);

/** The items a pledge has on `day` (0 before it was submitted). */
function itemsOn(p: PledgeFacts, day: string): number {
  let count = 0;
  for (const step of p.items) if (step.on <= day) count = step.count;
  return count;
}

/**
 * The day from which a pledge counts, as the facts dated up to `asOf` have it: submitted,
 * not withdrawn, and with at least `minItems` items ever since; null when it does not count.
 */
function pledgeCountsFrom(p: PledgeFacts, minItems: number, asOf: string): string | null {
  if (p.submittedOn > asOf) return null;
  if (p.withdrawnOn !== null && p.withdrawnOn <= asOf) return null;
  let since: string | null = null;
  for (const step of p.items) {
    if (step.on > asOf) break;
    if (step.count >= minItems) since ??= maxDate(step.on, p.submittedOn);
    else since = null;
  }
  return since;
}

function standingSince(steps: readonly ReportStep[] | undefined, asOf: string): string | null {
  let since: string | null = null;
  for (const step of steps ?? []) if (step.on <= asOf) since = step.standingSince;
  return since;
}

const notApplicable = (code: string, dueOn: string, threshold: number | null): RequirementResult => ({
  code,
  status: 'not_applicable',
  dueOn,
  value: null,
  threshold,
  satisfiedOn: null,
});

/** How the unit stands on `asOf` under the plan in effect that day (which must exist). */
export function evaluate(plan: CampaignPlan, unit: UnitFacts, asOf: string): Evaluation {
  const version = planOn(plan, asOf);
  if (version === null) throw new Error(`the campaign was not issued yet on ${asOf}`);
  const { requirements: r, endsOn } = version;
  const results: RequirementResult[] = [];
  const applies = (levels: readonly string[]): boolean => levels.includes(unit.level);
  const membersOn = (day: string): MemberFacts[] => unit.members.filter((m) => memberOn(m, day));
  const sessionsBy = (day: string): string[] => unit.sessions.filter((s) => s <= day);

  if (r.study) {
    const dueOn = r.study.dueOn ?? endsOn;
    const ratio = r.study.minAttendanceRatio;
    const threshold = ratio ?? 1;
    if (!applies(r.study.levels) || threshold === 0) results.push(notApplicable('study', dueOn, threshold));
    else {
      const sessions = sessionsBy(asOf);
      const firstSession = sessions.length > 0 ? [...sessions].sort()[0]! : null;
      let satisfied: string | null = firstSession;
      let value: number = sessions.length;
      if (ratio !== undefined) {
        const group = membersOn(minDate(dueOn, asOf));
        const studied = group.map((m) => m.studiedOn.filter((d) => d <= asOf).sort()[0]).filter((d): d is string => d !== undefined);
        value = ratioOf(studied.length, group.length);
        const kthStudied = group.length === 0 ? null : kth(studied, needed(ratio, group.length));
        satisfied = firstSession === null || kthStudied === null ? null : maxDate(firstSession, kthStudied);
      }
      results.push({ code: 'study', dueOn, value, threshold, ...statusOf(satisfied, dueOn, asOf) });
    }
  }

  if (r.pledge) {
    const dueOn = r.pledge.dueOn ?? endsOn;
    const threshold = r.pledge.minRatio;
    if (!applies(r.pledge.levels) || threshold === 0) results.push(notApplicable('pledges', dueOn, threshold));
    else {
      const group = membersOn(minDate(dueOn, asOf));
      const counting = group
        .map((m) => earliest(m.pledges.map((p) => pledgeCountsFrom(p, r.pledge!.minItems, asOf))))
        .filter((d): d is string => d !== null);
      const satisfied = group.length === 0 ? null : kth(counting, needed(threshold, group.length));
      results.push({ code: 'pledges', dueOn, value: ratioOf(counting.length, group.length), threshold, ...statusOf(satisfied, dueOn, asOf) });
    }
  }

  const plan$ = unit.actionPlan !== null && unit.actionPlan.adoptedOn <= asOf ? unit.actionPlan : null;
  if (r.actionPlan) {
    const dueOn = r.actionPlan.dueOn ?? endsOn;
    if (!applies(r.actionPlan.levels)) results.push(notApplicable('action_plan', dueOn, 1));
    else results.push({ code: 'action_plan', dueOn, value: plan$ ? 1 : 0, threshold: 1, ...statusOf(plan$?.adoptedOn ?? null, dueOn, asOf) });
    const min = r.actionPlan.minFocalTasks;
    if (!applies(r.actionPlan.levels) || min === 0) results.push(notApplicable('focal_tasks', dueOn, min));
    else {
      const satisfied = plan$ !== null && plan$.focalTasks >= min ? plan$.adoptedOn : null;
      results.push({ code: 'focal_tasks', dueOn, value: plan$?.focalTasks ?? 0, threshold: min, ...statusOf(satisfied, dueOn, asOf) });
    }
  }

  if (r.implementationPlan) {
    const dueOn = r.implementationPlan.dueOn ?? endsOn;
    if (!applies(r.implementationPlan.levels)) results.push(notApplicable('implementation_plan', dueOn, 1));
    else {
      const issued = unit.implementationPlanOn !== null && unit.implementationPlanOn <= asOf ? unit.implementationPlanOn : null;
      results.push({ code: 'implementation_plan', dueOn, value: issued ? 1 : 0, threshold: 1, ...statusOf(issued, dueOn, asOf) });
    }
  }

  for (const report of r.reports ?? []) {
    const code = `report_${report.kind}`;
    const dueOn = report.dueOn ?? endsOn;
    if (!applies(report.levels)) results.push(notApplicable(code, dueOn, 1));
    else {
      const since = standingSince(unit.reports[report.kind], asOf);
      results.push({ code, dueOn, value: since ? 1 : 0, threshold: 1, ...statusOf(since, dueOn, asOf) });
    }
  }

  return { status: overallStatus(results.map((x) => x.status)), requirements: results, figures: figuresOn(unit, r, endsOn, asOf) };
}

function figuresOn(unit: UnitFacts, r: Requirements, endsOn: string, asOf: string): Figures {
  const members = unit.members.filter((m) => memberOn(m, asOf));
  const minItems = r.pledge?.minItems ?? 0;
  const pledgeDue = r.pledge?.dueOn ?? endsOn;
  let pledges = 0;
  let late = 0;
  let short = 0;
  let counted = 0;
  for (const m of members) {
    // The pledge standing on asOf: filed by then and not withdrawn by then (one at a time).
    const p = m.pledges.find((x) => x.submittedOn <= asOf && (x.withdrawnOn === null || x.withdrawnOn > asOf));
    if (!p) continue;
    pledges++;
    if (p.submittedOn > pledgeDue) late++;
    if (itemsOn(p, asOf) < minItems) short++;
    else counted++;
  }
  return {
    members: members.length,
    membersStudied: members.filter((m) => m.studiedOn.some((d) => d <= asOf)).length,
    pledges,
    latePledges: late,
    shortPledges: short,
    pledgesCounted: counted,
    sessions: unit.sessions.filter((s) => s <= asOf).length,
    focalTasks: unit.actionPlan !== null && unit.actionPlan.adoptedOn <= asOf ? unit.actionPlan.focalTasks : 0,
  };
}

/** One stretch of days [from, to) over which the evaluation stays the same. */
export interface Segment {
  readonly from: string;
  readonly to: string | null;
  readonly evaluation: Evaluation;
}

/**
 * Every date on which the evaluation can change: the plan's issue, amendments and due dates,
 * and the date of every fact and of every change of membership (those before the issue count
 * from the issue).
 */
function breakpoints(plan: CampaignPlan, unit: UnitFacts): string[] {
  const days = new Set<string>();
  const add = (d: string | null | undefined): void => {
    if (d) days.add(maxDate(d, plan.issuedOn));
  };
  for (const v of plan.versions) {
    add(v.from);
    add(v.endsOn);
    const r = v.requirements;
    add(r.study?.dueOn);
    add(r.pledge?.dueOn);
    add(r.actionPlan?.dueOn);
    add(r.implementationPlan?.dueOn);
    for (const rep of r.reports ?? []) add(rep.dueOn);
  }
  unit.sessions.forEach(add);
  add(unit.implementationPlanOn);
  add(unit.actionPlan?.adoptedOn);
  for (const steps of Object.values(unit.reports)) for (const s of steps ?? []) add(s.on);
  for (const m of unit.members) {
    for (const s of m.spans) {
      add(s.from);
      add(s.to);
    }
    m.studiedOn.forEach(add);
    for (const p of m.pledges) {
      add(p.submittedOn);
      add(p.withdrawnOn);
      for (const step of p.items) add(step.on);
    }
  }
  return [...days].sort();
}

/** The unit's evaluation on every day from the plan's issue on, as maximal stretches. */
export function timeline(plan: CampaignPlan, unit: UnitFacts): Segment[] {
  const segments: { from: string; evaluation: Evaluation; key: string }[] = [];
  for (const day of breakpoints(plan, unit)) {
    const evaluation = evaluate(plan, unit, day);
    const key = JSON.stringify(evaluation);
    if (segments.at(-1)?.key !== key) segments.push({ from: day, evaluation, key });
  }
  return segments.map((s, i) => ({ from: s.from, to: segments[i + 1]?.from ?? null, evaluation: s.evaluation }));
}

/** Members of a unit over time, for its member counts, whatever the campaign. */
export function memberCountTimeline(spans: readonly Span[]): { from: string; to: string | null; members: number }[] {
  const deltas = new Map<string, number>();
  for (const s of spans) {
    deltas.set(s.from, (deltas.get(s.from) ?? 0) + 1);
    if (s.to !== null) deltas.set(s.to, (deltas.get(s.to) ?? 0) - 1);
  }
  const days = [...deltas.keys()].sort();
  const out: { from: string; to: string | null; members: number }[] = [];
  let count = 0;
  for (const day of days) {
    count += deltas.get(day)!;
    if (out.at(-1)?.members === count) continue;
    out.push({ from: day, to: null, members: count });
  }
  return out.map((s, i) => ({ ...s, to: out[i + 1]?.from ?? null }));
}
