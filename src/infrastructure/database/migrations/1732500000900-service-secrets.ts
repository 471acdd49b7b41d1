import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Secrets the service keeps for itself, shared by every instance through the database and
 * made once, at random, when the database is created: `command-ids` keys the ids derived from
 * an Idempotency-Key (so that no one else can compute them). A restored database keeps them,
 * so a retry after a restore still addresses what the first attempt created.
 */
export class ServiceSecrets1732500000900 implements MigrationInterface {
  name = 'ServiceSecrets1732500000900';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_secrets (
        name   text  PRIMARY KEY,
        secret bytea NOT NULL CHECK (length(secret) >= 32)
      )`);
    // gen_random_uuid() draws from the server's strong random source: two give 244 random bits.
    await q.query(`
      INSERT INTO service_secrets (name, secret)
      VALUES ('command-ids', decode(replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''), 'hex'))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE service_secrets`);
  }
}
