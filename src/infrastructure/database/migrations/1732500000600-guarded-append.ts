import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `es_append_guarded`: an append that holds, for its own transaction, shared advisory locks
 * on the units a command read (those that commands moving a unit hold exclusively), and
 * goes through only if every stream the command read is still at the revision it read. A
 * command whose rule read other streams thus appends in one round trip, as if it had held
 * them still from its first read: a reading that moved is refused with EV410 (the streams
 * in DETAIL), and the command decides again. It never waits for a lock: a unit held alone by
 * a command moving it is refused at once with EV423, so that no store connection waits on it.
 */
export class GuardedAppend1732500000600 implements MigrationInterface {
  name = 'GuardedAppend1732500000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION es_append_guarded(
        p_lock_class integer, p_lock_ids text[],
        p_read_streams text[], p_read_revisions bigint[],
        p_stream text, p_expected text,
        p_ids uuid[], p_types text[], p_versions integer[],
        p_data jsonb[], p_metadata jsonb[], p_occurred date[]
      ) RETURNS TABLE (last_revision bigint, last_position bigint)
      LANGUAGE plpgsql VOLATILE AS $$
      #variable_conflict use_column
      DECLARE
        v_moved text;
      BEGIN
        IF EXISTS (SELECT 1 FROM (SELECT DISTINCT hashtext(t.id) AS key FROM unnest(p_lock_ids) AS t(id)) k
                    WHERE NOT pg_try_advisory_xact_lock_shared(p_lock_class, k.key)) THEN
          RAISE EXCEPTION 'a unit read by the command is held by a command moving it' USING ERRCODE = 'EV423';
        END IF;
        -- A statement of its own: its snapshot sees whatever committed before the locks were taken.
        SELECT string_agg(r.stream, ',' ORDER BY r.stream) INTO v_moved
          FROM unnest(p_read_streams, p_read_revisions) AS r(stream, revision)
          LEFT JOIN es_streams s ON s.stream = r.stream
         WHERE s.revision IS DISTINCT FROM r.revision;
        IF v_moved IS NOT NULL THEN
          RAISE EXCEPTION 'streams read by the command have moved on: %', v_moved USING ERRCODE = 'EV410', DETAIL = v_moved;
        END IF;
        RETURN QUERY SELECT a.last_revision, a.last_position
          FROM es_append(p_stream, p_expected, p_ids, p_types, p_versions, p_data, p_metadata, p_occurred, true) a;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION es_append_guarded`);
  }
}
