import type { MigrationInterface, QueryRunner } from 'typeorm';
import { walkingScopeFunctions } from './1732500000300-access.js';

/**
 * A dated closure of the hierarchy: one row per maximal unbroken range of days during which
 * `ancestor_id` is on the chain of `descendant_id` (the unit itself, the parent of its
 * version valid that day, that parent's parent on the same day, and so on). A unit is its
 * own ancestor over its versions' span. Kept by the org-structure projection in the
 * transaction of each batch; the scope functions and subtree queries read it instead of
 * walking the versions row by row.
 */
export class OrgUnitClosure1732500000400 implements MigrationInterface {
  name = 'OrgUnitClosure1732500000400';

  async up(q: QueryRunner): Promise<void> {
    // The key answers "is D under A on X" (and, by its prefix, "all descendants of A on X")
    // from the index alone; the second index answers "the chain of D on X".
    await q.query(`
      CREATE TABLE org_unit_closure (
        ancestor_id   uuid NOT NULL,
        descendant_id uuid NOT NULL,
        valid_from    date NOT NULL,
        valid_to      date,
        CONSTRAINT org_unit_closure_pkey PRIMARY KEY (ancestor_id, descendant_id, valid_from) INCLUDE (valid_to),
        CHECK (valid_to IS NULL OR valid_to > valid_from)
      )`);
    await q.query(`CREATE INDEX org_unit_closure_descendant ON org_unit_closure (descendant_id, valid_from) INCLUDE (ancestor_id, valid_to)`);

    // Backfill: the walk the projection refreshes the closure with (frozen here as of this
    // migration), for every unit.
    await q.query(`
      WITH RECURSIVE walk (descendant_id, ancestor_id, during, depth) AS (
          SELECT v.unit_id, v.unit_id, daterange(v.valid_from, v.valid_to), 0 FROM org_unit_versions v
        UNION ALL
          SELECT w.descendant_id, v.parent_id, w.during * daterange(v.valid_from, v.valid_to), w.depth + 1
            FROM walk w JOIN org_unit_versions v
              ON v.unit_id = w.ancestor_id AND v.parent_id IS NOT NULL AND daterange(v.valid_from, v.valid_to) && w.during
           WHERE w.depth < 32
      )
      INSERT INTO org_unit_closure (ancestor_id, descendant_id, valid_from, valid_to)
      SELECT ancestor_id, descendant_id, lower(r), upper(r)
        FROM (SELECT ancestor_id, descendant_id, unnest(range_agg(during ORDER BY during)) AS r FROM walk GROUP BY ancestor_id, descendant_id) spans`);

    // The unit (depth 0) and its ancestors on p_on, up to p_scope (included, when reached).
    // The depth of an ancestor is the length of the unit's chain less that of its own (an
    // ancestor with no version that day is the top of the chain: 1).
    await q.query(`
      CREATE OR REPLACE FUNCTION org_unit_chain_on(p_unit uuid, p_scope uuid, p_on date) RETURNS TABLE (unit_id uuid, depth integer)
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        WITH chain AS (
            SELECT c.ancestor_id AS unit_id FROM org_unit_closure c
             WHERE c.descendant_id = p_unit AND c.valid_from <= p_on AND (c.valid_to IS NULL OR c.valid_to > p_on)
          UNION
            SELECT p_unit
        ),
        ranked AS (
          SELECT chain.unit_id,
                 ((SELECT count(*) FROM chain) - greatest(1, (
                    SELECT count(*) FROM org_unit_closure a
                     WHERE a.descendant_id = chain.unit_id AND a.valid_from <= p_on AND (a.valid_to IS NULL OR a.valid_to > p_on))))::integer AS depth
            FROM chain
        )
        SELECT r.unit_id, r.depth FROM ranked r
         WHERE r.depth <= coalesce((SELECT s.depth FROM ranked s WHERE s.unit_id = p_scope), 2147483647)
      $$`);
    // The scope functions stay plain SQL functions (no SET clause, no SECURITY DEFINER, not
    // PL/pgSQL): the planner reads their bodies to inline them and so locks the tables they
    // read when a statement is planned, before its snapshot. A projection rebuild switches its
    // tables in under those locks: no statement reads the rebuilt closure with a snapshot
    // older than its last batch (ProjectionRunner.switchIn).
    await q.query(`
      CREATE OR REPLACE FUNCTION org_unit_within(p_unit uuid, p_scope uuid, p_on date) RETURNS boolean
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT p_scope IS NULL OR p_unit IS NOT DISTINCT FROM p_scope OR EXISTS (
          SELECT 1 FROM org_unit_closure c
           WHERE c.ancestor_id = p_scope AND c.descendant_id = p_unit
             AND c.valid_from <= p_on AND (c.valid_to IS NULL OR c.valid_to > p_on))
      $$`);
    // The closure's ranges are maximal: the row containing p_on is the unbroken stretch.
    await q.query(`
      CREATE OR REPLACE FUNCTION org_unit_within_span(p_unit uuid, p_scope uuid, p_on date) RETURNS daterange
      LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT CASE WHEN p_scope IS NULL OR p_unit IS NOT DISTINCT FROM p_scope THEN daterange(NULL, NULL)
          ELSE coalesce((
            SELECT daterange(c.valid_from, c.valid_to) FROM org_unit_closure c
             WHERE c.ancestor_id = p_scope AND c.descendant_id = p_unit
               AND c.valid_from <= p_on AND (c.valid_to IS NULL OR c.valid_to > p_on)
             LIMIT 1), 'empty'::daterange)
        END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The walks of 1732500000300, as they were.
    for (const statement of walkingScopeFunctions('CREATE OR REPLACE')) await q.query(statement);
    await q.query(`DROP TABLE org_unit_closure`);
  }
}
