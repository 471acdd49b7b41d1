import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { NotFound } from '../../shared/domain-errors.js';
import { ProjectionProgress } from '../../infrastructure/projections/projection-progress.js';
import type { AccessScope } from '../../infrastructure/auth/caller-scope.js';
import { RequestValidationError } from '../../infrastructure/http/validation.js';
import { MEMBERSHIP_PROJECTION } from '../membership/membership.projection.js';
import { decodeCursor, encodeCursor } from '../shared/query-params.js';
import { asKnownAt, knowledgeAt, reachKnowledge } from '../shared/known-at.js';
import { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { withinScope } from '../shared/scope.js';
import { COMPLIANCE_PROJECTION } from '../compliance/compliance.projection.js';
import { ORG_STRUCTURE_PROJECTION } from './org-structure.projection.js';

const PROJECTIONS = [ORG_STRUCTURE_PROJECTION, MEMBERSHIP_PROJECTION];
/** Asked as known at a time, the member counts come from the compliance view's bitemporal counts. */
const KNOWN_AT_PROJECTIONS = [...PROJECTIONS, COMPLIANCE_PROJECTION];

export interface UnitSummary {
  readonly unitId: string;
  readonly code: string;
  readonly name: string;
  readonly kind: string;
  readonly level: string;
  readonly parentId: string | null;
  readonly status: string;
  readonly mergedInto: string | null;
  readonly establishedOn: string;
  readonly members: { readonly direct: number; readonly subtree: number };
}

export interface OrgUnitView extends UnitSummary {
  readonly asOf: string;
  readonly ancestors: readonly { unitId: string; code: string; name: string; level: string }[];
  readonly position: string;
}

export class GetOrgUnitQuery {
  constructor(
    readonly scope: AccessScope,
    readonly unitId: string,
    readonly asOf: string,
    readonly minPosition: bigint | null,
    /** As known at this time (null: now). */
    readonly knownAt: Date | null = null,
  ) {}
}

export class ListChildUnitsQuery {
  constructor(
    readonly scope: AccessScope,
    readonly unitId: string,
    readonly asOf: string,
    readonly limit: number,
    readonly cursor: string | null,
    readonly minPosition: bigint | null,
    readonly knownAt: Date | null = null,
  ) {}
}

/** Versions valid on $2. */
const ON = (alias: string, date = '$2'): string =>
  `${alias}.valid_from <= ${date}::date AND (${alias}.valid_to IS NULL OR ${alias}.valid_to > ${date}::date)`;

/**
 * Within the caller's scope ($3: the scope unit, null for everything) on $2, as the
 * hierarchy stood that day. Out of scope reads as absent: existence is not revealed.
 */
const WITHIN = (unitExpr: string): string => withinScope(unitExpr, '$3', '$2');

function notFound(q: { unitId: string; asOf: string; scope: AccessScope }): NotFound {
  return new NotFound(
    'org_unit.not_found',
    q.scope.unitId === null
      ? `org unit ${q.unitId} does not exist on ${q.asOf}`
      : `org unit ${q.unitId} does not exist on ${q.asOf} within the subtree of ${q.scope.unitId}`,
  );
}

/**
 * A unit's columns; its parent and the unit it merged into are named only when within the
 * scope. (A child listed under $1 has $1 for parent, which the list has found within it.)
 */
const UNIT_COLUMNS = `v.unit_id AS "unitId", v.code, v.name, v.kind, v.level,
  CASE WHEN $3::uuid IS NULL OR v.parent_id = $1::uuid OR ${WITHIN('v.parent_id')} THEN v.parent_id END AS "parentId",
  v.status, CASE WHEN $3::uuid IS NULL OR v.merged_into IS NULL OR ${WITHIN('v.merged_into')} THEN v.merged_into END AS "mergedInto",
  to_char(v.established_on, 'YYYY-MM-DD') AS "establishedOn"`;

/**
 * Member counts on a date for each of the given units: its own, and its whole subtree on
 * that date (from the daily deltas, summed over the subtree read from the dated closure of
 * the hierarchy). A unit that does not exist on the date has none.
 */
const COUNTS = `
  WITH tree AS (
    SELECT c.ancestor_id AS top, c.descendant_id AS unit_id
      FROM org_unit_closure s
      JOIN org_unit_closure c ON c.ancestor_id = s.ancestor_id AND ${ON('c')}
     WHERE s.ancestor_id = ANY($1::uuid[]) AND s.descendant_id = s.ancestor_id AND ${ON('s')}
  ),
  counts AS (
    SELECT d.unit_id, sum(d.delta)::int AS n FROM unit_member_deltas d
     WHERE d.unit_id IN (SELECT unit_id FROM tree) AND d.on_date <= $2::date GROUP BY d.unit_id
  )
  SELECT tree.top AS "unitId",
         coalesce(sum(counts.n) FILTER (WHERE tree.unit_id = tree.top), 0)::int AS direct,
         coalesce(sum(counts.n), 0)::int AS subtree
    FROM tree LEFT JOIN counts ON counts.unit_id = tree.unit_id GROUP BY tree.top`;

/** The same as known at a position: the closure's history and the bitemporal member counts of the compliance view. */
const COUNTS_KNOWN = `
  WITH tree AS (
    SELECT c.ancestor_id AS top, c.descendant_id AS unit_id
      FROM org_unit_closure s
      JOIN org_unit_closure c ON c.ancestor_id = s.ancestor_id AND ${ON('c')}
     WHERE s.ancestor_id = ANY($1::uuid[]) AND s.descendant_id = s.ancestor_id AND ${ON('s')}
  ),
  counts AS (
    SELECT t.unit_id, mv.members AS n FROM (SELECT DISTINCT unit_id FROM tree) t
      CROSS JOIN LATERAL (
        SELECT x.members FROM unit_member_versions x
         WHERE x.unit_id = t.unit_id AND ${ON('x')} AND x.known_from <= $3::bigint AND (x.known_to IS NULL OR x.known_to > $3::bigint)
         ORDER BY x.valid_from DESC LIMIT 1) mv
  )
  SELECT tree.top AS "unitId",
         coalesce(sum(counts.n) FILTER (WHERE tree.unit_id = tree.top), 0)::int AS direct,
         coalesce(sum(counts.n), 0)::int AS subtree
    FROM tree LEFT JOIN counts ON counts.unit_id = tree.unit_id GROUP BY tree.top`;

async function memberCounts(ds: DataSource, unitIds: string[], asOf: string, k: bigint | null = null): Promise<Map<string, { direct: number; subtree: number }>> {
  if (unitIds.length === 0) return new Map();
  const rows: { unitId: string; direct: number; subtree: number }[] =
    k === null ? await ds.query(COUNTS, [unitIds, asOf]) : await ds.query(asKnownAt(COUNTS_KNOWN, k, '$3', ['org_unit_closure']), [unitIds, asOf, k.toString()]);
  return new Map(rows.map((r) => [r.unitId, { direct: r.direct, subtree: r.subtree }]));
}

@QueryHandler(GetOrgUnitQuery)
export class GetOrgUnitHandler implements IQueryHandler<GetOrgUnitQuery, OrgUnitView> {
  constructor(
    private readonly ds: DataSource,
    private readonly progress: ProjectionProgress,
    private readonly store: EventStore,
  ) {}

  async execute(q: GetOrgUnitQuery): Promise<OrgUnitView> {
    const reached = await reachKnowledge(this.progress, this.store, q.knownAt === null ? PROJECTIONS : KNOWN_AT_PROJECTIONS, q.minPosition, q.knownAt);
    const k = q.knownAt === null ? null : await knowledgeAt(this.ds, q.knownAt);
    const [unit]: Omit<UnitSummary, 'members'>[] = await this.ds.query(
      asKnownAt(`SELECT ${UNIT_COLUMNS} FROM org_unit_versions v WHERE v.unit_id = $1 AND ${ON('v')} AND ${WITHIN('v.unit_id')}`, k, '$4', ['org_unit_versions']),
      [q.unitId, q.asOf, q.scope.unitId, k?.toString() ?? null],
    );
    if (!unit) throw notFound(q);
    // The walk up stops at the caller's scope unit: ancestors above it are outside the scope.
    const ancestors: OrgUnitView['ancestors'] =
      k === null
        ? await this.ds.query(
            `SELECT p.unit_id AS "unitId", p.code, p.name, p.level
               FROM org_unit_chain_on($1, $3, $2) c JOIN org_unit_versions p ON p.unit_id = c.unit_id AND ${ON('p')}
              WHERE c.depth > 0
              ORDER BY c.depth`,
            [q.unitId, q.asOf, q.scope.unitId],
          )
        : await this.ds.query(
            asKnownAt(
              `SELECT p.unit_id AS "unitId", p.code, p.name, p.level
                 FROM org_unit_closure c JOIN org_unit_versions p ON p.unit_id = c.ancestor_id AND ${ON('p')}
                WHERE c.descendant_id = $1 AND c.ancestor_id <> $1 AND ${ON('c')} AND ${WITHIN('c.ancestor_id')}
                ORDER BY (SELECT count(*) FROM org_unit_closure a WHERE a.descendant_id = c.ancestor_id AND ${ON('a')}) DESC`,
              k,
              '$4',
              ['org_unit_versions', 'org_unit_closure'],
            ),
            [q.unitId, q.asOf, q.scope.unitId, k.toString()],
          );
    const counts = await memberCounts(this.ds, [q.unitId], q.asOf, k);
    return {
      ...unit,
      members: counts.get(q.unitId) ?? { direct: 0, subtree: 0 },
      asOf: q.asOf,
      ancestors,
      position: (k ?? reached).toString(),
    };
  }
}

export interface ChildUnitsView {
  readonly unitId: string;
  readonly asOf: string;
  readonly items: readonly UnitSummary[];
  readonly nextCursor: string | null;
  readonly position: string;
}

/** The units directly under a unit on a date; a unit that has ended by then is no longer one. */
@QueryHandler(ListChildUnitsQuery)
export class ListChildUnitsHandler implements IQueryHandler<ListChildUnitsQuery, ChildUnitsView> {
  constructor(
    private readonly ds: DataSource,
    private readonly progress: ProjectionProgress,
    private readonly store: EventStore,
  ) {}

  async execute(q: ListChildUnitsQuery): Promise<ChildUnitsView> {
    const reached = await reachKnowledge(this.progress, this.store, q.knownAt === null ? PROJECTIONS : KNOWN_AT_PROJECTIONS, q.minPosition, q.knownAt);
    const k = q.knownAt === null ? null : await knowledgeAt(this.ds, q.knownAt);
    const position = k ?? reached;
    const after = q.cursor === null ? null : decodeCursor(q.cursor, 2);
    if (q.cursor !== null && after === null) {
      throw new RequestValidationError([{ field: 'cursor', message: 'cursor is not one returned by a previous page' }]);
    }
    // One statement: whether the unit is there within the scope on the date, and its children
    // if it is (the children of a unit within the scope are within it).
    const found: ({ visible: boolean } & Omit<UnitSummary, 'members'>)[] = await this.ds.query(
      asKnownAt(
        `WITH parent AS (
         SELECT EXISTS (SELECT 1 FROM org_unit_versions v WHERE v.unit_id = $1 AND ${ON('v')} AND ${WITHIN('v.unit_id')}) AS visible
       )
       SELECT parent.visible, child.* FROM parent LEFT JOIN LATERAL (
         SELECT ${UNIT_COLUMNS} FROM org_unit_versions v
          WHERE parent.visible AND v.parent_id = $1 AND ${ON('v')} AND v.status = 'active'
            AND ($4::text IS NULL OR (v.code, v.unit_id::text) > ($4::text, $5::text))
          ORDER BY v.code, v.unit_id LIMIT $6
       ) child ON true
       ORDER BY child.code, child."unitId"`,
        k,
        '$7',
        ['org_unit_versions'],
      ),
      [q.unitId, q.asOf, q.scope.unitId, after?.[0] ?? null, after?.[1] ?? null, q.limit + 1, k?.toString() ?? null],
    );
    if (!found[0]?.visible) throw notFound(q);
    const rows: Omit<UnitSummary, 'members'>[] = found.filter((r) => r.unitId !== null).map(({ visible: _, ...unit }) => unit);
    const page = rows.slice(0, q.limit);
    const counts = await memberCounts(this.ds, page.map((u) => u.unitId), q.asOf, k);
    const last = page[page.length - 1];
    return {
      unitId: q.unitId,
      asOf: q.asOf,
      items: page.map((u) => ({ ...u, members: counts.get(u.unitId) ?? { direct: 0, subtree: 0 } })),
      nextCursor: rows.length > q.limit && last ? encodeCursor([last.code, last.unitId]) : null,
      position: position.toString(),
    };
  }
}
