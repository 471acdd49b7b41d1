import { ORG_LEVELS, type OrgLevel } from '../../events/org/org-unit-events.js';
import { NotFound } from '../../shared/domain-errors.js';
import {
  type CampaignPlan,
  COMPLIANCE_STATUSES,
  type ComplianceStatus,
  evaluate,
  type Evaluation,
  planOn,
  type RequirementResult,
} from './compliance-rules.js';
import { planFrom, type StoredPlan } from './compliance.projection.js';
import { asKnownAt, knowledgeAt, type VersionedTable } from '../shared/known-at.js';

export { knowledgeAt };

/** The organisation tables the compliance views read, as known at the position asked. */
const ORG: readonly VersionedTable[] = ['org_unit_versions', 'org_unit_closure'];

/** Anything that runs SQL: the data source, an entity manager, a query runner. */
export interface Queryable {
  query<T = unknown>(sql: string, parameters?: unknown[]): Promise<T>;
}

/**
 * "As known at": `null` reads the latest knowledge; a position reads the rows known at it
 * (known from it or before, and not yet replaced by then).
 */
export type Knowledge = bigint | null;

export type StatusCounts = Record<ComplianceStatus, number>;

export interface ComplianceFigures {
  readonly members: number;
  readonly membersStudied: number;
  readonly studiedRatio: number;
  readonly pledges: number;
  readonly pledgeRatio: number;
  readonly latePledges: number;
  readonly shortPledges: number;
  readonly sessions: number;
  readonly focalTasks: number;
}

export interface UnitRef {
  readonly unitId: string;
  readonly code: string;
  readonly name: string;
  readonly level: OrgLevel;
}

/** One unit's own standing (its own requirements) and its figures. */
export interface UnitCompliance {
  readonly unit: UnitRef & { readonly parentId: string | null };
  readonly status: ComplianceStatus;
  readonly requirements: readonly RequirementResult[];
  /** The unit's own figures (for a grassroots unit, all there are). */
  readonly ownFigures: RawFigures;
}

/** Sums, before shares are taken. */
export interface RawFigures {
  members: number;
  membersStudied: number;
  pledges: number;
  pledgesCounted: number;
  latePledges: number;
  shortPledges: number;
  sessions: number;
  focalTasks: number;
}

export const zeroFigures = (): RawFigures => ({
  members: 0,
  membersStudied: 0,
  pledges: 0,
  pledgesCounted: 0,
  latePledges: 0,
  shortPledges: 0,
  sessions: 0,
  focalTasks: 0,
});

export const zeroCounts = (): StatusCounts => Object.fromEntries(COMPLIANCE_STATUSES.map((s) => [s, 0])) as StatusCounts;

export function addFigures(into: RawFigures, more: RawFigures): RawFigures {
  for (const k of Object.keys(into) as (keyof RawFigures)[]) into[k] += more[k];
  return into;
}

const share = (part: number, whole: number): number => (whole === 0 ? 0 : Math.round((part / whole) * 1e6) / 1e6);

/** The figures of a view: sums, and the shares of members (weighted by members, over the whole subtree). */
export function publicFigures(f: RawFigures): ComplianceFigures {
  return {
    members: f.members,
    membersStudied: f.membersStudied,
    studiedRatio: share(f.membersStudied, f.members),
    pledges: f.pledges,
    pledgeRatio: share(f.pledgesCounted, f.members),
    latePledges: f.latePledges,
    shortPledges: f.shortPledges,
    sessions: f.sessions,
    focalTasks: f.focalTasks,
  };
}

export interface CampaignAt {
  readonly campaignId: string;
  readonly issuingUnitId: string;
  readonly plan: CampaignPlan;
  /** How a unit of each level with no facts at all stands on the date asked. */
  readonly defaults: ReadonlyMap<OrgLevel, Evaluation>;
}

/** The SQL condition of the rows of `alias` known at `k` ($n holds k when it is a position). */
export const knownAt = (alias: string, k: Knowledge, param: string): string =>
  k === null ? `${alias}.known_to IS NULL AND ${param}::bigint IS NULL` : `${alias}.known_from <= ${param}::bigint AND (${alias}.known_to IS NULL OR ${alias}.known_to > ${param}::bigint)`;

