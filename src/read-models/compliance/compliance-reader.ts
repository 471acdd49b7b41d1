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
import { COMPLIANCE_ROLLUP_COLUMNS, type RollupTable, UNIT_ROLLUP_COLUMNS } from './compliance-rollups.js';

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
): string =>
  `LEFT JOIN LATERAL (
     SELECT x.* FROM ${table} x
      WHERE ${table === 'compliance_versions' ? 'x.campaign_id = $1 AND ' : ''}x.unit_id = ${unit} AND ${ON('x', '$2')} AND ${knownAt('x', k, '$3')}
      ORDER BY x.valid_from DESC LIMIT 1) ${alias} ON true`;

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
 * they were held (their members have moved on with their spans). Read from the sums kept per
 * ancestor (`compliance-rollups.ts`): the changes up to `asOf` known at `k`, a few hundred rows
 * per root whatever the size of its subtree. Units without a timeline of the campaign that
 * day count with what a unit of their level without facts scores.
 */
export async function rollups(q: Queryable, campaign: CampaignAt, rootIds: readonly string[], asOf: string, k: Knowledge): Promise<Map<string, Rollup>> {
  const sums = (table: RollupTable, columns: readonly string[]): string => {
    const campaign = (alias: string): string => (table === 'compliance_rollups' ? `${alias}.campaign_id = $4::uuid AND ` : '');
    const total = columns.map((c) => `coalesce(sum(r.${c}), 0)::int AS ${c}`).join(', ');
    if (k === null) {
      return `SELECT r.ancestor_id, ${total}
                FROM ${table} r
               WHERE ${campaign('r')}r.ancestor_id = ANY($1::uuid[]) AND r.day <= $2::date AND r.known_to IS NULL AND $3::bigint IS NULL
               GROUP BY r.ancestor_id`;
    }
    // As known at a position: a day's row may have had many versions; each day's is found from
    // the index in one step (the last known by then, if it was not closed by then), the days
    // themselves by skipping from one to the next.
    const next = (alias: string, after: string): string =>
      `(SELECT min(x.day) FROM ${table} x WHERE ${campaign('x')}x.ancestor_id = ${alias}.ancestor_id AND ${after}x.day <= $2::date)`;
    return `WITH RECURSIVE days AS (
              SELECT a.ancestor_id, ${next('a', '')} AS day FROM unnest($1::uuid[]) AS a(ancestor_id)
            UNION ALL
              SELECT d.ancestor_id, ${next('d', 'x.day > d.day AND ')} FROM days d WHERE d.day IS NOT NULL)
            SELECT d.ancestor_id, ${total}
              FROM days d
              CROSS JOIN LATERAL (
                SELECT x.* FROM ${table} x
                 WHERE ${campaign('x')}x.ancestor_id = d.ancestor_id AND x.day = d.day AND x.known_from <= $3::bigint
                 ORDER BY x.known_from DESC LIMIT 1) r
             WHERE d.day IS NOT NULL AND (r.known_to IS NULL OR r.known_to > $3::bigint)
             GROUP BY d.ancestor_id`;
  };
  const params = [rootIds, asOf, k?.toString() ?? null];
  const units = new Map((await q.query<(Record<string, number> & { ancestor_id: string })[]>(sums('unit_rollups', UNIT_ROLLUP_COLUMNS), params)).map((r) => [r.ancestor_id, r]));
  const pairs = new Map(
    (await q.query<(Record<string, number> & { ancestor_id: string })[]>(sums('compliance_rollups', COMPLIANCE_ROLLUP_COLUMNS), [...params, campaign.campaignId])).map((r) => [
      r.ancestor_id,
      r,
    ]),
  );
  const out = new Map<string, Rollup>();
  for (const id of rootIds) {
    const u = units.get(id) ?? {};
    const p = pairs.get(id) ?? {};
    const n = (r: Record<string, number>, column: string): number => r[column] ?? 0;
    const counted = (prefix: '' | 'child_'): { total: number; byStatus: StatusCounts } => {
      const byStatus = zeroCounts();
      let total = 0;
      for (const s of COMPLIANCE_STATUSES) byStatus[s] = n(p, `${prefix}${s}`);
      for (const [level, fallback] of campaign.defaults) {
        const active = n(u, `${prefix === '' ? 'active_' : 'child_'}${level}`);
        total += active;
        byStatus[fallback.status] += active - n(p, `${prefix}rows_${level}`);
      }
      return { total, byStatus };
    };
    out.set(id, {
      children: counted('child_'),
      subtree: counted(''),
      below: {
        members: n(u, 'members'),
        membersStudied: n(p, 'members_studied'),
        pledges: n(p, 'pledges'),
        pledgesCounted: n(p, 'pledges_counted'),
        latePledges: n(p, 'late_pledges'),
        shortPledges: n(p, 'short_pledges'),
        sessions: n(p, 'sessions'),
        focalTasks: n(p, 'focal_tasks'),
      },
    });
  }
  return out;
}
