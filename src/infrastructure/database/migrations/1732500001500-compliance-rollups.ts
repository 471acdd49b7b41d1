import type { MigrationInterface, QueryRunner } from 'typeorm';

const LEVELS = ['national', 'provincial', 'district', 'grassroots'];
const STATUSES = ['met', 'met_late', 'pending', 'missed', 'not_applicable'];

/**
 * What the compliance of a subtree adds up to, kept per ancestor, so that a rollup reads a few
 * hundred rows instead of one per unit below.
 *
 * The compliance view keeps its own copy of the hierarchy (`compliance_org_versions`,
 * `compliance_org_closure`, the same shape as the organisation view's), so that it knows the
 * places of units at its own log position. The rollups are kept as changes per business day:
 * the row of (ancestor, day) holds by how much the sums over the units below the ancestor
 * change on that day, and the sums as of D are those of the rows up to D. `unit_rollups`
 * holds what does not depend on a campaign (active units by level, below and directly below,
 * and members); `compliance_rollups` what a campaign's timelines add (units with a timeline by
 * status and by level, below and directly below, and the figures summed). Both are
 * bitemporal like the timelines: a row is known from `known_from` until `known_to` and never
 * changed but to set `known_to`, once.
 */
export class ComplianceRollups1732500001500 implements MigrationInterface {
  name = 'ComplianceRollups1732500001500';

  async up(q: QueryRunner): Promise<void> {
    // The organisation view's tables, column for column (the same code maintains both), with
    // the indexes the hierarchy's upkeep reads by.
    await q.query(`CREATE TABLE compliance_org_versions (LIKE org_unit_versions INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (unit_id, valid_from))`);
    await q.query(`CREATE INDEX compliance_org_versions_parent ON compliance_org_versions (parent_id, valid_from)`);
    await q.query(`CREATE TABLE compliance_org_closure (LIKE org_unit_closure INCLUDING DEFAULTS INCLUDING CONSTRAINTS, PRIMARY KEY (ancestor_id, descendant_id, valid_from) INCLUDE (valid_to))`);
    await q.query(`CREATE INDEX compliance_org_closure_descendant ON compliance_org_closure (descendant_id, valid_from) INCLUDE (ancestor_id, valid_to)`);

    const unitColumns = [...LEVELS.map((l) => `active_${l}`), ...LEVELS.map((l) => `child_${l}`), 'members'];
    await q.query(`
      CREATE TABLE unit_rollups (
        ancestor_id uuid   NOT NULL,
        day         date   NOT NULL,
        known_from  bigint NOT NULL,
        known_to    bigint,
        ${unitColumns.map((c) => `${c} integer NOT NULL`).join(',\n        ')},
        PRIMARY KEY (ancestor_id, day, known_from),
        CHECK (known_to IS NULL OR known_to > known_from)
      )`);
    await q.query(`CREATE INDEX unit_rollups_latest ON unit_rollups (ancestor_id, day) INCLUDE (${unitColumns.join(', ')}) WHERE known_to IS NULL`);

    const complianceColumns = [
      ...STATUSES,
      ...STATUSES.map((s) => `child_${s}`),
      ...LEVELS.map((l) => `rows_${l}`),
      ...LEVELS.map((l) => `child_rows_${l}`),
      'members_studied',
      'pledges',
      'pledges_counted',
      'late_pledges',
      'short_pledges',
      'sessions',
      'focal_tasks',
    ];
    await q.query(`
      CREATE TABLE compliance_rollups (
        campaign_id uuid   NOT NULL,
        ancestor_id uuid   NOT NULL,
        day         date   NOT NULL,
        known_from  bigint NOT NULL,
        known_to    bigint,
        ${complianceColumns.map((c) => `${c} integer NOT NULL`).join(',\n        ')},
        PRIMARY KEY (campaign_id, ancestor_id, day, known_from),
        CHECK (known_to IS NULL OR known_to > known_from)
      )`);
    await q.query(
      `CREATE INDEX compliance_rollups_latest ON compliance_rollups (campaign_id, ancestor_id, day) INCLUDE (${complianceColumns.join(', ')}) WHERE known_to IS NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['compliance_rollups', 'unit_rollups', 'compliance_org_closure', 'compliance_org_versions']) await q.query(`DROP TABLE ${t}`);
  }
}
