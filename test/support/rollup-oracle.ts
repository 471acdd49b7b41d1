import { expect } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { type CampaignAt, campaignAt, knownAt, type Knowledge, type Queryable, rollups, zeroCounts, zeroFigures } from '../../src/read-models/compliance/compliance-reader.js';
import type { ComplianceStatus } from '../../src/read-models/compliance/compliance-rules.js';
import { asKnownAt, knowledgeAt } from '../../src/read-models/shared/known-at.js';

const ON = (alias: string, param: string): string => `${alias}.valid_from <= ${param}::date AND (${alias}.valid_to IS NULL OR ${alias}.valid_to > ${param}::date)`;

const validRow = (table: 'compliance_versions' | 'unit_member_versions', alias: string, k: Knowledge): string =>
  `LEFT JOIN LATERAL (
     SELECT x.* FROM ${table} x
      WHERE ${table === 'compliance_versions' ? 'x.campaign_id = $1 AND ' : ''}x.unit_id = b.unit_id AND ${ON('x', '$2')} AND ${knownAt('x', k, '$3')}
      ORDER BY x.valid_from DESC LIMIT 1) ${alias} ON true`;

/**
 * The rollups the slow way, as the definition says: every unit of the organisation view's
 * dated closure below each root on `asOf` (as known at `k`), its row of the day read one by
 * one, counted and summed.
 */
export async function unitByUnitRollups(q: Queryable, campaign: CampaignAt, rootIds: readonly string[], asOf: string, k: Knowledge) {
  const levels = [...campaign.defaults.keys()];
  const rows = await q.query<{ root: string; status: ComplianceStatus | null; child: boolean; units: number } & Record<string, number>[]>(
    asKnownAt(
      `WITH below AS (
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
         ${validRow('compliance_versions', 'cv', k)}
         ${validRow('unit_member_versions', 'mv', k)}
        GROUP BY 1, 2, 3`,
      k,
      '$3',
      ['org_unit_versions', 'org_unit_closure'],
    ),
    [campaign.campaignId, asOf, k?.toString() ?? null, rootIds, levels, levels.map((l) => campaign.defaults.get(l)!.status)],
  );
  const out = new Map(rootIds.map((id) => [id, { children: { total: 0, byStatus: zeroCounts() }, subtree: { total: 0, byStatus: zeroCounts() }, below: zeroFigures() }]));
  for (const r of rows as unknown as ({ root: string; status: ComplianceStatus | null; child: boolean; units: number } & Record<string, number>)[]) {
    const agg = out.get(r.root)!;
    if (r.status !== null) {
      agg.subtree.total += r.units;
      agg.subtree.byStatus[r.status] += r.units;
      if (r.child) {
        agg.children.total += r.units;
        agg.children.byStatus[r.status] += r.units;
      }
    }
    const f = agg.below;
    f.members += r['members']!;
    f.membersStudied += r['members_studied']!;
    f.pledges += r['pledges']!;
    f.pledgesCounted += r['pledges_counted']!;
    f.latePledges += r['late_pledges']!;
    f.shortPledges += r['short_pledges']!;
    f.sessions += r['sessions']!;
    f.focalTasks += r['focal_tasks']!;
  }
  return out;
}

/**
 * For every campaign, every unit ever below its issuing unit (as known at any time), days
 * spread over the campaign (and every day a timeline or the hierarchy changes on) and
 * knowledge positions (what was known at the times the views recorded changes: several spread
 * over the log, or every one): the
 * rollups kept per ancestor equal the unit-by-unit sums. Answers how many were compared.
 */
export async function expectRollupsToMatchUnitByUnit(ds: DataSource, options: { maxDays?: number; everyPosition?: boolean } = {}): Promise<number> {
  const { maxDays = 60, everyPosition = false } = options;
  const campaigns: { campaign_id: string; issuing_unit_id: string; issued_on: string }[] = await ds.query(
    `SELECT campaign_id, issuing_unit_id, to_char(issued_on, 'YYYY-MM-DD') AS issued_on FROM compliance_campaigns ORDER BY campaign_id`,
  );
  // The positions questions are asked at: what was known at each time a view recorded a change.
  const times: { known_since: Date }[] = await ds.query(
    `SELECT DISTINCT known_since FROM (SELECT known_since FROM compliance_knowledge UNION SELECT known_since FROM org_knowledge UNION SELECT known_since FROM membership_knowledge) t
      ORDER BY 1`,
  );
  const asked = [...new Set(await Promise.all(times.map(async (t) => await knowledgeAt(ds, t.known_since))))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const spread = everyPosition ? asked : [...new Set(Array.from({ length: 8 }, (_, i) => asked[Math.floor(((i + 1) * asked.length) / 8) - 1]).filter((p) => p !== undefined))];
  const knowledge: Knowledge[] = [null, ...spread];
  let compared = 0;
  for (const c of campaigns) {
    const units: { unit_id: string }[] = await ds.query(`SELECT DISTINCT descendant_id AS unit_id FROM org_unit_closure_history WHERE ancestor_id = $1 ORDER BY 1`, [c.issuing_unit_id]);
    const year = Number(c.issued_on.slice(0, 4));
    const boundaries: { day: string }[] = await ds.query(
      `SELECT DISTINCT to_char(d, 'YYYY-MM-DD') AS day FROM (
         SELECT valid_from AS d FROM compliance_versions WHERE campaign_id = $1
         UNION SELECT valid_from FROM org_unit_closure UNION SELECT valid_to FROM org_unit_closure WHERE valid_to IS NOT NULL
         UNION SELECT valid_from FROM unit_member_versions) x
        WHERE d BETWEEN $2::date AND $3::date ORDER BY 1`,
      [c.campaign_id, `${year}-01-01`, `${year + 1}-12-31`],
    );
    const mid = Array.from({ length: 12 }, (_, m) => `${year}-${String(m + 1).padStart(2, '0')}-15`);
    const all = [...new Set([...mid, ...boundaries.map((b) => b.day)])].sort();
    const step = Math.max(1, Math.ceil(all.length / maxDays));
    const days = all.filter((_, i) => i % step === 0);
    for (const k of knowledge) {
      for (const day of days) {
        let campaign: CampaignAt;
        try {
          campaign = await campaignAt(ds, c.campaign_id, day, k);
        } catch {
          continue; // not issued yet on that day, or not known yet
        }
        const ids = units.map((u) => u.unit_id);
        const kept = await rollups(ds, campaign, ids, day, k);
        const summed = await unitByUnitRollups(ds, campaign, ids, day, k);
        for (const id of ids) {
          expect({ campaign: c.campaign_id, unit: id, day, k: k?.toString() ?? 'now', rollup: kept.get(id) }).toEqual({
            campaign: c.campaign_id,
            unit: id,
            day,
            k: k?.toString() ?? 'now',
            rollup: summed.get(id),
          });
          compared++;
        }
      }
    }
  }
  return compared;
}
