import type { EntityManager } from 'typeorm';
import { ORG_LEVELS, type OrgLevel } from '../../events/org/org-unit-events.js';
import { COMPLIANCE_STATUSES, type ComplianceStatus } from './compliance-rules.js';

/**
 * The rollups of the compliance view, kept per ancestor as changes per business day (see the
 * migration `compliance-rollups`): what each unit adds to the sums of the units above it, and
 * how a change of a unit's timelines or of its place in the hierarchy changes them.
 *
 * A unit adds to an ancestor over the days the ancestor is on its chain (its closure rows):
 * its member count and, for a campaign, the figures of its timeline; over the days it is
 * also active, one unit of its level and, with a timeline, one of its status; over the days
 * the ancestor is its parent, the same again as a child. A value held over [from, to) is kept
 * as +value on `from` and -value on `to`: the sums as of D are the changes up to D.
 */
export const UNIT_ROLLUP_COLUMNS = [...ORG_LEVELS.map((l) => `active_${l}`), ...ORG_LEVELS.map((l) => `child_${l}`), 'members'] as const;

export const FIGURE_COLUMNS = ['members_studied', 'pledges', 'pledges_counted', 'late_pledges', 'short_pledges', 'sessions', 'focal_tasks'] as const;
export type FigureColumn = (typeof FIGURE_COLUMNS)[number];

export const COMPLIANCE_ROLLUP_COLUMNS = [
  ...COMPLIANCE_STATUSES,
  ...COMPLIANCE_STATUSES.map((s) => `child_${s}`),
  ...ORG_LEVELS.map((l) => `rows_${l}`),
  ...ORG_LEVELS.map((l) => `child_rows_${l}`),
  ...FIGURE_COLUMNS,
] as const;

export type RollupTable = 'unit_rollups' | 'compliance_rollups';
export const ROLLUP_COLUMNS: Record<RollupTable, readonly string[]> = { unit_rollups: UNIT_ROLLUP_COLUMNS, compliance_rollups: COMPLIANCE_ROLLUP_COLUMNS };

const at = (table: RollupTable, column: string): number => ROLLUP_COLUMNS[table].indexOf(column);
const LEVEL = new Map(ORG_LEVELS.map((l, i) => [l, i]));
const STATUS = new Map(COMPLIANCE_STATUSES.map((s, i) => [s, i]));
const U_ACTIVE = at('unit_rollups', 'active_national');
const U_CHILD = at('unit_rollups', 'child_national');
const U_MEMBERS = at('unit_rollups', 'members');
const C_STATUS = at('compliance_rollups', 'met');
const C_CHILD_STATUS = at('compliance_rollups', 'child_met');
const C_ROWS = at('compliance_rollups', 'rows_national');
const C_CHILD_ROWS = at('compliance_rollups', 'child_rows_national');
const C_FIGURES = at('compliance_rollups', 'members_studied');

/** Days [from, to): `to` null is open. */
interface Range {
  readonly from: string;
  readonly to: string | null;
}

/** A unit's place in the hierarchy over days: its versions and the ancestors on its chain (itself left out). */
export interface Place {
  readonly versions: readonly (Range & { readonly parentId: string | null; readonly active: boolean; readonly level: OrgLevel })[];
  readonly ancestors: readonly (Range & { readonly ancestorId: string })[];
}

export const NOWHERE: Place = { versions: [], ancestors: [] };

export interface CountSegment extends Range {
  readonly members: number;
}

export interface PairSegment extends Range {
  readonly status: ComplianceStatus;
  readonly figures: Readonly<Record<FigureColumn, number>>;
}

function meet(a: Range, b: Range): Range | null {
  const from = a.from > b.from ? a.from : b.from;
  const to = a.to === null ? b.to : b.to === null ? a.to : a.to < b.to ? a.to : b.to;
  return to !== null && to <= from ? null : { from, to };
}

/** Changes per (ancestor, day): the vectors of one table's columns. */
export class RollupDeltas {
  private readonly byKey = new Map<string, number[]>();

  constructor(readonly table: RollupTable) {}

  /** Adds `sign` × `value` at column `column` to `ancestor` over the days of `range`. */
  add(ancestor: string, range: Range, column: number, value: number): void {
    if (value === 0) return;
    this.bump(`${ancestor} ${range.from}`, column, value);
    if (range.to !== null) this.bump(`${ancestor} ${range.to}`, column, -value);
  }

  private bump(key: string, column: number, value: number): void {
    let v = this.byKey.get(key);
    if (!v) this.byKey.set(key, (v = new Array<number>(ROLLUP_COLUMNS[this.table].length).fill(0)));
    v[column]! += value;
  }

  /** The changes that are not nothing, by ancestor and day. */
  *entries(): Generator<{ ancestorId: string; day: string; delta: number[] }> {
    for (const [key, delta] of this.byKey) {
      if (delta.every((x) => x === 0)) continue;
      const [ancestorId, day] = key.split(' ');
      yield { ancestorId: ancestorId!, day: day!, delta };
    }
  }
}

