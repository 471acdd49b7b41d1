import { z } from 'zod';
import { businessDate, defineEvent, type EventOf, id, text } from '../event-definition.js';
import { REPORT_KINDS, type ReportKind } from './campaign-events.js';

export const REPORT_CATEGORY = 'report';
export const reportStream = (reportId: string): string => `${REPORT_CATEGORY}-${reportId}`;
/** The place of a unit's one report of a kind in a campaign: corrections go through amendments. */
export const REPORT_SLOT_CATEGORY = 'reportSlot';
export const reportSlotStream = (campaignId: string, unitId: string, kind: ReportKind): string => `${REPORT_SLOT_CATEGORY}-${campaignId}_${unitId}_${kind}`;

/** The figures a report may declare (each a count), reconciled later against the events. */
export const REPORT_FIGURES = [
  'unitsOrganisedStudy',
  'sessions',
  'membersStudied',
  'pledgesFiled',
  'actionPlansAdopted',
  'focalTasks',
  'exemplaryModels',
  'commendationsProposed',
] as const;
export type ReportFigure = (typeof REPORT_FIGURES)[number];

const count = () => z.number().int().min(0).max(100_000_000);
export const reportFiguresSchema = z.strictObject(Object.fromEntries(REPORT_FIGURES.map((f) => [f, count().optional()])) as Record<ReportFigure, z.ZodOptional<z.ZodNumber>>);

/** What every event of a report names: the report, its campaign, the reporting unit and the kind. */
const ofReport = { reportId: id(), campaignId: id(), unitId: id(), kind: z.enum(REPORT_KINDS) };

/** A unit reports to its parent as the hierarchy stood on `submittedOn` (`submittedTo`). */
export const ReportSubmitted = defineEvent({
  type: 'ReportSubmitted',
  schemaVersion: 1,
  schema: z.strictObject({
    ...ofReport,
    submittedTo: id(),
    submittedOn: businessDate(),
    figures: reportFiguresSchema,
    narrative: text(20_000),
  }),
  occurredOn: (d) => d.submittedOn,
  upcasters: [],
});
export type ReportSubmitted = EventOf<typeof ReportSubmitted>;

/**
 * The report as amended (figures and narrative as they now stand). An amendment of a
 * returned report submits it again.
 */
export const ReportAmended = defineEvent({
  type: 'ReportAmended',
  schemaVersion: 1,
  schema: z.strictObject({
    ...ofReport,
    submittedTo: id(),
    amendedOn: businessDate(),
    figures: reportFiguresSchema,
    narrative: text(20_000),
    reason: text(2000),
    resubmits: z.boolean(),
  }),
  occurredOn: (d) => d.amendedOn,
  upcasters: [],
});
export type ReportAmended = EventOf<typeof ReportAmended>;

export const ReportAcknowledged = defineEvent({
  type: 'ReportAcknowledged',
  schemaVersion: 1,
  schema: z.strictObject({ ...ofReport, receivedBy: id(), acknowledgedOn: businessDate() }),
  occurredOn: (d) => d.acknowledgedOn,
  upcasters: [],
});
export type ReportAcknowledged = EventOf<typeof ReportAcknowledged>;

export const ReportReturned = defineEvent({
  type: 'ReportReturned',
  schemaVersion: 1,
  schema: z.strictObject({
    ...ofReport,
    receivedBy: id(),
    returnedOn: businessDate(),
    reason: text(2000),
  }),
  occurredOn: (d) => d.returnedOn,
  upcasters: [],
});
export type ReportReturned = EventOf<typeof ReportReturned>;

/** The unit's report of a kind in the campaign is `reportId`. */
export const ReportSlotClaimed = defineEvent({
  type: 'ReportSlotClaimed',
  schemaVersion: 1,
  schema: z.strictObject({ campaignId: id(), unitId: id(), kind: z.enum(REPORT_KINDS), reportId: id(), claimedOn: businessDate() }),
  occurredOn: (d) => d.claimedOn,
  upcasters: [],
});
export type ReportSlotClaimed = EventOf<typeof ReportSlotClaimed>;

export const REPORT_EVENTS = [ReportSubmitted, ReportAmended, ReportAcknowledged, ReportReturned] as const;
export type ReportEvent = EventOf<(typeof REPORT_EVENTS)[number]>;
export const REPORT_SLOT_EVENTS = [ReportSlotClaimed] as const;
export type ReportSlotEvent = EventOf<(typeof REPORT_SLOT_EVENTS)[number]>;
