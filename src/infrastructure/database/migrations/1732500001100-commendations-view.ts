import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The commendation pipeline: every step of every proposal (proposed, reviewed, resubmitted,
 * decided) as a row of its own, with its business date, log position and recording time; a proposal's status
 * as of a date and as known at a position is its last step by both. Rows are only added.
 */
export class CommendationsView1732500001100 implements MigrationInterface {
  name = 'CommendationsView1732500001100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE commendations_stream_revisions (stream text PRIMARY KEY, revision bigint NOT NULL)`);
    await q.query(`
      CREATE TABLE commendation_steps (
        commendation_id   uuid   NOT NULL,
        position          bigint NOT NULL,
        recorded_at       timestamptz NOT NULL,
        campaign_id       uuid   NOT NULL,
        proposing_unit_id uuid   NOT NULL,
        nominee           jsonb  NOT NULL,
        category          text   NOT NULL,
        award_form        text   NOT NULL,
        on_date           date   NOT NULL,
        status            text   NOT NULL CHECK (status IN ('proposed', 'endorsed', 'returned', 'granted', 'rejected', 'escalated')),
        decision_number   text,
        PRIMARY KEY (commendation_id, position)
      )`);
    await q.query(`CREATE INDEX commendation_steps_campaign ON commendation_steps (campaign_id, proposing_unit_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE commendation_steps`);
    await q.query(`DROP TABLE commendations_stream_revisions`);
  }
}
