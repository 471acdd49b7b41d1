import type { EntityManager } from 'typeorm';
import type { Projection } from '../../infrastructure/projections/projection.js';
import type { EventOfType } from '../../events/event-catalogue.js';
import type { StoredDomainEvent } from '../../infrastructure/event-store/domain-events.js';
import { unappliedEvents } from '../shared/stream-revisions.js';
import { type HistoryOf, recordHistory } from '../shared/history.js';
import { type HierarchyTables, ORG_TABLES, refreshOrgUnitClosure } from './org-unit-closure.js';

export const ORG_STRUCTURE_EVENT_TYPES = ['OrgUnitEstablished', 'OrgUnitRenamed', 'OrgUnitTransferred', 'OrgUnitMerged', 'OrgUnitTerminated'] as const;

export const ORG_STRUCTURE_PROJECTION = 'org-structure';

/** The last revision of each unit stream the view has applied. */
const STREAM_REVISIONS = 'org_structure_stream_revisions';

/**
 * Validity-dated versions of every unit: each change effective on D closes the open version
 * at D and opens the next. A merger also moves the merged unit's children under the target
 * from D on. The dated closure of the hierarchy (`org_unit_closure`) is refreshed at the end
 * of each batch for the units whose parent changed in it and their descendants.
 */
/** The events the view is made of; their payload types follow from these strings. */
const HANDLES = ORG_STRUCTURE_EVENT_TYPES;
export type OrgStructureEvent = EventOfType<(typeof HANDLES)[number]>;

export class OrgStructureProjection implements Projection<OrgStructureEvent['type']> {
  readonly name = ORG_STRUCTURE_PROJECTION;
  readonly handles = HANDLES;
  readonly tables = ['org_unit_versions', 'org_unit_closure', 'org_unit_history', 'org_unit_closure_history', 'org_knowledge', STREAM_REVISIONS];

  async apply(events: readonly StoredDomainEvent<OrgStructureEvent>[], manager: EntityManager): Promise<void> {
    // Events of one transaction are one change of knowledge: the chains of the
    // units whose parent changed in it (and their descendants') are refreshed once, at its end,
    // and what changed is added to the history there.
    let moved = new Set<string>();
    let group: StoredDomainEvent<OrgStructureEvent>[] = [];
    for (const event of await unappliedEvents(manager, STREAM_REVISIONS, events)) {
      if (group.length > 0 && group[0]!.transaction !== event.transaction) {
        await endOfKnowledge(manager, group, moved);
        group = [];
        moved = new Set();
      }
      for (const unitId of await applyOrgUnitEvent(event, event.position, manager)) moved.add(unitId);
      group.push(event);
    }
    if (group.length > 0) await endOfKnowledge(manager, group, moved);
  }
}

/**
 * Applies one event to the unit versions in `tables`; answers the units whose parent it
 * changed (whose chains, and their descendants', the closure must be refreshed for).
 */
