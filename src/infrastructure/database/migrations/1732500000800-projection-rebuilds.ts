import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rebuilds beside the live views. Each projection keeps the stream revisions it has applied
 * in a table of its own (they were rows of `projected_stream_revisions`, keyed by projection),
 * so that its state is exactly its own tables, which a rebuild copies and switches in whole.
 * The checkpoint keeps the state of a rebuild in progress: how far its copies are
 * (`rebuild_cursor`, `rebuild_position`; a position while one is in progress, null
 * otherwise), the events they have been given, when the last one was switched in, and why
 * the rebuild in progress last failed or was refused (`rebuild_error`: the live loop clears
 * `last_error` with each batch it applies, a rebuild's failure stays until the rebuild moves on).
 */
export class ProjectionRebuilds1732500000800 implements MigrationInterface {
  name = 'ProjectionRebuilds1732500000800';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE projection_checkpoints
        ADD COLUMN rebuild_cursor         text,
        ADD COLUMN rebuild_position       bigint,
        ADD COLUMN rebuild_events_applied bigint NOT NULL DEFAULT 0,
        ADD COLUMN rebuild_completed_at   timestamptz,
        ADD COLUMN rebuild_error          text,
        ADD COLUMN rebuild_error_at       timestamptz`);
    for (const [table, projection] of PER_PROJECTION) {
      await q.query(`
        CREATE TABLE ${table} (
          stream   text   PRIMARY KEY,
          revision bigint NOT NULL
        )`);
      await q.query(`INSERT INTO ${table} (stream, revision) SELECT stream, revision FROM projected_stream_revisions WHERE projection = $1`, [
        projection,
      ]);
    }
    await q.query(`DROP TABLE projected_stream_revisions`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projected_stream_revisions (
        projection text   NOT NULL,
        stream     text   NOT NULL,
        revision   bigint NOT NULL,
        PRIMARY KEY (projection, stream)
      )`);
    for (const [table, projection] of PER_PROJECTION) {
      await q.query(`INSERT INTO projected_stream_revisions (projection, stream, revision) SELECT $1, stream, revision FROM ${table}`, [
        projection,
      ]);
      await q.query(`DROP TABLE ${table}`);
    }
    // The copies of a rebuild in progress go with the state that named them.
    const rebuilding: { projection: string }[] = await q.query(`SELECT projection FROM projection_checkpoints WHERE rebuild_position IS NOT NULL`);
    for (const { projection } of rebuilding) await q.query(`DROP SCHEMA IF EXISTS "rebuild_${projection.replaceAll('"', '""')}" CASCADE`);
    await q.query(`
      ALTER TABLE projection_checkpoints
        DROP COLUMN rebuild_cursor,
        DROP COLUMN rebuild_position,
        DROP COLUMN rebuild_events_applied,
        DROP COLUMN rebuild_completed_at,
        DROP COLUMN rebuild_error,
        DROP COLUMN rebuild_error_at`);
  }
}

/** The table of stream revisions of each projection that had rows in the shared table, as of this migration. */
const PER_PROJECTION = [
  ['org_structure_stream_revisions', 'org-structure'],
  ['membership_stream_revisions', 'membership'],
] as const;
