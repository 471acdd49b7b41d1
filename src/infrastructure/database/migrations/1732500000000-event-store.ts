import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The PostgreSQL event store.
 *
 * Global positions are derived from the appending transaction's id:
 * `xid * 65536 + ordinal`. A reader only reads below `xmin` of its snapshot (the oldest
 * transaction still in flight), so a transaction that commits late can never add an event
 * below a position a reader has already passed. No global lock or sequence is shared by
 * appends to different streams.
 */
export class EventStore1732500000000 implements MigrationInterface {
  name = 'EventStore1732500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE es_streams (
        stream        text   PRIMARY KEY,
        revision      bigint NOT NULL,
        last_position bigint NOT NULL
      )`);
    await q.query(`
      CREATE TABLE es_events (
        position        bigint      PRIMARY KEY,
        event_id        uuid        NOT NULL,
        stream          text        NOT NULL,
        stream_revision bigint      NOT NULL,
        category        text        NOT NULL,
        type            text        NOT NULL,
        schema_version  integer     NOT NULL,
        data            jsonb       NOT NULL,
        metadata        jsonb       NOT NULL,
        occurred_on     date,
        recorded_at     timestamptz NOT NULL DEFAULT statement_timestamp(),
        CONSTRAINT es_events_event_id_key UNIQUE (event_id),
        CONSTRAINT es_events_stream_revision_key UNIQUE (stream, stream_revision)
      )`);
    await q.query(`CREATE INDEX es_events_type_position ON es_events (type, position)`);
    await q.query(`CREATE INDEX es_events_category_position ON es_events (category, position)`);

    await q.query(`
      CREATE FUNCTION es_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'events are immutable: % on % is refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'EV001';
      END $$`);
    await q.query(`
      CREATE TRIGGER es_events_immutable BEFORE UPDATE OR DELETE ON es_events
        FOR EACH ROW EXECUTE FUNCTION es_refuse_change()`);
    await q.query(`
      CREATE TRIGGER es_events_no_truncate BEFORE TRUNCATE ON es_events
        FOR EACH STATEMENT EXECUTE FUNCTION es_refuse_change()`);

    // One round trip per append: check and move the stream revision, insert the events.
    // Errors carry SQLSTATE EV409 with the actual revision in DETAIL, or EV400 for misuse.
    // A transaction whose id is older than the stream's last writer would place the next
    // revision below the previous one in the log: it fails with 40001 and is retried (with a
    // new transaction id) by the adapter.
    // Listeners are notified by the adapter after the commit, outside the append transaction:
    // NOTIFY takes a database-wide lock at commit, which would serialise all appends.
    await q.query(ES_APPEND_V1);

    // The next free ordinal of this transaction's positions (a transaction may append several times).
    await q.query(`
      CREATE FUNCTION es_next_offset(p_base bigint, n integer) RETURNS bigint
      LANGUAGE plpgsql AS $$
      DECLARE v_offset bigint;
      BEGIN
        SELECT coalesce(max(e.position) - p_base + 1, 0) INTO v_offset
          FROM es_events e WHERE e.position >= p_base AND e.position < p_base + 65536;
        IF v_offset + n > 65536 THEN
          RAISE EXCEPTION 'one transaction may append at most 65536 events' USING ERRCODE = 'EV400';
        END IF;
        RETURN v_offset;
      END $$`);

    // Many new streams of one event each (a bulk enrolment) in one statement, locking the
    // stream names in sorted order so that concurrent bulk appends cannot deadlock.
    await q.query(ES_APPEND_NEW_STREAMS_V1);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION es_append_new_streams`);
    await q.query(`DROP FUNCTION es_append`);
    await q.query(`DROP FUNCTION es_next_offset`);
    await q.query(`DROP TABLE es_events`);
    await q.query(`DROP FUNCTION es_refuse_change`);
    await q.query(`DROP TABLE es_streams`);
  }
}

/**
 * `es_append` as this migration creates it (positions `xid * 65536 + ordinal`): a later
 * migration that replaces it puts this text back in its down.
 */
