import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Access control in the database: `org_unit_within(unit, scope, on)` answers whether a unit
 * lies in the subtree of `scope` as the hierarchy stood on a business date (a null scope is
 * everything), so that every read-model query can filter by the caller's scope in SQL; and
 * the failed authentications counted per client, shared by every instance.
 */
export class Access1732500000300 implements MigrationInterface {
  name = 'Access1732500000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION org_unit_within(p_unit uuid, p_scope uuid, p_on date) RETURNS boolean
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        WITH RECURSIVE up AS (
            SELECT p_unit AS unit_id, 0 AS depth
          UNION ALL
            SELECT v.parent_id, up.depth + 1
              FROM up JOIN org_unit_versions v ON v.unit_id = up.unit_id
             WHERE v.valid_from <= p_on AND (v.valid_to IS NULL OR v.valid_to > p_on)
               AND v.parent_id IS NOT NULL AND up.unit_id <> p_scope AND up.depth < 32
        )
        SELECT p_scope IS NULL OR EXISTS (SELECT 1 FROM up WHERE up.unit_id = p_scope)
      $$`);
    await q.query(`
      CREATE TABLE auth_failures (
        client       text        NOT NULL,
        window_start timestamptz NOT NULL,
        failures     integer     NOT NULL,
        PRIMARY KEY (client, window_start)
      )`);
    await q.query(`CREATE INDEX auth_failures_window ON auth_failures (window_start)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE auth_failures`);
    await q.query(`DROP FUNCTION org_unit_within(uuid, uuid, date)`);
  }
}
