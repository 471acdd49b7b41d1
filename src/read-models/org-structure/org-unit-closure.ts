import type { EntityManager } from 'typeorm';

/**
 * The dated closure of the hierarchy (`org_unit_closure`): one row per maximal unbroken
 * range of days during which `ancestor_id` is on the chain of `descendant_id`, that is the
 * unit itself (over its versions' span), the parent of its version valid that day, that
 * parent's parent on the same day, and so on (as `org_unit_versions` says; a parent with no
 * version that day ends the chain).
 *
 * The projection collects the units whose parent changed in a batch (established,
 * transferred, moved by a merger or back by an end) and refreshes the closure once at the end
 * of the batch: the chains that can have changed are those of these units and of every unit
 * that had one of them on its chain on some day (read from the closure before the refresh).
 *
 * One statement: the units whose chains can have changed (`affected`: the units given and
 * all their descendants on any day, from the closure as it stands), their closure rows
 * computed afresh from the versions (`walk` up the parents, intersecting the days of the
 * chain so far with those of each parent's version; `range_agg` merges what the pieces and
 * paths give for one pair into maximal ranges), and only the differences written: rows no
 * longer there deleted, a changed end updated, new rows inserted. (The three touch distinct
 * keys, so they can run in one statement; a replayed change writes nothing.)
 */
const REFRESH = (versions: string, closure: string): string => `
  WITH RECURSIVE affected AS (
      SELECT unnest($1::uuid[]) AS unit_id
    UNION
      SELECT c.descendant_id FROM ${closure} c WHERE c.ancestor_id = ANY($1::uuid[])
  ),
  walk (descendant_id, ancestor_id, during, depth) AS (
      SELECT v.unit_id, v.unit_id, daterange(v.valid_from, v.valid_to), 0
        FROM ${versions} v WHERE v.unit_id IN (SELECT unit_id FROM affected)
    UNION ALL
      SELECT w.descendant_id, v.parent_id, w.during * daterange(v.valid_from, v.valid_to), w.depth + 1
        FROM walk w JOIN ${versions} v
          ON v.unit_id = w.ancestor_id AND v.parent_id IS NOT NULL AND daterange(v.valid_from, v.valid_to) && w.during
       WHERE w.depth < 32
  ),
  fresh AS (
    SELECT ancestor_id, descendant_id, lower(r) AS valid_from, upper(r) AS valid_to
      FROM (SELECT ancestor_id, descendant_id, unnest(range_agg(during ORDER BY during)) AS r FROM walk GROUP BY ancestor_id, descendant_id) spans
  ),
  old AS (
    SELECT c.ancestor_id, c.descendant_id, c.valid_from, c.valid_to
      FROM ${closure} c WHERE c.descendant_id IN (SELECT unit_id FROM affected)
  ),
  gone AS (
    DELETE FROM ${closure} c USING old o
     WHERE (c.ancestor_id, c.descendant_id, c.valid_from) = (o.ancestor_id, o.descendant_id, o.valid_from)
       AND NOT EXISTS (SELECT 1 FROM fresh f WHERE (f.ancestor_id, f.descendant_id, f.valid_from) = (o.ancestor_id, o.descendant_id, o.valid_from))
  ),
  ended AS (
    UPDATE ${closure} c SET valid_to = f.valid_to
      FROM fresh f JOIN old o ON (o.ancestor_id, o.descendant_id, o.valid_from) = (f.ancestor_id, f.descendant_id, f.valid_from)
     WHERE (c.ancestor_id, c.descendant_id, c.valid_from) = (f.ancestor_id, f.descendant_id, f.valid_from)
       AND o.valid_to IS DISTINCT FROM f.valid_to
  )
  INSERT INTO ${closure} (ancestor_id, descendant_id, valid_from, valid_to)
  SELECT f.ancestor_id, f.descendant_id, f.valid_from, f.valid_to FROM fresh f
   WHERE NOT EXISTS (SELECT 1 FROM old o WHERE (o.ancestor_id, o.descendant_id, o.valid_from) = (f.ancestor_id, f.descendant_id, f.valid_from))`;

/**
 * Brings the closure rows of the units whose parent changed, and of all their descendants
 * on any day, in line with the versions: one statement, whatever the number of units.
 */
export async function refreshOrgUnitClosure(m: EntityManager, changed: readonly string[], tables: HierarchyTables = ORG_TABLES): Promise<void> {
  if (changed.length > 0) await m.query(REFRESH(tables.versions, tables.closure), [changed]);
}

/**
 * Where a copy of the hierarchy is kept: the organisation view's own tables, or a copy a view
 * keeps beside its own rows (so that it reads the hierarchy at its own position).
 */
export interface HierarchyTables {
  readonly versions: 'org_unit_versions' | 'compliance_org_versions';
  readonly closure: 'org_unit_closure' | 'compliance_org_closure';
}

export const ORG_TABLES: HierarchyTables = { versions: 'org_unit_versions', closure: 'org_unit_closure' };