export const ES_APPEND_V1 = `
      CREATE FUNCTION es_append(
        p_stream text, p_expected text,
        p_ids uuid[], p_types text[], p_versions integer[],
        p_data jsonb[], p_metadata jsonb[], p_occurred date[],
        p_first_in_transaction boolean DEFAULT false
      ) RETURNS TABLE (last_revision bigint, last_position bigint)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        n        integer := cardinality(p_ids);
        v_base   bigint  := pg_current_xact_id()::text::bigint * 65536;
        v_offset bigint;
        v_last   bigint;
        v_rev    bigint;
        v_actual bigint;
        v_prior  bigint;
      BEGIN
        IF n IS NULL OR n = 0 THEN
          RAISE EXCEPTION 'an append needs at least one event' USING ERRCODE = 'EV400';
        END IF;
        -- The adapter knows when this is the transaction's first append: no positions taken yet.
        v_offset := CASE WHEN p_first_in_transaction THEN 0 ELSE es_next_offset(v_base, n) END;
        v_last := v_base + v_offset + n - 1;
        IF p_expected = 'no_stream' THEN
          INSERT INTO es_streams (stream, revision, last_position) VALUES (p_stream, n - 1, v_last)
            ON CONFLICT (stream) DO NOTHING RETURNING revision INTO v_rev;
        ELSIF p_expected = 'any' THEN
          INSERT INTO es_streams AS s (stream, revision, last_position) VALUES (p_stream, n - 1, v_last)
            ON CONFLICT (stream) DO UPDATE SET revision = s.revision + n, last_position = v_last
            WHERE s.last_position < v_base
            RETURNING revision INTO v_rev;
        ELSIF p_expected = 'stream_exists' THEN
          UPDATE es_streams SET revision = revision + n, last_position = v_last
            WHERE stream = p_stream AND last_position < v_base
            RETURNING revision INTO v_rev;
        ELSE
          UPDATE es_streams SET revision = revision + n, last_position = v_last
            WHERE stream = p_stream AND revision = p_expected::bigint AND last_position < v_base
            RETURNING revision INTO v_rev;
        END IF;
        IF v_rev IS NULL THEN
          SELECT revision, last_position INTO v_actual, v_prior FROM es_streams WHERE stream = p_stream;
          IF v_prior >= v_base AND p_expected <> 'no_stream'
             AND (p_expected IN ('any', 'stream_exists') OR v_actual = p_expected::bigint) THEN
            RAISE EXCEPTION 'stream % was appended by a younger transaction; retry', p_stream
              USING ERRCODE = '40001';
          END IF;
          RAISE EXCEPTION 'stream % is not at the expected revision %', p_stream, p_expected
            USING ERRCODE = 'EV409', DETAIL = coalesce(v_actual::text, 'no_stream');
        END IF;

        INSERT INTO es_events (position, event_id, stream, stream_revision, category, type,
                               schema_version, data, metadata, occurred_on)
        SELECT v_base + v_offset + u.ord - 1, u.id, p_stream, v_rev - n + u.ord,
               split_part(p_stream, '-', 1), u.type, u.version, u.data, u.metadata, u.occurred
          FROM unnest(p_ids, p_types, p_versions, p_data, p_metadata, p_occurred)
               WITH ORDINALITY AS u(id, type, version, data, metadata, occurred, ord);

        RETURN QUERY SELECT v_rev, v_last;
      END $$`;

/** `es_append_new_streams` as this migration creates it (see ES_APPEND_V1). */
export const ES_APPEND_NEW_STREAMS_V1 = `
      CREATE FUNCTION es_append_new_streams(
        p_streams text[], p_ids uuid[], p_types text[], p_versions integer[],
        p_data jsonb[], p_metadata jsonb[], p_occurred date[]
      ) RETURNS TABLE (last_revision bigint, last_position bigint)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        n        integer := cardinality(p_streams);
        v_base   bigint  := pg_current_xact_id()::text::bigint * 65536;
        v_offset bigint;
        v_made   integer;
        v_taken  text;
      BEGIN
        IF n IS NULL OR n = 0 THEN
          RAISE EXCEPTION 'an append needs at least one event' USING ERRCODE = 'EV400';
        END IF;
        v_offset := es_next_offset(v_base, n);
        WITH made AS (
          INSERT INTO es_streams (stream, revision, last_position)
          SELECT u.s, 0, v_base + v_offset + u.ord - 1 FROM unnest(p_streams) WITH ORDINALITY AS u(s, ord)
           ORDER BY u.s
          ON CONFLICT (stream) DO NOTHING RETURNING 1)
        SELECT count(*) INTO v_made FROM made;
        IF v_made < n THEN
          SELECT s INTO v_taken FROM unnest(p_streams) AS s
           WHERE EXISTS (SELECT 1 FROM es_events e WHERE e.stream = s) LIMIT 1;
          IF v_taken IS NULL THEN
            RAISE EXCEPTION 'a stream is named twice in one append' USING ERRCODE = 'EV400';
          END IF;
          RAISE EXCEPTION 'stream % is not at the expected revision no_stream', v_taken
            USING ERRCODE = 'EV409', DETAIL = (SELECT revision::text FROM es_streams WHERE stream = v_taken);
        END IF;
        INSERT INTO es_events (position, event_id, stream, stream_revision, category, type,
                               schema_version, data, metadata, occurred_on)
        SELECT v_base + v_offset + u.ord - 1, u.id, u.stream, 0, split_part(u.stream, '-', 1),
               u.type, u.version, u.data, u.metadata, u.occurred
          FROM unnest(p_streams, p_ids, p_types, p_versions, p_data, p_metadata, p_occurred)
               WITH ORDINALITY AS u(stream, id, type, version, data, metadata, occurred, ord);
        RETURN QUERY SELECT 0::bigint, v_base + v_offset + u.ord - 1
          FROM generate_series(1, n) AS u(ord);
      END $$`;
