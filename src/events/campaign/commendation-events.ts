import { z } from 'zod';
import { businessDate, defineEvent, type EventOf, id, text } from '../event-definition.js';

export const COMMENDATION_CATEGORY = 'commendation';
export const commendationStream = (commendationId: string): string => `${COMMENDATION_CATEGORY}-${commendationId}`;

/** Người tốt, việc tốt · điển hình tiên tiến · mô hình hay, cách làm hiệu quả. */
export const COMMENDATION_CATEGORIES = ['good_deed', 'advanced_model', 'effective_practice'] as const;
/** Biểu dương · Giấy khen · Bằng khen, from the lowest. */
export const AWARD_FORMS = ['public_praise', 'certificate_of_merit', 'diploma_of_merit'] as const;
export const REVIEW_OUTCOMES = ['endorsed', 'returned'] as const;
export const DECISION_OUTCOMES = ['granted', 'rejected', 'escalated'] as const;

/** What every later event of a proposal names: the proposal, its campaign and the proposing unit. */
const ofProposal = { commendationId: id(), campaignId: id(), proposingUnitId: id() };

const dossier = () => z.array(z.strictObject({ title: text(500), ref: text(300).nullable() })).min(1).max(50);

export const CommendationProposed = defineEvent({
  type: 'CommendationProposed',
  schemaVersion: 1,
  schema: z.strictObject({
    ...ofProposal,
    nominee: z.strictObject({ type: z.enum(['member', 'unit']), id: id(), name: text(300) }),
    category: z.enum(COMMENDATION_CATEGORIES),
    awardForm: z.enum(AWARD_FORMS),
    achievements: text(20_000),
    dossier: dossier(),
    proposedOn: businessDate(),
  }),
  occurredOn: (d) => d.proposedOn,
  upcasters: [],
});
export type CommendationProposed = EventOf<typeof CommendationProposed>;

export const CommendationReviewed = defineEvent({
  type: 'CommendationReviewed',
  schemaVersion: 1,
  schema: z.strictObject({
    ...ofProposal,
    outcome: z.enum(REVIEW_OUTCOMES),
    note: text(2000).nullable(),
    reviewedOn: businessDate(),
  }),
  occurredOn: (d) => d.reviewedOn,
  upcasters: [],
});
export type CommendationReviewed = EventOf<typeof CommendationReviewed>;

/** A returned proposal submitted again, its dossier completed. */
export const CommendationResubmitted = defineEvent({
  type: 'CommendationResubmitted',
  schemaVersion: 1,
  schema: z.strictObject({
    ...ofProposal,
    achievements: text(20_000),
    dossier: dossier(),
    resubmittedOn: businessDate(),
    note: text(2000),
  }),
  occurredOn: (d) => d.resubmittedOn,
  upcasters: [],
});
export type CommendationResubmitted = EventOf<typeof CommendationResubmitted>;

export const CommendationDecided = defineEvent({
  type: 'CommendationDecided',
  schemaVersion: 1,
  schema: z.strictObject({
    ...ofProposal,
    outcome: z.enum(DECISION_OUTCOMES),
    decisionNumber: text(64).nullable(),
    decidedOn: businessDate(),
  }),
  occurredOn: (d) => d.decidedOn,
  upcasters: [],
});
export type CommendationDecided = EventOf<typeof CommendationDecided>;

export const COMMENDATION_EVENTS = [CommendationProposed, CommendationReviewed, CommendationResubmitted, CommendationDecided] as const;
export type CommendationEvent = EventOf<(typeof COMMENDATION_EVENTS)[number]>;