/** What a unit with these member counts adds to its ancestors (× sign) in `unit_rollups`. */
export function addUnitShare(out: RollupDeltas, place: Place, counts: readonly CountSegment[], sign: 1 | -1): void {
  for (const a of place.ancestors) {
    for (const v of place.versions) {
      const r = meet(a, v);
      if (r === null || !v.active) continue;
      out.add(a.ancestorId, r, U_ACTIVE + LEVEL.get(v.level)!, sign);
      if (v.parentId === a.ancestorId) out.add(a.ancestorId, r, U_CHILD + LEVEL.get(v.level)!, sign);
    }
    for (const c of counts) {
      const r = meet(a, c);
      if (r !== null) out.add(a.ancestorId, r, U_MEMBERS, sign * c.members);
    }
  }
}

/** What a unit with this timeline of a campaign adds to its ancestors (× sign) in `compliance_rollups`. */
export function addPairShare(out: RollupDeltas, place: Place, segments: readonly PairSegment[], sign: 1 | -1): void {
  for (const a of place.ancestors) {
    for (const s of segments) {
      const r = meet(a, s);
      if (r === null) continue;
      FIGURE_COLUMNS.forEach((c, i) => out.add(a.ancestorId, r, C_FIGURES + i, sign * s.figures[c]));
      for (const v of place.versions) {
        if (!v.active) continue;
        const rv = meet(r, v);
        if (rv === null) continue;
        const level = LEVEL.get(v.level)!;
        const status = STATUS.get(s.status)!;
        out.add(a.ancestorId, rv, C_STATUS + status, sign);
        out.add(a.ancestorId, rv, C_ROWS + level, sign);
        if (v.parentId === a.ancestorId) {
          out.add(a.ancestorId, rv, C_CHILD_STATUS + status, sign);
          out.add(a.ancestorId, rv, C_CHILD_ROWS + level, sign);
        }
      }
    }
  }
}

/** The places of the units in the view's copy of the hierarchy, as it now stands. */
export async function readPlaces(m: EntityManager, unitIds: readonly string[]): Promise<Map<string, Place>> {
  const out = new Map<string, { versions: Place['versions'][number][]; ancestors: Place['ancestors'][number][] }>(
    unitIds.map((u) => [u, { versions: [], ancestors: [] }]),
  );
  if (unitIds.length === 0) return out;
  const versions: { unit_id: string; valid_from: string; valid_to: string | null; parent_id: string | null; status: string; level: OrgLevel }[] = await m.query(
    `SELECT unit_id, to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to, parent_id, status, level
       FROM compliance_org_versions WHERE unit_id = ANY($1::uuid[])`,
    [unitIds],
  );
  for (const v of versions) out.get(v.unit_id)!.versions.push({ from: v.valid_from, to: v.valid_to, parentId: v.parent_id, active: v.status === 'active', level: v.level });
  const chains: { descendant_id: string; ancestor_id: string; valid_from: string; valid_to: string | null }[] = await m.query(
    `SELECT descendant_id, ancestor_id, to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to
       FROM compliance_org_closure WHERE descendant_id = ANY($1::uuid[]) AND ancestor_id <> descendant_id`,
    [unitIds],
  );
  for (const c of chains) out.get(c.descendant_id)!.ancestors.push({ ancestorId: c.ancestor_id, from: c.valid_from, to: c.valid_to });
  return out;
}

/** One change to write: the vector added to the row of (campaign, ancestor, day) at `position`. */
export interface RollupChange {
  readonly campaignId: string | null;
  readonly ancestorId: string;
  readonly day: string;
  readonly position: bigint;
  readonly delta: readonly number[];
}

/**
 * Adds the changes to the rows of their (campaign, ancestor, day): the row that held is
 * closed at the change's position and its sum inserted known from there (nothing when the sum
 * is nothing). A row inserted at the same position in this transaction (known by nobody yet)
 * is replaced. One read and at most three statements, whatever the number of changes.
 */
