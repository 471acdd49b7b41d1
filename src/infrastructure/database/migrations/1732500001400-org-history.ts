import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What the organisation views knew when: every version of a unit, of its place in the
 * hierarchy (the dated closure) and of a membership that was ever the latest knowledge, with
 * the log position from which it was known (`known_from`) and the one at which later
 * knowledge replaced it (`known_to`, null: still the latest). Rows are only inserted, and
 * closed once. `org_knowledge` and `membership_knowledge` record when each position that
 * changed them was recorded. The latest-knowledge tables stay as they are, for the questions
 * asked as known now.
 */
export class OrgHistory1732500001400 implements MigrationInterface {
  name = 'OrgHistory1732500001400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE org_unit_history (
        unit_id        uuid   NOT NULL,
        valid_from     date   NOT NULL,
        valid_to       date,
        code           text   NOT NULL,
        name           text   NOT NULL,
        kind           text   NOT NULL,
        level          text   NOT NULL,
        parent_id      uuid,
        status         text   NOT NULL,
        merged_into    uuid,
        established_on date   NOT NULL,
        known_from     bigint NOT NULL,
        known_to       bigint,
        PRIMARY KEY (unit_id, valid_from, known_from),
        CHECK (known_to IS NULL OR known_to > known_from)
      )`);
    await q.query(`CREATE INDEX org_unit_history_parent ON org_unit_history (parent_id, valid_from)`);
    await q.query(`
      CREATE TABLE org_unit_closure_history (
        ancestor_id   uuid   NOT NULL,
        descendant_id uuid   NOT NULL,
        valid_from    date   NOT NULL,
        valid_to      date,
        known_from    bigint NOT NULL,
        known_to      bigint,
        PRIMARY KEY (ancestor_id, descendant_id, valid_from, known_from),
        CHECK (known_to IS NULL OR known_to > known_from)
      )`);
    await q.query(`CREATE INDEX org_unit_closure_history_descendant ON org_unit_closure_history (descendant_id) WHERE known_to IS NULL`);
    await q.query(`CREATE TABLE org_knowledge (position bigint PRIMARY KEY, recorded_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX org_knowledge_recorded ON org_knowledge (recorded_at, position)`);
    await q.query(`CREATE INDEX org_unit_versions_position ON org_unit_versions (position)`);

    await q.query(`
      CREATE TABLE member_history (
        member_id   uuid   NOT NULL,
        valid_from  date   NOT NULL,
        valid_to    date,
        unit_id     uuid   NOT NULL,
        full_name   text   NOT NULL,
        member_code text   NOT NULL,
        joined_on   date   NOT NULL,
        status      text   NOT NULL,
        known_from  bigint NOT NULL,
        known_to    bigint,
        PRIMARY KEY (member_id, valid_from, known_from),
        CHECK (known_to IS NULL OR known_to > known_from)
      )`);
    await q.query(`CREATE TABLE membership_knowledge (position bigint PRIMARY KEY, recorded_at timestamptz NOT NULL)`);
    await q.query(`CREATE INDEX membership_knowledge_recorded ON membership_knowledge (recorded_at, position)`);
    await q.query(`CREATE INDEX member_versions_position ON member_versions (position)`);

    // What the views knew before this migration, known from the position they had reached.
    await q.query(`
      INSERT INTO org_unit_history (unit_id, valid_from, valid_to, code, name, kind, level, parent_id, status, merged_into, established_on, known_from)
      SELECT unit_id, valid_from, valid_to, code, name, kind, level, parent_id, status, merged_into, established_on,
             coalesce((SELECT position FROM projection_checkpoints WHERE projection = 'org-structure'), 0)
        FROM org_unit_versions`);
    await q.query(`
      INSERT INTO org_unit_closure_history (ancestor_id, descendant_id, valid_from, valid_to, known_from)
      SELECT ancestor_id, descendant_id, valid_from, valid_to, coalesce((SELECT position FROM projection_checkpoints WHERE projection = 'org-structure'), 0)
        FROM org_unit_closure`);
    await q.query(`
      INSERT INTO member_history (member_id, valid_from, valid_to, unit_id, full_name, member_code, joined_on, status, known_from)
      SELECT member_id, valid_from, valid_to, unit_id, full_name, member_code, joined_on, status,
             coalesce((SELECT position FROM projection_checkpoints WHERE projection = 'membership'), 0)
        FROM member_versions`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX member_versions_position`);
    await q.query(`DROP INDEX org_unit_versions_position`);
    for (const t of ['membership_knowledge', 'member_history', 'org_knowledge', 'org_unit_closure_history', 'org_unit_history']) await q.query(`DROP TABLE ${t}`);
  }
}
