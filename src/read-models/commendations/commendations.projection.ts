import type { EntityManager } from 'typeorm';
import type { EventOfType } from '../../events/event-catalogue.js';
import type { StoredDomainEvent } from '../../infrastructure/event-store/domain-events.js';
import type { Projection } from '../../infrastructure/projections/projection.js';
import { unappliedEvents } from '../shared/stream-revisions.js';

export const COMMENDATIONS_PROJECTION = 'commendations';

const STREAM_REVISIONS = 'commendations_stream_revisions';
const HANDLES = ['CommendationProposed', 'CommendationReviewed', 'CommendationResubmitted', 'CommendationDecided'] as const;
type CommendationEvent = StoredDomainEvent<EventOfType<(typeof HANDLES)[number]>>;

/**
 * Each step of a proposal as a row: its status from the step's date on, known from the
 * step's position. The proposal's particulars (nominee, category, award form) are copied from
 * its proposal onto every step, so that one row answers a question.
 */
export class CommendationsProjection implements Projection<(typeof HANDLES)[number]> {
  readonly name = COMMENDATIONS_PROJECTION;
  readonly handles = HANDLES;
  readonly tables = ['commendation_steps', STREAM_REVISIONS];

  async apply(events: readonly CommendationEvent[], m: EntityManager): Promise<void> {
    for (const e of await unappliedEvents(m, STREAM_REVISIONS, events)) {
      const pos = e.position.toString();
      const at = e.recordedAt;
      if (e.type === 'CommendationProposed') {
        const d = e.data;
        await m.query(
          `INSERT INTO commendation_steps (commendation_id, position, recorded_at, campaign_id, proposing_unit_id, nominee, category, award_form, on_date, status)
           VALUES ($1, $2, $9, $3, $4, $5, $6, $7, $8, 'proposed') ON CONFLICT DO NOTHING`,
          [d.commendationId, pos, d.campaignId, d.proposingUnitId, JSON.stringify(d.nominee), d.category, d.awardForm, d.proposedOn, at],
        );
        continue;
      }
      const [on, status, decision] =
        e.type === 'CommendationReviewed'
          ? [e.data.reviewedOn, e.data.outcome, null]
          : e.type === 'CommendationResubmitted'
            ? [e.data.resubmittedOn, 'proposed', null]
            : [e.data.decidedOn, e.data.outcome, e.data.decisionNumber];
      await m.query(
        `INSERT INTO commendation_steps (commendation_id, position, recorded_at, campaign_id, proposing_unit_id, nominee, category, award_form, on_date, status, decision_number)
         SELECT commendation_id, $2, $6, campaign_id, proposing_unit_id, nominee, category, award_form, $3, $4, $5
           FROM commendation_steps WHERE commendation_id = $1 ORDER BY position LIMIT 1
         ON CONFLICT DO NOTHING`,
        [e.data.commendationId, pos, on, status, decision, at],
      );
    }
  }
}
