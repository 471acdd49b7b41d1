import type { EntityManager } from 'typeorm';

/** A latest-knowledge table and the history table that keeps every version of its rows. */
export interface HistoryOf {
  /** The table of the latest knowledge. */
  readonly live: string;
  readonly history: string;
  /** The column the changed rows are found by (all rows with one of the given values are compared). */
  readonly key: string;
  /** The columns a version is made of (its content). */
  readonly columns: readonly string[];
  /** Columns among them never null that tell versions apart almost alone (compared by equality first, so that the comparison can hash). */
  readonly identity: readonly string[];
  /** The table noting each position that changed the history, and since when it is known (`recordKnowledge`). */
  readonly knowledge: string;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

/**
 * Brings the history in line with the latest knowledge for the rows whose `key` is one of
 * `keys`: open history rows that no longer exist as they are get `known_to = position`, live
 * rows not yet in the history are inserted known from `position`. Rows never change
 * otherwise. One statement (and the knowledge mark).
 */
export async function recordHistory(m: EntityManager, of: HistoryOf, keys: readonly string[], position: bigint, recordedAt: Date): Promise<void> {
  if (keys.length === 0) return;
  for (const name of [of.live, of.history, of.key, of.knowledge, ...of.columns, ...of.identity]) if (!IDENT.test(name)) throw new Error(`"${name}" is not a plain identifier`);
  const cols = of.columns.join(', ');
  const same = (a: string, b: string): string =>
    `${of.identity.map((c) => `${a}.${c} = ${b}.${c}`).join(' AND ')} AND ROW(${of.columns.map((c) => `${a}.${c}`).join(', ')}) IS NOT DISTINCT FROM ROW(${of.columns.map((c) => `${b}.${c}`).join(', ')})`;
  await m.query(
    `WITH live AS (SELECT ${cols} FROM ${of.live} WHERE ${of.key} = ANY($1::uuid[])),
          open AS (SELECT ctid AS row_id, ${cols} FROM ${of.history} WHERE ${of.key} = ANY($1::uuid[]) AND known_to IS NULL),
          closed AS (
            UPDATE ${of.history} h SET known_to = $2 FROM open o
             WHERE h.ctid = o.row_id AND NOT EXISTS (SELECT 1 FROM live l WHERE ${same('l', 'o')}))
     INSERT INTO ${of.history} (${cols}, known_from)
     SELECT ${cols}, $2 FROM live l WHERE NOT EXISTS (SELECT 1 FROM open o WHERE ${same('l', 'o')})`,
    [[...new Set(keys)], position.toString()],
  );
  await recordKnowledge(m, of.knowledge, [{ position, recordedAt }]);
}

/**
 * Notes in a view's knowledge table that it learnt of changes at these positions (above every
 * one it holds), each known since the latest recording time of it and of every earlier change
 * of the view: positions follow transaction ids, not recording times, and "as known at" needs a
 * time that only grows along the log (migration 1732500001600).
 */
export async function recordKnowledge(m: Pick<EntityManager, 'query'>, table: string, changes: readonly { position: bigint; recordedAt: Date }[]): Promise<void> {
  if (changes.length === 0) return;
  if (!IDENT.test(table)) throw new Error(`"${table}" is not a plain identifier`);
  await m.query(
    `INSERT INTO ${table} (position, known_since)
     SELECT u.position, greatest(max(u.recorded_at) OVER (ORDER BY u.position), (SELECT max(known_since) FROM ${table}))
       FROM unnest($1::bigint[], $2::timestamptz[]) AS u(position, recorded_at)
     ON CONFLICT DO NOTHING`,
    [changes.map((c) => c.position.toString()), changes.map((c) => c.recordedAt)],
  );
}
