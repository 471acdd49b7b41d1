import type { QueryRunner } from 'typeorm';

/** A projection's name becomes part of its rebuild schema's name: lower-case letters, digits, `-` and `_`. */
const PROJECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,54}$/;
/** A projection's tables are plain, unquoted names in `public`. */
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * How long the switch waits for each live table's lock before it gives up and tries again
 * later. The lock statement holds the tables it already has while it waits for the next, so
 * a reader holding the next and asking for one of those would be waiting in a cycle:
 * PostgreSQL breaks a cycle after `deadlock_timeout` (1 s by default) by failing one side,
 * possibly the reader. Giving up after this much per table (a few tables) ends any such cycle
 * well before that, always on the switch's side.
 */
const SWITCH_LOCK_TIMEOUT_MS = 100;

/** A rebuild that cannot be done without harming the live view (said before anything is touched). */
export class RebuildRefusedError extends Error {
  constructor(projection: string, reasons: readonly string[]) {
    super(`projection ${projection} cannot be rebuilt beside its live view: ${reasons.join('; ')}`);
    this.name = 'RebuildRefusedError';
  }
}

/** Refuses, with the reason, a projection whose name or tables a rebuild could not work with. */
export function checkProjectionTables(projection: string, tables: readonly string[]): void {
  if (!PROJECTION_NAME.test(projection)) {
    throw new Error(`projection name "${projection}" must be 1 to 55 lower-case letters, digits, "-" or "_" (it names its rebuild schema)`);
  }
  if (tables.length === 0) throw new Error(`projection ${projection} declares no tables`);
  const wrong = tables.filter((t) => !TABLE_NAME.test(t));
  if (wrong.length > 0) throw new Error(`projection ${projection}: table names must be plain lower-case identifiers, not ${wrong.join(', ')}`);
  if (new Set(tables).size !== tables.length) throw new Error(`projection ${projection} declares a table twice`);
}

/** The schema a projection is rebuilt in, as stored in the catalog. */
export const shadowSchemaName = (projection: string): string => `rebuild_${projection}`;

/** The schema a projection is rebuilt in, quoted for SQL. */
export const shadowSchema = (projection: string): string => ident(shadowSchemaName(projection));

/**
 * Creates the schema a projection is rebuilt in, dropping any earlier one, and in it an empty
 * copy of each of its tables (`LIKE … INCLUDING ALL`: columns, defaults, constraints,
 * indexes, storage), with the live indexes' names: index names are unique per schema, so
 * the copies can bear them already, and after the switch the tables look exactly as the
 * migrations made them. Refuses a table that a foreign key, a trigger or a view ties to
 * others (those are not copied, and the switch drops the live table), and one with a column
 * numbered by a sequence (serial or identity): a copy would either share the live table's
 * sequence, which the switch drops with it, or number its rows anew. The live tables'
 * privileges, storage parameters and comment are copied at the switch (`moveShadowIn`).
 * Runs in the caller's transaction.
 */
export async function createShadowTables(q: QueryRunner, projection: string, tables: readonly string[]): Promise<void> {
  await refuseTiedTables(q, projection, tables);
  const schema = shadowSchema(projection);
  await q.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await q.query(`CREATE SCHEMA ${schema}`);
  for (const table of tables) await q.query(`CREATE TABLE ${schema}.${ident(table)} (LIKE public.${ident(table)} INCLUDING ALL)`);
  await nameIndexesAsLive(q, projection, tables);
}

async function refuseTiedTables(q: QueryRunner, projection: string, tables: readonly string[]): Promise<void> {
  const rows: { name: string; missing: boolean; foreign_keys: boolean; triggers: boolean; sequences: boolean; views: boolean }[] = await q.query(
    `SELECT t.name, c.oid IS NULL AS missing,
            EXISTS (SELECT 1 FROM pg_constraint k WHERE k.contype = 'f' AND c.oid IN (k.conrelid, k.confrelid)) AS foreign_keys,
            EXISTS (SELECT 1 FROM pg_trigger g WHERE g.tgrelid = c.oid AND NOT g.tgisinternal) AS triggers,
            EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attidentity <> '')
              OR EXISTS (SELECT 1 FROM pg_attrdef d
                           JOIN pg_depend s ON s.classid = 'pg_attrdef'::regclass AND s.objid = d.oid AND s.refclassid = 'pg_class'::regclass
                           JOIN pg_class q ON q.oid = s.refobjid AND q.relkind = 'S'
                          WHERE d.adrelid = c.oid) AS sequences,
            EXISTS (SELECT 1 FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid
                     WHERE d.classid = 'pg_rewrite'::regclass AND d.refclassid = 'pg_class'::regclass
                       AND d.refobjid = c.oid AND r.ev_class <> c.oid) AS views
       FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n)
       LEFT JOIN pg_class c ON c.relname = t.name AND c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace
      ORDER BY t.n`,
    [tables],
  );
  const reasons = rows.flatMap((r) => [
    ...(r.missing ? [`${r.name} is not a table in public`] : []),
    ...(r.foreign_keys ? [`${r.name} has a foreign key to or from it`] : []),
    ...(r.triggers ? [`${r.name} has triggers`] : []),
    ...(r.sequences ? [`${r.name} has a column numbered by a sequence (serial or identity)`] : []),
    ...(r.views ? [`${r.name} is read by a view`] : []),
  ]);
  if (reasons.length > 0) throw new RebuildRefusedError(projection, reasons);
}

