import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import type { ProjectionProgress } from '../../infrastructure/projections/projection-progress.js';
import { RuleViolation } from '../../shared/domain-errors.js';

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

/** The last position recorded at or before `at` that changed anything in the compliance or organisation views (0 when none). */
export async function knowledgeAt(q: { query(sql: string, parameters?: unknown[]): Promise<unknown> }, at: Date): Promise<bigint> {
  const [row] = (await q.query(
    `SELECT greatest((SELECT max(position) FROM compliance_knowledge WHERE recorded_at <= $1),
                     (SELECT max(position) FROM org_knowledge WHERE recorded_at <= $1),
                     (SELECT max(position) FROM membership_knowledge WHERE recorded_at <= $1))::text AS position`,
    [at],
  )) as { position: string | null }[];
  return BigInt(row?.position ?? '0');
}

/**
 * Waits for the views a question reads: up to `minPosition`, and, asked as known at a time,
 * up to the head of the log (everything recorded by then is below it), so that the answer
 * leaves out nothing recorded by that time. A time after now is refused: what will be known
 * then is not known yet.
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
  const head = await store.headPosition();
  return progress.waitFor(views, minPosition !== null && minPosition > head ? minPosition : head);
}
