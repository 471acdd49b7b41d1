import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Checkpoints of the projections and idempotency records of commands. */
export class Projections1732500000100 implements MigrationInterface {
  name = 'Projections1732500000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE projection_checkpoints (
        projection           text        PRIMARY KEY,
        position             bigint      NOT NULL DEFAULT 0,
        log_cursor           text,
        events_applied       bigint      NOT NULL DEFAULT 0,
        rebuild_requested_at timestamptz,
        rebuild_started_at   timestamptz,
        last_error           text,
        last_error_at        timestamptz,
        updated_at           timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE command_idempotency (
        scope         text        NOT NULL,
        key           text        NOT NULL,
        request_hash  text        NOT NULL,
        state         text        NOT NULL CHECK (state IN ('pending', 'done')),
        response      jsonb,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE command_idempotency`);
    await q.query(`DROP TABLE projection_checkpoints`);
  }
}