interface IndexRow {
  readonly table: string;
  readonly name: string;
  readonly definition: string;
}

/** The indexes of the tables in a schema, each definition without its name and table (to match copies by). */
async function indexesOf(q: QueryRunner, schemaName: string, tables: readonly string[]): Promise<IndexRow[]> {
  const rows: { table: string; name: string; definition: string }[] = await q.query(
    `SELECT c.relname AS table, i.relname AS name, pg_get_indexdef(x.indexrelid) AS definition
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2::text[])
      ORDER BY c.relname, i.relname`,
    [schemaName, tables],
  );
  return rows.map((r) => ({ ...r, definition: r.definition.replace(/^(CREATE (?:UNIQUE )?INDEX )\S+ ON (?:ONLY )?\S+ /, '$1ON ') }));
}

/**
 * Renames the copies' indexes (and so the constraints they back) to the names of the live
 * indexes they copy, matched by definition; first to interim names, so that no rename
 * meets a name another copy still bears.
 */
async function nameIndexesAsLive(q: QueryRunner, projection: string, tables: readonly string[]): Promise<void> {
  const schemaName = shadowSchemaName(projection);
  const live = await indexesOf(q, 'public', tables);
  const copies = await indexesOf(q, schemaName, tables);
  const renames: { from: string; to: string }[] = [];
  for (const index of live) {
    const at = copies.findIndex((c) => c.table === index.table && c.definition === index.definition);
    if (at < 0) throw new Error(`projection ${projection}: no copy of index ${index.name} in ${schemaName}`);
    const [copy] = copies.splice(at, 1);
    if (copy!.name !== index.name) renames.push({ from: copy!.name, to: index.name });
  }
  const schema = shadowSchema(projection);
  for (const [i, r] of renames.entries()) await q.query(`ALTER INDEX ${schema}.${ident(r.from)} RENAME TO ${ident(`rebuild_index_${i}`)}`);
  for (const [i, r] of renames.entries()) await q.query(`ALTER INDEX ${schema}.${ident(`rebuild_index_${i}`)} RENAME TO ${ident(r.to)}`);
}

/** Gathers the planner's statistics of the rebuilt tables, so that they serve from their first query. */
export async function analyzeShadowTables(q: QueryRunner, projection: string, tables: readonly string[]): Promise<void> {
  const schema = shadowSchema(projection);
  await q.query(`ANALYZE ${tables.map((t) => `${schema}.${ident(t)}`).join(', ')}`);
}

/**
 * Takes the live tables for the switch, in the caller's transaction; false when readers
 * held one of them longer than SWITCH_LOCK_TIMEOUT_MS (the transaction is then aborted).
 */
