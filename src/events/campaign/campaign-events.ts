import { z } from 'zod';
import { businessDate, defineEvent, type EventOf, id, text } from '../event-definition.js';
import { ORG_LEVELS } from '../org/org-unit-events.js';

export const CAMPAIGN_CATEGORY = 'campaign';
export const campaignStream = (campaignId: string): string => `${CAMPAIGN_CATEGORY}-${campaignId}`;

export const REPORT_KINDS = ['study_results', 'semi_annual', 'annual'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

const levels = () => z.array(z.enum(ORG_LEVELS)).min(1).max(ORG_LEVELS.length).refine((l) => new Set(l).size === l.length, 'must not repeat a level');
const ratio = () => z.number().min(0).max(1);

/**
 * What a campaign asks of the units in its subtree (DOMAIN.md §4): each part optional, each
 * naming the levels it applies to, `dueOn` the last permitted day. Data, never code: every
 * year and every province asks differently.
 */
export const requirementsSchema = z.strictObject({
  study: z.strictObject({ dueOn: businessDate().optional(), levels: levels(), minAttendanceRatio: ratio().optional() }).optional(),
  pledge: z
    .strictObject({ dueOn: businessDate().optional(), levels: levels(), minItems: z.number().int().min(0).max(100), minRatio: ratio() })
    .optional(),
  actionPlan: z.strictObject({ dueOn: businessDate().optional(), levels: levels(), minFocalTasks: z.number().int().min(0).max(100) }).optional(),
  implementationPlan: z.strictObject({ dueOn: businessDate().optional(), levels: levels() }).optional(),
  reports: z
    .array(z.strictObject({ kind: z.enum(REPORT_KINDS), dueOn: businessDate().optional(), levels: levels() }))
    .max(REPORT_KINDS.length)
    .refine((r) => new Set(r.map((x) => x.kind)).size === r.length, 'must not name a kind of report twice')
    .optional(),
});
export type Requirements = z.output<typeof requirementsSchema>;

const signatory = () => z.strictObject({ name: text(200), position: text(300) });

/** The plan or guidance document as issued: a copy may lack its number, or the day of its date. */
const planDocument = () =>
  z.strictObject({
    number: text(64).nullable(),
    kind: z.enum(['plan', 'guidance']),
    title: text(500),
    issuedOn: businessDate(),
    /** The date line as the copy writes it, when it is incomplete ("ngày    tháng 2 năm 2020"). */
    dateAsWritten: text(100).nullable(),
    issuedBy: text(300).nullable(),
    signedBy: signatory(),
  });

/** The dates outside `[from, until]` on which a fact of the campaign is refused. */
const factsWindow = () => z.strictObject({ from: businessDate(), until: businessDate() });

/**
 * A provincial federation (or any unit) issues the year's campaign for its subtree. The
 * window of dates its facts may carry is the campaign year (1 January to `endsOn`) unless the
 * plan names another (`acceptsFacts`).
 */
export const CampaignPlanIssued = defineEvent({
  type: 'CampaignPlanIssued',
  schemaVersion: 1,
  schema: z.strictObject({
    campaignId: id(),
    issuingUnitId: id(),
    year: z.number().int().min(1).max(9999),
    theme: text(1000),
    endsOn: businessDate(),
    acceptsFacts: factsWindow(),
    document: planDocument(),
    // A document may be cited without its date ("Chỉ thị số 05-CT/TW của Bộ Chính trị").
    references: z.array(z.strictObject({ number: text(64), issuedOn: businessDate().nullable(), issuer: text(300), title: text(500) })).max(100),
    recipients: z.array(text(300)).max(500),
    materials: z.array(z.strictObject({ title: text(500), url: text(2000).nullable() })).max(200),
    requirements: requirementsSchema,
  }),
  occurredOn: (d) => d.document.issuedOn,
  upcasters: [],
});
export type CampaignPlanIssued = EventOf<typeof CampaignPlanIssued>;

/**
 * Changes a plan from `amendedOn`: each part of `requirements` named replaces that part whole
 * (`null` removes it); the document that amends it, if any, is cited.
 */
export const CampaignPlanAmended = defineEvent({
  type: 'CampaignPlanAmended',
  schemaVersion: 1,
  schema: z.strictObject({
    campaignId: id(),
    amendedOn: businessDate(),
    requirements: z.strictObject({
      study: requirementsSchema.shape.study.unwrap().nullable().optional(),
      pledge: requirementsSchema.shape.pledge.unwrap().nullable().optional(),
      actionPlan: requirementsSchema.shape.actionPlan.unwrap().nullable().optional(),
      implementationPlan: requirementsSchema.shape.implementationPlan.unwrap().nullable().optional(),
      reports: requirementsSchema.shape.reports.unwrap().nullable().optional(),
    }),
    endsOn: businessDate().nullable(),
    acceptsFacts: factsWindow().nullable(),
    reason: text(2000),
    document: z
      .strictObject({ number: text(64).nullable(), title: text(500), issuedOn: businessDate(), signedBy: signatory().nullable() })
      .nullable(),
  }),
  occurredOn: (d) => d.amendedOn,
  upcasters: [],
});
export type CampaignPlanAmended = EventOf<typeof CampaignPlanAmended>;

/** The parts of `requirements` an amendment names replace those parts whole; `null` removes one. */
export function amendRequirements(requirements: Requirements, changes: CampaignPlanAmended['data']['requirements']): Requirements {
  const result: Record<string, unknown> = { ...requirements };
  for (const [part, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    if (value === null) delete result[part];
    else result[part] = value;
  }
  return result as Requirements;
}

export const CAMPAIGN_PLAN_EVENTS = [CampaignPlanIssued, CampaignPlanAmended] as const;
export type CampaignPlanEvent = EventOf<(typeof CAMPAIGN_PLAN_EVENTS)[number]>;