export async function applyOrgUnitEvent(event: OrgStructureEvent, position: bigint, m: EntityManager, tables: HierarchyTables = ORG_TABLES): Promise<readonly string[]> {
  const pos = position.toString();
  const T = tables.versions;
  switch (event.type) {
    case 'OrgUnitEstablished': {
      const d = event.data;
      await m.query(
        `INSERT INTO ${T} (unit_id, valid_from, code, name, kind, level, parent_id, status, established_on, position)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'active', $2, $8) ON CONFLICT DO NOTHING`,
        [d.unitId, d.establishedOn, d.code, d.name, d.kind, d.level, d.parentId, pos],
      );
      if (d.parentId) await followParentMergers(m, T, d.unitId, d.parentId, d.establishedOn, pos);
      return [d.unitId];
    }
    case 'OrgUnitRenamed':
      await changeFrom(m, T, event.data.unitId, event.data.effectiveOn, pos, 'name = $4', [event.data.name]);
      return [];
    case 'OrgUnitTransferred':
      await changeFrom(m, T, event.data.unitId, event.data.effectiveOn, pos, 'parent_id = $4', [event.data.toParentId]);
      await followParentMergers(m, T, event.data.unitId, event.data.toParentId, event.data.effectiveOn, pos);
      return [event.data.unitId];
    case 'OrgUnitTerminated':
      await changeFrom(m, T, event.data.unitId, event.data.effectiveOn, pos, `status = 'terminated'`, []);
      return keepPlaceFromEnd(m, T, event.data.unitId, event.data.effectiveOn, pos);
    case 'OrgUnitMerged': {
      const { unitId, intoUnitId, effectiveOn } = event.data;
      await changeFrom(m, T, unitId, effectiveOn, pos, `status = 'merged', merged_into = $4`, [intoUnitId]);
      return [...(await keepPlaceFromEnd(m, T, unitId, effectiveOn, pos)), ...(await repointChildren(m, T, unitId, intoUnitId, effectiveOn, pos))];
    }
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export const ORG_UNIT_HISTORY: HistoryOf = {
  live: 'org_unit_versions',
  history: 'org_unit_history',
  key: 'unit_id',
  columns: ['unit_id', 'valid_from', 'valid_to', 'code', 'name', 'kind', 'level', 'parent_id', 'status', 'merged_into', 'established_on'],
  identity: ['unit_id', 'valid_from'],
  knowledge: 'org_knowledge',
};

export const ORG_UNIT_CLOSURE_HISTORY: HistoryOf = {
  live: 'org_unit_closure',
  history: 'org_unit_closure_history',
  key: 'descendant_id',
  columns: ['ancestor_id', 'descendant_id', 'valid_from', 'valid_to'],
  identity: ['ancestor_id', 'descendant_id', 'valid_from'],
  knowledge: 'org_knowledge',
};

/**
 * The end of one change of knowledge (the events of one transaction): the closure refreshed
 * for the units that moved, and the versions and chains that changed added to the history,
 * known from the group's last position.
 */
async function endOfKnowledge(m: EntityManager, group: readonly StoredDomainEvent<OrgStructureEvent>[], moved: ReadonlySet<string>): Promise<void> {
  const last = group[group.length - 1]!;
  const below = async (): Promise<string[]> =>
    moved.size === 0
      ? []
      : ((await m.query(`SELECT DISTINCT descendant_id FROM org_unit_closure WHERE ancestor_id = ANY($1::uuid[])`, [[...moved]])) as { descendant_id: string }[]).map(
          (r) => r.descendant_id,
        );
  const before = await below();
  await refreshOrgUnitClosure(m, [...moved]);
  const after = await below();
  const changed: { unit_id: string }[] = await m.query(`SELECT DISTINCT unit_id FROM org_unit_versions WHERE position = ANY($1::bigint[])`, [
    group.map((e) => e.position.toString()),
  ]);
  await recordHistory(
    m,
    ORG_UNIT_HISTORY,
    changed.map((r) => r.unit_id),
    last.position,
    last.recordedAt,
  );
  await recordHistory(m, ORG_UNIT_CLOSURE_HISTORY, [...moved, ...before, ...after], last.position, last.recordedAt);
}

/**
 * A unit that ends on `date` stays under the parent it had until then: a merger of that
 * parent dated on or after the end, recorded earlier, had moved it along with the children
 * still there, which it no longer was (as if the end had been recorded first). The parent is
 * the one of the version before the end (or of the version from the end, for a merger dated
 * later). Answers the unit when it moved back.
 */
async function keepPlaceFromEnd(m: EntityManager, T: HierarchyTables['versions'], unitId: string, date: string, pos: string): Promise<string[]> {
  const [moved]: [{ unit_id: string }[], number] = await m.query(
    `WITH before AS (
       SELECT b.parent_id FROM ${T} b
        WHERE b.unit_id = $1 AND b.valid_from <= $2 AND (b.valid_to IS NULL OR b.valid_to >= $2)
        ORDER BY b.valid_from LIMIT 1),
     merger AS (
       SELECT pm.unit_id AS parent_id, pm.merged_into, min(pm.valid_from) AS merged_on
         FROM ${T} pm JOIN before ON pm.unit_id = before.parent_id
        WHERE pm.status = 'merged' GROUP BY pm.unit_id, pm.merged_into)
     UPDATE ${T} v SET parent_id = merger.parent_id, position = $3
       FROM merger
      WHERE merger.merged_on >= $2 AND v.unit_id = $1 AND v.valid_from >= $2 AND v.parent_id = merger.merged_into
     RETURNING v.unit_id`,
    [unitId, date, pos],
  );
  return moved.length > 0 ? [unitId] : [];
}

/** Splits the unit's versions at `date` and applies `set` to every version from `date` on. */
async function changeFrom(m: EntityManager, T: HierarchyTables['versions'], unitId: string, date: string, pos: string, set: string, values: unknown[]): Promise<void> {
  await splitAt(m, T, unitId, date);
  await m.query(`UPDATE ${T} SET ${set}, position = $3 WHERE unit_id = $1 AND valid_from >= $2`, [
    unitId,
    date,
    pos,
    ...values,
  ]);
}

const UNIT_VERSION_COLUMNS = ['unit_id', 'code', 'name', 'kind', 'level', 'parent_id', 'status', 'merged_into', 'established_on', 'position'] as const;

const VERSIONED_TABLES = {
  org_unit_versions: { key: 'unit_id', columns: UNIT_VERSION_COLUMNS },
  compliance_org_versions: { key: 'unit_id', columns: UNIT_VERSION_COLUMNS },
  member_versions: {
    key: 'member_id',
    columns: ['member_id', 'unit_id', 'full_name', 'member_code', 'joined_on', 'status', 'position'],
  },
} as const;

/**
 * Cuts every version whose `column` equals `value` and that spans `date` in two, so that a
 * change from `date` on can be applied to whole versions.
 */
export async function splitAt(
  m: EntityManager,
  table: keyof typeof VERSIONED_TABLES,
  value: string,
  date: string,
  column: string = VERSIONED_TABLES[table].key,
): Promise<void> {
  const { key, columns } = VERSIONED_TABLES[table];
  const copy = columns.join(', ');
  await m.query(
    `WITH old AS (
       SELECT valid_from AS old_from, valid_to, ${copy} FROM ${table}
        WHERE ${column} = $1 AND valid_from < $2 AND (valid_to IS NULL OR valid_to > $2)),
     cut AS (
       UPDATE ${table} t SET valid_to = $2 FROM old WHERE t.${key} = old.${key} AND t.valid_from = old.old_from)
     INSERT INTO ${table} (valid_from, valid_to, ${copy}) SELECT $2::date, valid_to, ${copy} FROM old`,
    [value, date],
  );
}

/**
 * A unit placed under `parentId` from `from` on, where that parent's merger was recorded
 * earlier, moves on with the parent's other children to the merger's target (and along the
 * target's own merger, if any).
 */
async function followParentMergers(m: EntityManager, T: HierarchyTables['versions'], unitId: string, parentId: string, from: string, pos: string): Promise<void> {
  let parent = parentId;
  let since = from;
  for (let hop = 0; hop < 32; hop++) {
    const [merger]: { ended_on: string; merged_into: string }[] = await m.query(
      `SELECT to_char(valid_from, 'YYYY-MM-DD') AS ended_on, merged_into FROM ${T}
        WHERE unit_id = $1 AND status = 'merged' ORDER BY valid_from LIMIT 1`,
      [parent],
    );
    if (!merger) return;
    const at = merger.ended_on > since ? merger.ended_on : since;
    await splitAt(m, T, unitId, at);
    await m.query(
      `UPDATE ${T} SET parent_id = $3, position = $4 WHERE unit_id = $1 AND parent_id = $2 AND valid_from >= $5`,
      [unitId, parent, merger.merged_into, pos, at],
    );
    parent = merger.merged_into;
    since = at;
  }
}

/** Moves the children of `fromId` under `toId` from `date` on; answers the children moved. */
async function repointChildren(m: EntityManager, T: HierarchyTables['versions'], fromId: string, toId: string, date: string, pos: string): Promise<string[]> {
  await splitAt(m, T, fromId, date, 'parent_id');
  // Children that exist on or after the date follow, with all their later versions; one that
  // ended before the date stays where it was.
  // TypeORM answers an UPDATE … RETURNING with [rows, count].
  const [moved]: [{ unit_id: string }[], number] = await m.query(
    `UPDATE ${T} SET parent_id = $2, position = $4
      WHERE parent_id = $1 AND valid_from >= $3
        AND unit_id IN (SELECT unit_id FROM ${T} WHERE parent_id = $1 AND valid_from >= $3 AND status = 'active')
      RETURNING unit_id`,
    [fromId, toId, date, pos],
  );
  return moved.map((r) => r.unit_id);
}