export async function lockLiveTables(q: QueryRunner, tables: readonly string[]): Promise<boolean> {
  await q.query(`SET LOCAL lock_timeout = '${SWITCH_LOCK_TIMEOUT_MS}ms'`);
  try {
    await q.query(`LOCK TABLE ${tables.map((t) => `public.${ident(t)}`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
  } catch (error) {
    if (sqlState(error) === '55P03') return false;
    throw error;
  }
  await q.query(`SET LOCAL lock_timeout = DEFAULT`);
  return true;
}

/**
 * Who holds a lock on the live tables (a switch waits for them): each session's pid (null for
 * a prepared transaction), database, state and how long its transaction has been open.
 */
export async function liveTableHolders(q: QueryRunner, tables: readonly string[]): Promise<string[]> {
  const rows: { pid: number | null; database: string | null; state: string | null; seconds: number | null }[] = await q.query(
    `SELECT DISTINCT l.pid, coalesce(a.datname, d.datname) AS database,
            CASE WHEN l.pid IS NULL THEN 'prepared' ELSE a.state END AS state,
            extract(epoch FROM now() - coalesce(a.xact_start, p.prepared))::int AS seconds
       FROM pg_locks l
       LEFT JOIN pg_stat_activity a ON a.pid = l.pid
       LEFT JOIN pg_prepared_xacts p ON l.pid IS NULL AND p.transaction = l.transactionid
       LEFT JOIN pg_database d ON d.oid = l.database
      WHERE l.locktype = 'relation' AND l.granted AND l.pid IS DISTINCT FROM pg_backend_pid()
        AND l.relation = ANY(SELECT to_regclass(format('public.%I', t)) FROM unnest($1::text[]) t)
      ORDER BY seconds DESC NULLS LAST`,
    [tables],
  );
  return rows.map(
    (r) => `${r.pid === null ? 'a prepared transaction' : `pid ${r.pid}`} (${r.state ?? 'state unknown'}${r.seconds === null ? '' : `, transaction open ${r.seconds} s`}, database ${r.database ?? 'unknown'})`,
  );
}

/**
 * Whether the rebuilt tables are still made as the live ones are (columns, constraints,
 * indexes, names included): a migration that changed a live table during the rebuild
 * makes them differ.
 */
export async function shadowMatchesLive(q: QueryRunner, projection: string, tables: readonly string[]): Promise<boolean> {
  const made = async (schemaName: string): Promise<string> =>
    JSON.stringify([await shapeOf(q, schemaName, tables), await indexesOf(q, schemaName, tables)]);
  return (await made('public')) === (await made(shadowSchemaName(projection)));
}

async function shapeOf(q: QueryRunner, schemaName: string, tables: readonly string[]): Promise<unknown[]> {
  return q.query(
    `SELECT c.relname AS table,
            (SELECT string_agg(format('%s %s%s', a.attname, format_type(a.atttypid, a.atttypmod), CASE WHEN a.attnotnull THEN ' not null' END), ', ' ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            (SELECT string_agg(format('%s %s', k.conname, pg_get_constraintdef(k.oid)), ', ' ORDER BY k.conname)
               FROM pg_constraint k WHERE k.conrelid = c.oid) AS constraints
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relkind = 'r'
      ORDER BY c.relname`,
    [schemaName, tables],
  );
}

/**
 * Gives each copy what an operator may have set on the live table and `LIKE` does not copy:
 * its privileges (table-wide grants), storage parameters and comment.
 */
async function copyTableSettings(q: QueryRunner, projection: string, tables: readonly string[]): Promise<void> {
  const rows: { statement: string }[] = await q.query(
    `SELECT format('GRANT %s ON TABLE %I.%I TO %s%s', g.privilege_type, $1::text, c.relname,
                   CASE WHEN g.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(g.grantee)) END,
                   CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END) AS statement
       FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) g
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname = ANY($2::text[])
     UNION ALL
     SELECT format('ALTER TABLE %I.%I SET (%s)', $1::text, c.relname,
                   (SELECT string_agg(format('%s = %L', split_part(o, '=', 1), substr(o, strpos(o, '=') + 1)), ', ') FROM unnest(c.reloptions) o))
       FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname = ANY($2::text[]) AND c.reloptions IS NOT NULL
     UNION ALL
     SELECT format('COMMENT ON TABLE %I.%I IS %L', $1::text, c.relname, obj_description(c.oid, 'pg_class'))
       FROM pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname = ANY($2::text[])
        AND obj_description(c.oid, 'pg_class') IS NOT NULL`,
    [shadowSchemaName(projection), tables],
  );
  for (const { statement } of rows) await q.query(statement);
}

/**
 * Drops the live tables and moves the rebuilt ones into their place, with the live tables'
 * privileges, storage parameters and comment, then drops the rebuild schema (and any copy of
 * a table the projection no longer declares). In the
 * caller's transaction, which holds the live tables' locks: readers
 * wait for its commit, then read the rebuilt tables (a statement waiting for a dropped
 * table's lock looks the name up again once it has the lock). The drop is RESTRICT: were
 * anything to depend on a live table, the switch fails rather than drop it too.
 */
export async function moveShadowIn(q: QueryRunner, projection: string, tables: readonly string[]): Promise<void> {
  const schema = shadowSchema(projection);
  await copyTableSettings(q, projection, tables);
  await q.query(`DROP TABLE ${tables.map((t) => `public.${ident(t)}`).join(', ')}`);
  for (const table of tables) await q.query(`ALTER TABLE ${schema}.${ident(table)} SET SCHEMA public`);
  // What is left are copies of tables the projection no longer declares (new code came during the rebuild).
  await q.query(`DROP SCHEMA ${schema} CASCADE`);
}

/** A PostgreSQL identifier, quoted. */
function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The SQLSTATE of a failed statement (TypeORM copies it from the driver's error). */
function sqlState(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' ? code : undefined;
}
