import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Sealed period snapshots, as their events record them. */
export class PeriodSnapshots1732500001200 implements MigrationInterface {
  name = 'PeriodSnapshots1732500001200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE snapshots_stream_revisions (stream text PRIMARY KEY, revision bigint NOT NULL)`);
    await q.query(`
      CREATE TABLE period_snapshots (
        snapshot_id     uuid        PRIMARY KEY,
        campaign_id     uuid        NOT NULL,
        unit_id         uuid        NOT NULL,
        as_of           date        NOT NULL,
        known_at        timestamptz,
        position        bigint      NOT NULL,
        log_cursor      text,
        content_hash    text        NOT NULL,
        hash_algorithm  text        NOT NULL,
        document        jsonb       NOT NULL,
        sealed_at       timestamptz NOT NULL,
        sealed_by       jsonb       NOT NULL,
        sealed_position bigint      NOT NULL
      )`);
    await q.query(`CREATE INDEX period_snapshots_campaign ON period_snapshots (campaign_id, unit_id, as_of)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE period_snapshots`);
    await q.query(`DROP TABLE snapshots_stream_revisions`);
  }
}
