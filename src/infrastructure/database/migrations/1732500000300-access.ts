import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scope functions as this migration made them, walking the versions row by row: the unit
 * (depth 0) and its ancestors on p_on up to p_scope (`org_unit_chain_on`), whether the scope
 * is among them (`org_unit_within`), and the days around p_on the unit stays within it without
 * a break (`org_unit_within_span`: the chain is unchanged between its versions' boundaries, so
 * it steps from boundary to boundary while the unit is still within). A later migration's
 * `down` puts them back with `CREATE OR REPLACE`.
 */
export const walkingScopeFunctions = (create: 'CREATE' | 'CREATE OR REPLACE'): string[] => [
  `
      ${create} FUNCTION org_unit_chain_on(p_unit uuid, p_scope uuid, p_on date) RETURNS TABLE (unit_id uuid, depth integer)
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        WITH RECURSIVE up AS (
            SELECT p_unit AS unit_id, 0 AS depth
          UNION ALL
            SELECT v.parent_id, up.depth + 1
              FROM up JOIN org_unit_versions v ON v.unit_id = up.unit_id
             WHERE v.valid_from <= p_on AND (v.valid_to IS NULL OR v.valid_to > p_on)
               AND v.parent_id IS NOT NULL AND up.unit_id IS DISTINCT FROM p_scope AND up.depth < 32
        )
        SELECT up.unit_id, up.depth FROM up
      $$`,
  `
      ${create} FUNCTION org_unit_within(p_unit uuid, p_scope uuid, p_on date) RETURNS boolean
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT p_scope IS NULL OR EXISTS (SELECT 1 FROM org_unit_chain_on(p_unit, p_scope, p_on) c WHERE c.unit_id = p_scope)
      $$`,
  `
      ${create} FUNCTION org_unit_within_span(p_unit uuid, p_scope uuid, p_on date) RETURNS daterange
      LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
      DECLARE
        at_date date := p_on;
        boundary date;
        first_day date;
        steps integer := 0;
      BEGIN
        IF p_scope IS NULL THEN RETURN daterange(NULL, NULL); END IF;
        IF NOT org_unit_within(p_unit, p_scope, p_on) THEN RETURN 'empty'::daterange; END IF;
        LOOP
          steps := steps + 1;
          SELECT max(v.valid_from) INTO boundary
            FROM org_unit_chain_on(p_unit, p_scope, at_date) c
            JOIN org_unit_versions v ON v.unit_id = c.unit_id AND v.valid_from <= at_date AND (v.valid_to IS NULL OR v.valid_to > at_date)
           WHERE c.unit_id <> p_scope;
          EXIT WHEN boundary IS NULL OR steps > 500 OR NOT org_unit_within(p_unit, p_scope, boundary - 1);
          at_date := boundary - 1;
        END LOOP;
        first_day := boundary;
        at_date := p_on;
        steps := 0;
        LOOP
          steps := steps + 1;
          SELECT min(v.valid_to) INTO boundary
            FROM org_unit_chain_on(p_unit, p_scope, at_date) c
            JOIN org_unit_versions v ON v.unit_id = c.unit_id AND v.valid_from <= at_date AND (v.valid_to IS NULL OR v.valid_to > at_date)
           WHERE c.unit_id <> p_scope;
          EXIT WHEN boundary IS NULL OR steps > 500 OR NOT org_unit_within(p_unit, p_scope, boundary);
          at_date := boundary;
        END LOOP;
        RETURN daterange(first_day, boundary, '[)');
      END
      $$`,
];

/**
 * Access control in the database: `org_unit_within(unit, scope, on)` answers whether a unit
 * lies in the subtree of `scope` as the hierarchy stood on a business date (a null scope is
 * everything), so that every read-model query can filter by the caller's scope in SQL;
 * `org_unit_within_span(unit, scope, on)` the unbroken stretch of days around `on` it stays
 * there (to clip what a view shows to the caller's time); and the failed authentications
 * counted per client, shared by every instance.
 */
export class Access1732500000300 implements MigrationInterface {
  name = 'Access1732500000300';

  async up(q: QueryRunner): Promise<void> {
    for (const statement of walkingScopeFunctions('CREATE')) await q.query(statement);
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
    await q.query(`DROP FUNCTION org_unit_within_span(uuid, uuid, date)`);
    await q.query(`DROP FUNCTION org_unit_within(uuid, uuid, date)`);
    await q.query(`DROP FUNCTION org_unit_chain_on(uuid, uuid, date)`);
  }
}
