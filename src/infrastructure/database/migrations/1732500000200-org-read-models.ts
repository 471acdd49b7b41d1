import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Read models of the organisation: validity-dated versions of units and memberships
 * (business time), daily member-count deltas per unit, the end (merger or termination) of
 * each unit as the membership view knows it, and the last stream revision each
 * projection applied (to make a replayed event a no-op).
 */
export class OrgReadModels1732500000200 implements MigrationInterface {
  name = 'OrgReadModels1732500000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projected_stream_revisions (
        projection text   NOT NULL,
        stream     text   NOT NULL,
        revision   bigint NOT NULL,
        PRIMARY KEY (projection, stream)
      )`);
    await q.query(`
      CREATE TABLE org_unit_versions (
        unit_id      uuid   NOT NULL,
        valid_from   date   NOT NULL,
        valid_to     date,
        code         text   NOT NULL,
        name         text   NOT NULL,
        kind         text   NOT NULL,
        level        text   NOT NULL,
        parent_id    uuid,
        status       text   NOT NULL CHECK (status IN ('active', 'terminated', 'merged')),
        merged_into  uuid,
        established_on date NOT NULL,
        position     bigint NOT NULL,
        PRIMARY KEY (unit_id, valid_from),
        CHECK (valid_to IS NULL OR valid_to > valid_from)
      )`);
    await q.query(`CREATE INDEX org_unit_versions_parent ON org_unit_versions (parent_id, valid_from)`);
    await q.query(`
      CREATE TABLE member_versions (
        member_id   uuid   NOT NULL,
        valid_from  date   NOT NULL,
        valid_to    date,
        unit_id     uuid   NOT NULL,
        full_name   text   NOT NULL,
        member_code text   NOT NULL,
        joined_on   date   NOT NULL,
        status      text   NOT NULL CHECK (status IN ('active', 'left', 'unit_terminated')),
        position    bigint NOT NULL,
        PRIMARY KEY (member_id, valid_from),
        CHECK (valid_to IS NULL OR valid_to > valid_from)
      )`);
    await q.query(`CREATE INDEX member_versions_unit ON member_versions (unit_id, valid_from)`);
    await q.query(`
      CREATE TABLE membership_unit_ends (
        unit_id     uuid PRIMARY KEY,
        ended_on    date NOT NULL,
        merged_into uuid
      )`);
    await q.query(`
      CREATE TABLE unit_member_deltas (
        unit_id uuid    NOT NULL,
        on_date date    NOT NULL,
        delta   integer NOT NULL,
        PRIMARY KEY (unit_id, on_date)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE unit_member_deltas`);
    await q.query(`DROP TABLE membership_unit_ends`);
    await q.query(`DROP TABLE member_versions`);
    await q.query(`DROP TABLE org_unit_versions`);
    await q.query(`DROP TABLE projected_stream_revisions`);
  }
}