const ON = (alias: string, param: string): string =>
  `${alias}.valid_from <= ${param}::date AND (${alias}.valid_to IS NULL OR ${alias}.valid_to > ${param}::date)`;

/**
 * The campaign as known at `k`, with its plan's amendments known by then, and what a unit
 * without facts scores on `asOf`. 404 when it was not known; `campaign.not_issued_yet` before
 * its plan's date.
 */
export async function campaignAt(q: Queryable, campaignId: string, asOf: string, k: Knowledge): Promise<CampaignAt> {
  const [row] = await q.query<{ plan: StoredPlan }[]>(`SELECT plan FROM compliance_campaigns WHERE campaign_id = $1`, [campaignId]);
  if (!row || (k !== null && BigInt(row.plan.issuedPosition) > k)) {
    throw new NotFound('campaign.not_found', `campaign ${campaignId} does not exist${k === null ? '' : ` as known at position ${k}`}`);
  }
  const stored = row.plan;
  const plan = k === null ? stored : planFrom(stored, stored.issued, stored.amendments.filter((a) => BigInt(a.position) <= k));
  if (planOn(plan, asOf) === null) {
    throw new NotFound('campaign.not_issued_yet', `campaign ${campaignId} was issued on ${plan.issuedOn}: it did not exist yet on ${asOf}`);
  }
  const defaults = new Map<OrgLevel, Evaluation>();
  for (const level of ORG_LEVELS) {
    defaults.set(level, evaluate(plan, { level, sessions: [], implementationPlanOn: null, actionPlan: null, reports: {}, members: [] }, asOf));
  }
  return { campaignId, issuingUnitId: stored.issuingUnitId, plan, defaults };
}

interface UnitRowSql {
  unit_id: string;
  code: string;
  name: string;
  level: OrgLevel;
  parent_id: string | null;
  status: ComplianceStatus | null;
  requirements: RequirementResult[] | null;
  members: number | null;
  members_studied: number | null;
  pledges: number | null;
  pledges_counted: number | null;
  late_pledges: number | null;
  short_pledges: number | null;
  sessions: number | null;
  focal_tasks: number | null;
}

/**
 * The row of a unit's timeline valid on $2 (as known at $3): the last one starting on or
 * before $2, found from the index in one step (a unit's timeline has a row for every day its
 * members joined, so a range condition alone would visit them all).
 */
const validRow = (
  table: 'compliance_versions' | 'unit_member_versions',
  alias: string,
  unit: string,
  k: Knowledge,
  { columns = 'x.*', only = 'true' }: { columns?: string; only?: string } = {},
): string =>
  `LEFT JOIN LATERAL (
     SELECT ${columns} FROM ${table} x
      WHERE ${only} AND ${table === 'compliance_versions' ? 'x.campaign_id = $1 AND ' : ''}x.unit_id = ${unit} AND ${ON('x', '$2')} AND ${knownAt('x', k, '$3')}
      ORDER BY x.valid_from DESC LIMIT 1) ${alias} ON true`;

/**
 * What a rollup sums of a unit's row (all in the index of the latest rows); a unit's member
 * count is read from the member timelines only for a unit without a compliance row.
 */
const ROLLUP_COLUMNS = 'x.status, x.members, x.members_studied, x.pledges, x.pledges_counted, x.late_pledges, x.short_pledges, x.sessions, x.focal_tasks';

const UNIT_SQL = (units: string, k: Knowledge): string => `
  SELECT u.unit_id, v.code, v.name, v.level, v.parent_id,
         cv.status, cv.requirements, mv.members, cv.members_studied, cv.pledges, cv.pledges_counted, cv.late_pledges,
         cv.short_pledges, cv.sessions, cv.focal_tasks
    FROM (${units}) u
    JOIN org_unit_versions v ON v.unit_id = u.unit_id AND ${ON('v', '$2')} AND v.status = 'active'
    ${validRow('compliance_versions', 'cv', 'u.unit_id', k)}
    ${validRow('unit_member_versions', 'mv', 'u.unit_id', k)}`;

