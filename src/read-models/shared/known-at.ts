import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import type { ProjectionProgress } from '../../infrastructure/projections/projection-progress.js';
import { RuleViolation } from '../../shared/domain-errors.js';
import { COMPLIANCE_PROJECTION } from '../compliance/compliance.projection.js';
import { MEMBERSHIP_PROJECTION } from '../membership/membership.projection.js';
import { ORG_STRUCTURE_PROJECTION } from '../org-structure/org-structure.projection.js';

/**
 * "As known at" for the organisation views: a statement written against the latest-knowledge
 * tables (`org_unit_versions`, `org_unit_closure`, `member_versions`) reads, when a knowledge
 * position is given, the versions of their history that were the latest at that position,
 * under the same names (common table expressions, inlined by the planner). With no position it
 * is left as it is.
 */
const HISTORY = {
  org_unit_versions: {
    history: 'org_unit_history',
    columns: 'unit_id, valid_from, valid_to, code, name, kind, level, parent_id, status, merged_into, established_on, NULL::bigint AS position',
  },
  org_unit_closure: { history: 'org_unit_closure_history', columns: 'ancestor_id, descendant_id, valid_from, valid_to' },
  member_versions: {
    history: 'member_history',
    columns: 'member_id, valid_from, valid_to, unit_id, full_name, member_code, joined_on, status, NULL::bigint AS position',
  },
} as const;

export type VersionedTable = keyof typeof HISTORY;

/** `sql` reading `tables` as known at the position in parameter `param` (or as they stand, when `k` is null). */
export function asKnownAt(sql: string, k: bigint | null, param: string, tables: readonly VersionedTable[]): string {
  // As they stand: the parameter is still named (null), so that the statement's parameters stay the same.
  const ctes =
    k === null
      ? `known_at_position AS (SELECT ${param}::bigint AS position)`
      : tables
    .map((t) => {
      const { history, columns } = HISTORY[t];
      return `${t} AS NOT MATERIALIZED (SELECT ${columns} FROM ${history} h WHERE h.known_from <= ${param}::bigint AND (h.known_to IS NULL OR h.known_to > ${param}::bigint))`;
    })
    .join(', ');
  const head = /^\s*WITH\s+(RECURSIVE\s+)?/i.exec(sql);
  return head ? `${head[0]}${ctes}, ${sql.slice(head[0].length)}` : `WITH ${ctes} ${sql}`;
}

/** The views that note when they learnt of each change, and their knowledge tables. */
const KNOWLEDGE = [
  { view: ORG_STRUCTURE_PROJECTION, table: 'org_knowledge' },
  { view: MEMBERSHIP_PROJECTION, table: 'membership_knowledge' },
  { view: COMPLIANCE_PROJECTION, table: 'compliance_knowledge' },
] as const;

/**
 * The position the views are read at "as known at" `at`: the last change of any of them
 * below the first change of any of them recorded after `at` (every change when there is none;
 * 0 when there is none at all). Everything read there was recorded by `at`. A change recorded
 * by then but placed after one recorded later is left out: until that one committed, readers of
 * the log could not get past it. `known_since` only grows with the position (it is the latest
 * recording time up to it, `recordKnowledge`), so each table answers with one index step.
 */
export async function knowledgeAt(q: { query(sql: string, parameters?: unknown[]): Promise<unknown> }, at: Date): Promise<bigint> {
  const first = KNOWLEDGE.map(({ table }) => `(SELECT position FROM ${table} WHERE known_since > $1 ORDER BY known_since, position LIMIT 1)`);
  const last = KNOWLEDGE.map(({ table }) => `(SELECT max(position) FROM ${table} WHERE position < coalesce(f.first, 9223372036854775807))`);
  const [row] = (await q.query(
    `SELECT coalesce(greatest(${last.join(', ')}), 0)::text AS position FROM (SELECT least(${first.join(', ')}) AS first) f`,
    [at],
  )) as { position: string }[];
  return BigInt(row!.position);
}

/**
 * Waits for the views a question reads: up to `minPosition`, and, asked as known at a time,
 * until nothing more can be recorded by then (`recordingsSettled`) and every view that notes
 * its knowledge has read up to the head of the log, so that the answer leaves out nothing
 * recorded by that time and no later commit changes it. A time after now is refused: what will
 * be known then is not known yet.
 */
export async function reachKnowledge(
  progress: ProjectionProgress,
  store: EventStore,
  views: readonly string[],
  minPosition: bigint | null,
  knownAt: Date | null,
): Promise<bigint> {
  if (knownAt === null) return progress.waitFor(views, minPosition);
  if (knownAt.getTime() > Date.now()) {
    throw new RuleViolation('known_at.in_future', `knownAt ${knownAt.toISOString()} is after now: what will be known then is not known yet`, 'knownAt');
  }
  await store.recordingsSettled(knownAt);
  const head = await store.headPosition();
  const all = [...new Set([...views, ...KNOWLEDGE.map((k) => k.view)])];
  return progress.waitFor(all, minPosition !== null && minPosition > head ? minPosition : head);
}
