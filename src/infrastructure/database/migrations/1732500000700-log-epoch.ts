import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ES_APPEND_NEW_STREAMS_V1, ES_APPEND_V1 } from './1732500000000-event-store.js';

/** Advisory lock ('EP', 0) of the log epoch: held shared by every append, alone while the offset is raised. */
const EPOCH_LOCK = `${0x4550}, 0`;

/**
 * The log epoch: positions survive a logical copy of the database into another cluster.
 *
 * Positions become `(xid + xid_offset) * 65536 + ordinal` and readers read below
 * `(snapshot xmin + xid_offset) * 65536`, the offset read in the same statement
 * (`es_safe_bound()`). A logical copy (pg_dump / pg_restore, logical replication) carries
 * the positions but not the transaction counter; in a cluster whose counter is lower, new
 * events would be placed below stored ones (below the projections' checkpoints: never
 * delivered) and appends to existing streams would fail as if a younger transaction had
 * written them. The offset (one row, `es_log_epoch`) is raised by the first append that finds
 * the log copied, so that every new position lies above every stored one; no operator step.
 *
 * How an append finds the log copied (`es_log_base()`): the row names the cluster (its system
 * identifier) that last set it, and a copy brings the row along; a row of another cluster
 * means the events came from there. As a backstop for a copy made without the row: within
 * one cluster every visible position was taken either by a transaction that ended before the
 * snapshot, so from an xid below the snapshot's xmax, or by the appending transaction itself,
 * and with an offset no larger than the current one; a visible position at or above
 * `(greatest(xmax, own xid + 1) + offset) * 65536` can only come from elsewhere. (Below that
 * line the backstop cannot tell a copied position from a younger local transaction's: a copy
 * whose counter is close behind is found by the row only.) The raise
 * sets the offset to `max(position) / 65536 + 1 - xmin`, so that
 * `(xmin + offset) * 65536 > max(position)`: every transaction that can still append has an
 * xid at or above that xmin (the others have ended), so every new position is above every
 * stored one. `greatest` keeps the offset from ever going down.
 *
 * Why no append uses an offset older than one readers can see: every append holds the epoch
 * lock shared until its transaction ends and reads the offset in a statement after taking it;
 * a raise takes the lock alone, so it waits for every append in flight and holds back new
 * ones until it commits. An append that read the old offset has therefore committed (or
 * rolled back) before the raise commits, and one that starts after reads the new one.
 * Readers stay gap-safe: a reader that sees the new offset sees every old-offset event too,
 * and the events still to commit have positions `(xid + new) * 65536` with xid at or above
 * the reader's xmin, so at or above its bound `(xmin + new) * 65536`; a reader that still
 * sees the old offset reads below `(xmin + old) * 65536`, under both. Two appends that find
 * the copy at once both hold the lock shared and ask for it alone: PostgreSQL ends one of them
 * as a deadlock (40P01), which the adapter retries in a new transaction; that one then finds
 * the row set. Between the copy and the first append, readers (a row of another cluster) read
 * up to `max(position) + 1` as well: every append will raise before it writes, above that, so
 * everything stored is final and a projection rebuilt on the copy reads it all at once.
 *
 * The cost per append: the lock shared (in memory, nothing written), the one-row read and
 * `max(position)` (one descent of the primary key); the cluster's identifier is kept in the
 * session (`es.cluster_id`) after its first read.
 */