function toUnitCompliance(r: UnitRowSql, campaign: CampaignAt): UnitCompliance {
  const fallback = campaign.defaults.get(r.level)!;
  return {
    unit: { unitId: r.unit_id, code: r.code, name: r.name, level: r.level, parentId: r.parent_id },
    status: r.status ?? fallback.status,
    requirements: r.requirements ?? fallback.requirements,
    ownFigures: {
      members: r.members ?? 0,
      membersStudied: r.members_studied ?? 0,
      pledges: r.pledges ?? 0,
      pledgesCounted: r.pledges_counted ?? 0,
      latePledges: r.late_pledges ?? 0,
      shortPledges: r.short_pledges ?? 0,
      sessions: r.sessions ?? 0,
      focalTasks: r.focal_tasks ?? 0,
    },
  };
}

/** The unit's own standing on `asOf`, as known at `k`; null when it is not active that day. */
export async function unitCompliance(q: Queryable, campaign: CampaignAt, unitId: string, asOf: string, k: Knowledge): Promise<UnitCompliance | null> {
  const rows = await q.query<UnitRowSql[]>(asKnownAt(UNIT_SQL(`SELECT $4::uuid AS unit_id`, k), k, '$3', ORG), [campaign.campaignId, asOf, k?.toString() ?? null, unitId]);
  return rows[0] ? toUnitCompliance(rows[0], campaign) : null;
}

/** Every active unit of the subtree of `rootId` on `asOf` (the root included), ordered by code. */
export async function subtreeCompliance(q: Queryable, campaign: CampaignAt, rootId: string, asOf: string, k: Knowledge): Promise<UnitCompliance[]> {
  const rows = await q.query<UnitRowSql[]>(
    asKnownAt(`${UNIT_SQL(`SELECT c.descendant_id AS unit_id FROM org_unit_closure c WHERE c.ancestor_id = $4::uuid AND ${ON('c', '$2')}`, k)} ORDER BY v.code, u.unit_id`, k, '$3', ORG),
    [campaign.campaignId, asOf, k?.toString() ?? null, rootId],
  );
  return rows.map((r) => toUnitCompliance(r, campaign));
}

/** The active units directly under `parentId` on `asOf`, with their own standing, by code. */
export async function childrenCompliance(q: Queryable, campaign: CampaignAt, parentId: string, asOf: string, k: Knowledge): Promise<UnitCompliance[]> {
  const rows = await q.query<UnitRowSql[]>(
    asKnownAt(
      `${UNIT_SQL(`SELECT c.unit_id FROM org_unit_versions c WHERE c.parent_id = $4::uuid AND ${ON('c', '$2')} AND c.status = 'active'`, k)} ORDER BY v.code, u.unit_id`,
      k,
      '$3',
      ORG,
    ),
    [campaign.campaignId, asOf, k?.toString() ?? null, parentId],
  );
  return rows.map((r) => toUnitCompliance(r, campaign));
}

/**
 * The subtree a page at a time (by code, after the given code and id), with each unit's
 * parent's code: for exports that stream large subtrees without holding them whole.
 */
export async function* subtreeCompliancePages(
  q: Queryable,
  campaign: CampaignAt,
  rootId: string,
  asOf: string,
  k: Knowledge,
  pageSize = 1000,
): AsyncGenerator<(UnitCompliance & { parentCode: string | null })[]> {
  let after: [string, string] | null = null;
  for (;;) {
    const rows: (UnitRowSql & { parent_code: string | null })[] = await q.query(
      asKnownAt(`SELECT page.*, p.code AS parent_code FROM (
         ${UNIT_SQL(`SELECT c.descendant_id AS unit_id FROM org_unit_closure c WHERE c.ancestor_id = $4::uuid AND ${ON('c', '$2')}`, k)}
          WHERE ($5::text IS NULL OR (v.code, u.unit_id) > ($5::text, $6::uuid))
          ORDER BY v.code, u.unit_id LIMIT $7) page
       LEFT JOIN org_unit_versions p ON p.unit_id = page.parent_id AND ${ON('p', '$2')}
       ORDER BY page.code, page.unit_id`, k, '$3', ORG),
      [campaign.campaignId, asOf, k?.toString() ?? null, rootId, after?.[0] ?? null, after?.[1] ?? null, pageSize],
    );
    if (rows.length === 0) return;
    yield rows.map((r) => ({ ...toUnitCompliance(r, campaign), parentCode: r.parent_code }));
    if (rows.length < pageSize) return;
    const last = rows.at(-1)!;
    after = [last.code, last.unit_id];
  }
}

