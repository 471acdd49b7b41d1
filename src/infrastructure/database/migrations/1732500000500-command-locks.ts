import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `command_lock(class, ids, exclusive, streams)`: takes a command's advisory locks (in key
 * order, exclusive where any id of a key is) and then, in a statement of its own and so with
 * a snapshot taken after the locks were granted, reads the revisions of the streams the
 * command read before it had them: one round trip where a command needs two.
 */
export class CommandLocks1732500000500 implements MigrationInterface {
  name = 'CommandLocks1732500000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION command_lock(p_class integer, p_ids text[], p_exclusive boolean[], p_streams text[])
        RETURNS TABLE (stream text, revision bigint)
      LANGUAGE plpgsql VOLATILE AS $$
      #variable_conflict use_column
      BEGIN
        PERFORM CASE WHEN k.exclusive THEN pg_advisory_lock(p_class, k.key) ELSE pg_advisory_lock_shared(p_class, k.key) END
          FROM (SELECT hashtext(t.id) AS key, bool_or(t.exclusive) AS exclusive
                  FROM unnest(p_ids, p_exclusive) AS t(id, exclusive)
                 GROUP BY 1 ORDER BY 1) k;
        RETURN QUERY SELECT s.stream, s.revision FROM es_streams s WHERE s.stream = ANY(p_streams);
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION command_lock(integer, text[], boolean[], text[])`);
  }
}
