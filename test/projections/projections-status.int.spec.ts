import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/infrastructure/database/data-source.js';
import type { NewEvent } from '../../src/infrastructure/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres-event-store.js';
import { ProjectionsService } from '../../src/infrastructure/projections/projections.service.js';
import { MembershipProjection } from '../../src/read-models/membership/membership.projection.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

function event(type: string): NewEvent {
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    data: {},
    occurredOn: null,
    metadata: { actor: { id: 'tester', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
  };
}

describe('projection status: lag and what holds it back', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let store: PostgresEventStore;
  let service: ProjectionsService;
  const projection = new MembershipProjection();

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = createDataSource(db.url);
    await dataSource.initialize();
    store = new PostgresEventStore({ connectionString: db.url });
    // Never started: its checkpoint stays where the test puts it.
    service = new ProjectionsService([projection], dataSource, store, { batchSize: 100, lockRetryMs: 100, controlPollMs: 1000 });
  });
  afterAll(async () => {
    await store.close();
    await dataSource.destroy();
    await db.drop();
  });

  async function checkpointAtHead(): Promise<void> {
    const head = (await store.headPosition()).toString();
    await dataSource.query(
      `INSERT INTO projection_checkpoints (projection, position, log_cursor) VALUES ($1, $2, $3)
       ON CONFLICT (projection) DO UPDATE SET position = $2, log_cursor = $3`,
      [projection.name, head, head],
    );
  }

  it('counts the events after the checkpoint, of any type, up to 1000, without reading them', async () => {
    await store.appendToStream(`lag-${randomUUID()}`, [event('Ignored')], 'no_stream');
    await checkpointAtHead();
    const [caughtUp] = await service.status();
    expect(caughtUp).toMatchObject({ name: projection.name, lagEvents: 0, heldBackBy: null });

    await store.appendToStream(`lag-${randomUUID()}`, [event('Ignored'), event('AlsoIgnored'), event('Ignored')], 'no_stream');
    const readAll = jest.spyOn(store, 'readAll');
    const readBatch = jest.spyOn(store, 'readBatch');
    try {
      const [behind] = await service.status();
      expect(behind).toMatchObject({ lagEvents: 3, heldBackBy: null });
      await store.appendToStream(`lag-${randomUUID()}`, Array.from({ length: 1200 }, () => event('Bulk')), 'no_stream');
      const [far] = await service.status();
      expect(far!.lagEvents).toBe(1000);
      expect(readAll).not.toHaveBeenCalled();
      expect(readBatch).not.toHaveBeenCalled();
    } finally {
      readAll.mockRestore();
      readBatch.mockRestore();
    }
  });

  it('names the open transaction that keeps committed events from it, until it ends', async () => {
    await checkpointAtHead();
    const holder = new pg.Client({ connectionString: process.env.TEST_DATABASE_ADMIN_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_current_xact_id()');
      const pid = (await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      await store.appendToStream(`held-${randomUUID()}`, [event('Waiting')], 'no_stream');
      const [held] = await service.status();
      expect(held!.lagEvents).toBe(1);
      expect(held!.heldBackBy).toMatchObject({ pid, database: 'postgres', state: 'idle in transaction', eventsWaiting: true });
      await holder.query('COMMIT');
      const [free] = await service.status();
      expect(free).toMatchObject({ lagEvents: 1, heldBackBy: null });
    } finally {
      await holder.end();
    }
  });
});