export interface Rollup {
  readonly children: { total: number; byStatus: StatusCounts };
  readonly subtree: { total: number; byStatus: StatusCounts };
  /** The figures of every unit below (not the unit itself). */
  readonly below: RawFigures;
}

/**
 * The units below each of `rootIds` on `asOf` (as the dated closure has the hierarchy that
 * day), counted by status (the active ones, all of them and the direct children), and their
 * figures summed: those of the units that have ended too, whose sessions and plans stay where
 * they were held (their members have moved on with their spans). One statement, aggregated in
 * the database.
 */
export async function rollups(q: Queryable, campaign: CampaignAt, rootIds: readonly string[], asOf: string, k: Knowledge): Promise<Map<string, Rollup>> {
  const levels = [...campaign.defaults.keys()];
  const rows = await q.query<
    {
      root: string;
      /** Null for a unit that has ended (merged, terminated): its facts still count in the figures, it is no longer counted by status. */
      status: ComplianceStatus | null;
      child: boolean;
      units: number;
      members: number;
      members_studied: number;
      pledges: number;
      pledges_counted: number;
      late_pledges: number;
      short_pledges: number;
      sessions: number;
      focal_tasks: number;
    }[]
  >(
    asKnownAt(`WITH below AS (
       SELECT c.ancestor_id AS root, c.descendant_id AS unit_id FROM org_unit_closure c
        WHERE c.ancestor_id = ANY($4::uuid[]) AND c.descendant_id <> c.ancestor_id AND ${ON('c', '$2')})
     SELECT b.root, CASE WHEN v.status = 'active' THEN coalesce(cv.status, d.status) END AS status, v.parent_id = b.root AS child, count(*)::int AS units,
            coalesce(sum(coalesce(cv.members, mv.members)), 0)::int AS members, coalesce(sum(cv.members_studied), 0)::int AS members_studied,
            coalesce(sum(cv.pledges), 0)::int AS pledges, coalesce(sum(cv.pledges_counted), 0)::int AS pledges_counted,
            coalesce(sum(cv.late_pledges), 0)::int AS late_pledges, coalesce(sum(cv.short_pledges), 0)::int AS short_pledges,
            coalesce(sum(cv.sessions), 0)::int AS sessions, coalesce(sum(cv.focal_tasks), 0)::int AS focal_tasks
       FROM below b
       JOIN org_unit_versions v ON v.unit_id = b.unit_id AND ${ON('v', '$2')}
       JOIN unnest($5::text[], $6::text[]) AS d(level, status) ON d.level = v.level
       ${validRow('compliance_versions', 'cv', 'b.unit_id', k, { columns: ROLLUP_COLUMNS })}
       ${validRow('unit_member_versions', 'mv', 'b.unit_id', k, { columns: 'x.members', only: 'cv.status IS NULL' })}
      GROUP BY 1, 2, 3`, k, '$3', ORG),
    [campaign.campaignId, asOf, k?.toString() ?? null, rootIds, levels, levels.map((l) => campaign.defaults.get(l)!.status)],
  );
  const out = new Map<string, { children: { total: number; byStatus: StatusCounts }; subtree: { total: number; byStatus: StatusCounts }; below: RawFigures }>();
  for (const id of rootIds) out.set(id, { children: { total: 0, byStatus: zeroCounts() }, subtree: { total: 0, byStatus: zeroCounts() }, below: zeroFigures() });
  for (const r of rows) {
    const agg = out.get(r.root)!;
    if (r.status !== null) {
      agg.subtree.total += r.units;
      agg.subtree.byStatus[r.status] += r.units;
      if (r.child) {
        agg.children.total += r.units;
        agg.children.byStatus[r.status] += r.units;
      }
    }
    addFigures(agg.below, {
      members: r.members,
      membersStudied: r.members_studied,
      pledges: r.pledges,
      pledgesCounted: r.pledges_counted,
      latePledges: r.late_pledges,
      shortPledges: r.short_pledges,
      sessions: r.sessions,
      focalTasks: r.focal_tasks,
    });
  }
  return out;
}