export async function writeRollupChanges(m: EntityManager, table: RollupTable, changes: readonly RollupChange[]): Promise<void> {
  if (changes.length === 0) return;
  const columns = ROLLUP_COLUMNS[table];
  const withCampaign = table === 'compliance_rollups';
  const keyOf = (c: { campaignId: string | null; ancestorId: string; day: string }): string => `${c.campaignId ?? ''} ${c.ancestorId} ${c.day}`;
  const groups = new Map<string, RollupChange[]>();
  for (const c of changes) {
    const list = groups.get(keyOf(c)) ?? [];
    list.push(c);
    groups.set(keyOf(c), list);
  }
  const keys = [...groups.values()].map((list) => list[0]!);
  const stored: { campaign_id: string | null; ancestor_id: string; day: string; known_from: string; values: number[] }[] = await m.query(
    `SELECT ${withCampaign ? 't.campaign_id' : 'NULL::uuid AS campaign_id'}, t.ancestor_id, to_char(t.day, 'YYYY-MM-DD') AS day, t.known_from::text AS known_from,
            ARRAY[${columns.map((c) => `t.${c}`).join(', ')}] AS values
       FROM ${table} t JOIN unnest($1::uuid[], $2::uuid[], $3::date[]) AS x(campaign_id, ancestor_id, day)
         ON ${withCampaign ? 't.campaign_id = x.campaign_id AND ' : ''}t.ancestor_id = x.ancestor_id AND t.day = x.day
      WHERE t.known_to IS NULL`,
    [keys.map((k) => k.campaignId), keys.map((k) => k.ancestorId), keys.map((k) => k.day)],
  );
  const current = new Map(stored.map((r) => [keyOf({ campaignId: r.campaign_id, ancestorId: r.ancestor_id, day: r.day }), { values: r.values, knownFrom: BigInt(r.known_from) }]));

  const closing: { key: RollupChange; knownFrom: bigint; position: bigint }[] = [];
  const dropping: { key: RollupChange; knownFrom: bigint }[] = [];
  const inserting: { key: RollupChange; values: number[]; knownFrom: bigint; knownTo: bigint | null }[] = [];
  for (const [k, list] of groups) {
    list.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    const stored = current.get(k);
    let cur: { values: number[]; knownFrom: bigint; stored: boolean } | null = stored ? { ...stored, stored: true } : null;
    const fresh: { values: number[]; knownFrom: bigint; knownTo: bigint | null }[] = [];
    for (const change of list) {
      if (change.delta.every((x) => x === 0)) continue;
      const values = (cur?.values ?? columns.map(() => 0)).map((v, i) => v + change.delta[i]!);
      if (cur !== null && cur.knownFrom === change.position) {
        // Known by nobody yet: replaced.
        if (cur.stored) dropping.push({ key: change, knownFrom: cur.knownFrom });
        else fresh.pop();
      } else if (cur !== null) {
        if (cur.stored) closing.push({ key: change, knownFrom: cur.knownFrom, position: change.position });
        else fresh.at(-1)!.knownTo = change.position;
      }
      if (values.some((x) => x !== 0)) {
        fresh.push({ values, knownFrom: change.position, knownTo: null });
        cur = { values, knownFrom: change.position, stored: false };
      } else cur = null;
    }
    for (const f of fresh) inserting.push({ key: list[0]!, ...f });
  }
  const where = `${withCampaign ? 't.campaign_id = x.campaign_id AND ' : ''}t.ancestor_id = x.ancestor_id AND t.day = x.day AND t.known_from = x.known_from`;
  if (closing.length > 0) {
    await m.query(
      `UPDATE ${table} t SET known_to = x.position
         FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::bigint[], $5::bigint[]) AS x(campaign_id, ancestor_id, day, known_from, position)
        WHERE ${where}`,
      [closing.map((c) => c.key.campaignId), closing.map((c) => c.key.ancestorId), closing.map((c) => c.key.day), closing.map((c) => c.knownFrom.toString()), closing.map((c) => c.position.toString())],
    );
  }
  if (dropping.length > 0) {
    await m.query(`DELETE FROM ${table} t USING unnest($1::uuid[], $2::uuid[], $3::date[], $4::bigint[]) AS x(campaign_id, ancestor_id, day, known_from) WHERE ${where}`, [
      dropping.map((c) => c.key.campaignId),
      dropping.map((c) => c.key.ancestorId),
      dropping.map((c) => c.key.day),
      dropping.map((c) => c.knownFrom.toString()),
    ]);
  }
  if (inserting.length > 0) {
    const head = withCampaign ? ['campaign_id'] : [];
    const names = [...head, 'ancestor_id', 'day', 'known_from', 'known_to', ...columns];
    const types = [...head.map(() => 'uuid'), 'uuid', 'date', 'bigint', 'bigint', ...columns.map(() => 'int')];
    const values = [
      ...(withCampaign ? [inserting.map((i) => i.key.campaignId)] : []),
      inserting.map((i) => i.key.ancestorId),
      inserting.map((i) => i.key.day),
      inserting.map((i) => i.knownFrom.toString()),
      inserting.map((i) => i.knownTo?.toString() ?? null),
      ...columns.map((_, c) => inserting.map((i) => i.values[c])),
    ];
    await m.query(`INSERT INTO ${table} (${names.join(', ')}) SELECT * FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`, values);
  }
}

/** Changes of one table as rows to write at `position` (for `campaignId`, in `compliance_rollups`). */
export function changesOf(deltas: RollupDeltas, campaignId: string | null, position: bigint): RollupChange[] {
  return [...deltas.entries()].map((e) => ({ campaignId, position, ...e }));
}
