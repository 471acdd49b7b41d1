import type { MigrationInterface, QueryRunner } from 'typeorm';

const KNOWLEDGE = ['compliance_knowledge', 'org_knowledge', 'membership_knowledge'] as const;

/**
 * When an event is recorded, and when the views know a change.
 *
 * An event is recorded when its transaction writes its first event: `es_recorded_at()` takes
 * the clock then (to the millisecond, as the service reads times), after the locks the append
 * takes before writing, and gives every later event of the transaction the same time (kept for
 * the transaction in `es.recorded_at`, with its id). The transaction's start, used before, came
 * before those waits: a transaction that waited for a lock was recorded earlier than one that
 * started after it, took a lower position and committed first. An atomic append to several
 * streams becomes one statement (`es_append_streams`), like every other append: each commits as
 * its statement ends, so its events are recorded within the statement that commits them.
 *
 * Positions still follow transaction ids, not recording times: a transaction can take its
 * position, then wait (for a stream's row) while a later one records and commits. So each
 * view's knowledge table keeps, per change, `known_since`: the latest recording time of that
 * change and of every earlier change of the view. It only grows with the position, so the first
 * change a view learnt of after a time is one step down an index; "as known at K" reads the
 * views just below the first change of any of them recorded after K (see `knowledgeAt`).
 */
export class RecordedWhenWritten1732500001600 implements MigrationInterface {
  name = 'RecordedWhenWritten1732500001600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION es_recorded_at() RETURNS timestamptz
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        v_xid text := pg_current_xact_id()::text;
        v_set text := current_setting('es.recorded_at', true);
        v_at  timestamptz;
      BEGIN
        -- 'xid@microseconds since the epoch', set for the transaction only.
        IF split_part(v_set, '@', 1) = v_xid THEN
          RETURN 'epoch'::timestamptz + split_part(v_set, '@', 2)::bigint * interval '1 microsecond';
        END IF;
        -- To the millisecond, as the service's clock reads times (a later start within the same millisecond records no earlier).
        v_at := date_trunc('milliseconds', clock_timestamp());
        PERFORM set_config('es.recorded_at', v_xid || '@' || (extract(epoch FROM v_at) * 1000000)::bigint, true);
        RETURN v_at;
      END $$`);
    await q.query(`ALTER TABLE es_events ALTER COLUMN recorded_at SET DEFAULT es_recorded_at()`);
    // An atomic append to several streams in one statement: it commits as it ends, so its events
    // are recorded (at its first insert) within the statement that commits them.
    await q.query(`
      CREATE FUNCTION es_append_streams(
        p_streams text[], p_expected text[], p_counts integer[],
        p_ids uuid[], p_types text[], p_versions integer[],
        p_data jsonb[], p_metadata jsonb[], p_occurred date[]
      ) RETURNS TABLE (last_revision bigint, last_position bigint)
      LANGUAGE plpgsql AS $$
      DECLARE
        v_from integer := 1;
        v_to   integer;
      BEGIN
        IF cardinality(p_expected) IS DISTINCT FROM cardinality(p_streams) OR cardinality(p_counts) IS DISTINCT FROM cardinality(p_streams)
           OR (SELECT sum(c) FROM unnest(p_counts) AS c) IS DISTINCT FROM cardinality(p_ids)::bigint THEN
          RAISE EXCEPTION 'the streams, their expected revisions, their event counts and the events do not match' USING ERRCODE = 'EV400';
        END IF;
        -- The streams first, in name order (advisory lock class 'ES'), so that two appends naming
        -- the same streams in different orders queue instead of deadlocking; then each append in
        -- the caller's order, which is the order of the events in the log.
        PERFORM pg_advisory_xact_lock(${0x4553}, hashtext(t.s)) FROM (SELECT DISTINCT unnest(p_streams) AS s ORDER BY 1) t;
        FOR i IN 1 .. cardinality(p_streams) LOOP
          v_to := v_from + p_counts[i] - 1;
          RETURN QUERY SELECT a.last_revision, a.last_position
            FROM es_append(p_streams[i], p_expected[i], p_ids[v_from:v_to], p_types[v_from:v_to], p_versions[v_from:v_to],
                           p_data[v_from:v_to], p_metadata[v_from:v_to], p_occurred[v_from:v_to], i = 1) a;
          v_from := v_to + 1;
        END LOOP;
      END $$`);
    for (const t of KNOWLEDGE) {
      await q.query(`ALTER TABLE ${t} RENAME COLUMN recorded_at TO known_since`);
      await q.query(`ALTER INDEX ${t}_recorded RENAME TO ${t}_known_since`);
      await q.query(
        `UPDATE ${t} k SET known_since = m.known_since
           FROM (SELECT position, max(known_since) OVER (ORDER BY position) AS known_since FROM ${t}) m
          WHERE k.position = m.position AND k.known_since <> m.known_since`,
      );
    }
    // Changes of knowledge were grouped by recording time before, now by transaction: the views
    // that keep knowledge are rebuilt beside the live ones (by whichever instance runs them), so
    // that their answers as known at a time are those a rebuild from position 0 gives.
    await q.query(
      `UPDATE projection_checkpoints SET rebuild_requested_at = now() WHERE projection IN ('org-structure', 'membership', 'compliance')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    // The times each change was recorded at are not kept apart from the running ones: they stay as they are.
    for (const t of KNOWLEDGE) {
      await q.query(`ALTER INDEX ${t}_known_since RENAME TO ${t}_recorded`);
      await q.query(`ALTER TABLE ${t} RENAME COLUMN known_since TO recorded_at`);
    }
    await q.query(`DROP FUNCTION es_append_streams`);
    await q.query(`ALTER TABLE es_events ALTER COLUMN recorded_at SET DEFAULT transaction_timestamp()`);
    await q.query(`DROP FUNCTION es_recorded_at`);
  }
}
