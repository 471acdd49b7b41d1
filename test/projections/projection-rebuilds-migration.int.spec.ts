import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { ProjectionRebuilds1732500000800 } from '../../src/infrastructure/database/migrations/1732500000800-projection-rebuilds.js';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('migration 1732500000800 (projection rebuilds)', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = createDataSource(db.url);
    await ds.initialize();
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  it('moves the stream revisions of each projection into a table of its own and back, and drops an unfinished rebuild going down', async () => {
    await ds.query(`INSERT INTO org_structure_stream_revisions (stream, revision) VALUES ('orgUnit-a', 3), ('orgUnit-b', 0)`);
    await ds.query(`INSERT INTO membership_stream_revisions (stream, revision) VALUES ('member-c', 1), ('orgUnit-a', 2)`);
    await ds.query(`INSERT INTO projection_checkpoints (projection, rebuild_position) VALUES ('membership', 7)`);
    await ds.query(`CREATE SCHEMA rebuild_membership`);
    const migration = new ProjectionRebuilds1732500000800();
    const runner = ds.createQueryRunner();
    try {
      await migration.down(runner);
      expect(await ds.query(`SELECT projection, stream, revision::int FROM projected_stream_revisions ORDER BY 1, 2`)).toEqual([
        { projection: 'membership', stream: 'member-c', revision: 1 },
        { projection: 'membership', stream: 'orgUnit-a', revision: 2 },
        { projection: 'org-structure', stream: 'orgUnit-a', revision: 3 },
        { projection: 'org-structure', stream: 'orgUnit-b', revision: 0 },
      ]);
      expect(await ds.query(`SELECT nspname FROM pg_namespace WHERE nspname = 'rebuild_membership'`)).toEqual([]);
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    expect(await ds.query(`SELECT stream, revision::int FROM org_structure_stream_revisions ORDER BY 1`)).toEqual([
      { stream: 'orgUnit-a', revision: 3 },
      { stream: 'orgUnit-b', revision: 0 },
    ]);
    expect(await ds.query(`SELECT stream, revision::int FROM membership_stream_revisions ORDER BY 1`)).toEqual([
      { stream: 'member-c', revision: 1 },
      { stream: 'orgUnit-a', revision: 2 },
    ]);
    expect(await ds.query(`SELECT to_regclass('projected_stream_revisions') AS t`)).toEqual([{ t: null }]);
    expect(await ds.query(`SELECT rebuild_position FROM projection_checkpoints WHERE projection = 'membership'`)).toEqual([{ rebuild_position: null }]);
  });
});