export class LogEpoch1732500000700 implements MigrationInterface {
  name = 'LogEpoch1732500000700';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE es_log_epoch (
        singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        cluster_id bigint  NOT NULL,
        xid_offset bigint  NOT NULL CHECK (xid_offset >= 0)
      )`);
    await q.query(`INSERT INTO es_log_epoch (cluster_id, xid_offset) SELECT system_identifier, 0 FROM pg_control_system()`);

    await q.query(`
      CREATE FUNCTION es_log_base() RETURNS bigint
      LANGUAGE plpgsql AS $$
      DECLARE
        v_xid     bigint := pg_current_xact_id()::text::bigint;
        v_cluster text   := current_setting('es.cluster_id', true);
        v_known   bigint;
        v_offset  bigint;
        v_max     bigint;
        v_xmin    bigint;
        v_xmax    bigint;
      BEGIN
        IF v_cluster IS NULL OR v_cluster = '' THEN
          SELECT system_identifier::text INTO v_cluster FROM pg_control_system();
          PERFORM set_config('es.cluster_id', v_cluster, false);
        END IF;
        PERFORM pg_advisory_xact_lock_shared(${EPOCH_LOCK});
        -- A statement of its own: its snapshot sees any raise committed before the lock was granted.
        SELECT e.cluster_id, e.xid_offset, (SELECT max(position) FROM es_events),
               pg_snapshot_xmax(pg_current_snapshot())::text::bigint
          INTO v_known, v_offset, v_max, v_xmax
          FROM es_log_epoch e;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'the log epoch (table es_log_epoch) has no row: restore it with the events';
        END IF;
        -- Its own events are visible to it too, and its xid may be at or above the snapshot's xmax.
        IF v_known <> v_cluster::bigint OR v_max >= (greatest(v_xmax, v_xid + 1) + v_offset) * 65536 THEN
          -- The log was copied from another cluster: raise the offset, alone.
          PERFORM pg_advisory_xact_lock(${EPOCH_LOCK});
          SELECT (SELECT max(position) FROM es_events), pg_snapshot_xmin(pg_current_snapshot())::text::bigint
            INTO v_max, v_xmin;
          UPDATE es_log_epoch
             SET cluster_id = v_cluster::bigint, xid_offset = greatest(xid_offset, v_max / 65536 + 1 - v_xmin)
          RETURNING xid_offset INTO v_offset;
        END IF;
        RETURN (v_xid + v_offset) * 65536;
      END $$`);

    await q.query(`
      CREATE FUNCTION es_safe_bound() RETURNS bigint
      LANGUAGE sql STABLE AS $$
        SELECT CASE
                 WHEN e.cluster_id = coalesce(nullif(current_setting('es.cluster_id', true), '')::bigint,
                                              (SELECT system_identifier FROM pg_control_system()))
                 THEN (pg_snapshot_xmin(pg_current_snapshot())::text::bigint + e.xid_offset) * 65536
                 -- Copied here, no append since: every append will place its events above all these.
                 ELSE greatest((pg_snapshot_xmin(pg_current_snapshot())::text::bigint + e.xid_offset) * 65536,
                               (SELECT max(position) + 1 FROM es_events))
               END
          FROM es_log_epoch e
      $$`);

    // As before, with the base from es_log_base(), and the 65536 events of a transaction
    // checked on its first append too.
    await q.query(`
      CREATE OR REPLACE FUNCTION es_append(
        p_stream text, p_expected text,
        p_ids uuid[], p_types text[], p_versions integer[],
        p_data jsonb[], p_metadata jsonb[], p_occurred date[],
        p_first_in_transaction boolean DEFAULT false
      ) RETURNS TABLE (last_revision bigint, last_position bigint)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        n        integer := cardinality(p_ids);
        v_base   bigint;
        v_offset bigint;
        v_last   bigint;
        v_rev    bigint;
        v_actual bigint;
        v_prior  bigint;
      BEGIN
        IF n IS NULL OR n = 0 THEN
          RAISE EXCEPTION 'an append needs at least one event' USING ERRCODE = 'EV400';
        END IF;
        IF n > 65536 THEN
          RAISE EXCEPTION 'one transaction may append at most 65536 events; this append has %', n USING ERRCODE = 'EV400';
        END IF;
        v_base := es_log_base();
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
      END $$`);

    await q.query(`
      CREATE OR REPLACE FUNCTION es_append_new_streams(
        p_streams text[], p_ids uuid[], p_types text[], p_versions integer[],
        p_data jsonb[], p_metadata jsonb[], p_occurred date[]
      ) RETURNS TABLE (last_revision bigint, last_position bigint)
      LANGUAGE plpgsql AS $$
      #variable_conflict use_column
      DECLARE
        n        integer := cardinality(p_streams);
        v_base   bigint;
        v_offset bigint;
        v_made   integer;
        v_taken  text;
      BEGIN
        IF n IS NULL OR n = 0 THEN
          RAISE EXCEPTION 'an append needs at least one event' USING ERRCODE = 'EV400';
        END IF;
        v_base := es_log_base();
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
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Without the offset, new positions would fall below the stored ones.
    await q.query(`
      DO $$ BEGIN
        IF (SELECT xid_offset FROM es_log_epoch) <> 0 THEN
          RAISE EXCEPTION 'the log epoch has an offset (the database was copied from another cluster): positions without it would fall below stored events';
        END IF;
      END $$`);
    await q.query(`DROP FUNCTION es_append_new_streams`);
    await q.query(`DROP FUNCTION es_append`);
    await q.query(ES_APPEND_V1);
    await q.query(ES_APPEND_NEW_STREAMS_V1);
    await q.query(`DROP FUNCTION es_safe_bound`);
    await q.query(`DROP FUNCTION es_log_base`);
    await q.query(`DROP TABLE es_log_epoch`);
  }
}
