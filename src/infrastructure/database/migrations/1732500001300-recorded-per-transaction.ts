import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Events appended in one transaction (an import, a command's atomic appends) are recorded at
 * one time, the transaction's: they become visible together, so "as known at" a time sees
 * all of them or none. (Before, each statement had its own time.)
 */
export class RecordedPerTransaction1732500001300 implements MigrationInterface {
  name = 'RecordedPerTransaction1732500001300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE es_events ALTER COLUMN recorded_at SET DEFAULT transaction_timestamp()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE es_events ALTER COLUMN recorded_at SET DEFAULT statement_timestamp()`);
  }
}
