import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The compliance read model. Its working state (what it knows of units, memberships, plans
 * and facts, as it now stands) and its two bitemporal tables: for every unit and campaign the
 * evaluation over business days (`valid_from`..`valid_to`), and every unit's member count over
 * business days, each row as known from log position `known_from` until `known_to` (null: it
 * is the latest knowledge). A row is never changed but to set `known_to`, once.
 * `compliance_knowledge` says when each change of knowledge the view read (by its last
 * position) was recorded, to read "as known at" a time.
 */
export class Compliance1732500001000 implements MigrationInterface {
  name = 'Compliance1732500001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE compliance_stream_revisions (stream text PRIMARY KEY, revision bigint NOT NULL)`);
    await q.query(`
      CREATE TABLE compliance_units (
        unit_id     uuid PRIMARY KEY,
        level       text NOT NULL,
        ended_on    date,
        merged_into uuid
      )`);
    await q.query(`CREATE INDEX compliance_units_merged_into ON compliance_units (merged_into) WHERE merged_into IS NOT NULL`);
    await q.query(`
      CREATE TABLE compliance_member_spans (
        member_id  uuid NOT NULL,
        valid_from date NOT NULL,
        valid_to   date,
        unit_id    uuid NOT NULL,
        PRIMARY KEY (member_id, valid_from)
      )`);
    await q.query(`CREATE INDEX compliance_member_spans_unit ON compliance_member_spans (unit_id)`);
    await q.query(`
      CREATE TABLE compliance_campaigns (
        campaign_id     uuid PRIMARY KEY,
        issuing_unit_id uuid  NOT NULL,
        issued_on       date  NOT NULL,
        plan            jsonb NOT NULL
      )`);
    await q.query(`
      CREATE TABLE compliance_unit_facts (
        campaign_id uuid  NOT NULL,
        unit_id     uuid  NOT NULL,
        facts       jsonb NOT NULL,
        PRIMARY KEY (campaign_id, unit_id)
      )`);
    await q.query(`
      CREATE TABLE compliance_member_facts (
        campaign_id uuid  NOT NULL,
        member_id   uuid  NOT NULL,
        facts       jsonb NOT NULL,
        PRIMARY KEY (campaign_id, member_id)
      )`);
    await q.query(`CREATE INDEX compliance_member_facts_member ON compliance_member_facts (member_id)`);
    await q.query(`
      CREATE TABLE compliance_sessions (
        session_id  uuid    PRIMARY KEY,
        campaign_id uuid    NOT NULL,
        unit_id     uuid    NOT NULL,
        held_on     date    NOT NULL,
        attendees   uuid[]  NOT NULL,
        voided      boolean NOT NULL DEFAULT false
      )`);
    await q.query(`
      CREATE TABLE compliance_versions (
        campaign_id     uuid    NOT NULL,
        unit_id         uuid    NOT NULL,
        valid_from      date    NOT NULL,
        valid_to        date,
        known_from      bigint  NOT NULL,
        known_to        bigint,
        status          text    NOT NULL,
        requirements    jsonb   NOT NULL,
        members         integer NOT NULL,
        members_studied integer NOT NULL,
        pledges         integer NOT NULL,
        pledges_counted integer NOT NULL,
        late_pledges    integer NOT NULL,
        short_pledges   integer NOT NULL,
        sessions        integer NOT NULL,
        focal_tasks     integer NOT NULL,
        PRIMARY KEY (campaign_id, unit_id, valid_from, known_from),
        CHECK (valid_to IS NULL OR valid_to > valid_from),
        CHECK (known_to IS NULL OR known_to > known_from)
      )`);
    // The latest knowledge, by unit and day: what most questions ask. It carries what a rollup
    // sums, so that a rollup reads the index alone.
    await q.query(
      `CREATE INDEX compliance_versions_latest ON compliance_versions (campaign_id, unit_id, valid_from)
         INCLUDE (valid_to, status, members, members_studied, pledges, pledges_counted, late_pledges, short_pledges, sessions, focal_tasks)
         WHERE known_to IS NULL`,
    );
    await q.query(`CREATE INDEX compliance_versions_unit ON compliance_versions (unit_id, campaign_id) WHERE known_to IS NULL`);
    await q.query(`
      CREATE TABLE unit_member_versions (
        unit_id    uuid    NOT NULL,
        valid_from date    NOT NULL,
        valid_to   date,
        known_from bigint  NOT NULL,
        known_to   bigint,
        members    integer NOT NULL,
        PRIMARY KEY (unit_id, valid_from, known_from),
        CHECK (valid_to IS NULL OR valid_to > valid_from),
        CHECK (known_to IS NULL OR known_to > known_from)
      )`);
    await q.query(
      `CREATE INDEX unit_member_versions_latest ON unit_member_versions (unit_id, valid_from) INCLUDE (valid_to, members) WHERE known_to IS NULL`,
    );
    await q.query(`
      CREATE TABLE compliance_knowledge (
        position    bigint      PRIMARY KEY,
        recorded_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX compliance_knowledge_recorded ON compliance_knowledge (recorded_at, position)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'compliance_knowledge',
      'unit_member_versions',
      'compliance_versions',
      'compliance_sessions',
      'compliance_member_facts',
      'compliance_unit_facts',
      'compliance_campaigns',
      'compliance_member_spans',
      'compliance_units',
      'compliance_stream_revisions',
    ])
      await q.query(`DROP TABLE ${t}`);
  }
}
