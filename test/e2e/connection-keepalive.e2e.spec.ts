import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { UnitLocks } from '../../src/infrastructure/commands/unit-locks.js';
import { DEAD_PEER_SECONDS, SERVER_KEEPALIVE } from '../../src/infrastructure/database/connection-options.js';
import { api, establish, startTestApp, type TestApp } from '../support/test-app.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

type Settings = Record<string, string>;

/** The session's keepalive settings on the server, as `pg_settings` gives them (seconds, milliseconds for tcp_user_timeout). */
const KEEPALIVE_SQL = `SELECT name, setting FROM pg_settings
  WHERE name IN ('tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count', 'tcp_user_timeout', 'client_connection_check_interval', 'work_mem')`;

const EXPECTED: Settings = {
  tcp_keepalives_count: String(SERVER_KEEPALIVE.count),
  tcp_keepalives_idle: String(SERVER_KEEPALIVE.idleSeconds),
  tcp_keepalives_interval: String(SERVER_KEEPALIVE.intervalSeconds),
  tcp_user_timeout: String(DEAD_PEER_SECONDS * 1000),
  client_connection_check_interval: '10000',
  // Given by the operator in the connection string's own `options`: kept beside the service's.
  work_mem: '8192',
};

const settingsOf = (rows: { name: string; setting: string }[]): Settings => Object.fromEntries(rows.map((r) => [r.name, r.setting]));

interface Created {
  readonly kind: 'Pool' | 'Client';
  readonly config: pg.PoolConfig & pg.ClientConfig;
  readonly instance: pg.Pool | pg.Client;
}

/**
 * Every pg Pool and Client the service creates (TypeORM's pool included: it takes `Pool`
 * from the same module), recorded while the service starts and runs a command.
 */
describe('connections to PostgreSQL: keepalive on both ends', () => {
  const created: Created[] = [];
  const original = { Pool: pg.Pool, Client: pg.Client };
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    const RecordedPool = class extends original.Pool {
      constructor(config?: pg.PoolConfig) {
        super(config);
        created.push({ kind: 'Pool', config: config ?? {}, instance: this });
      }
    };
    const RecordedClient = class extends original.Client {
      constructor(config?: pg.ClientConfig) {
        super(config);
        created.push({ kind: 'Client', config: typeof config === 'object' ? config : {}, instance: this });
      }
    };
    Object.assign(pg, { Pool: RecordedPool, Client: RecordedClient });
    try {
      // A connection string with startup options of its own, as managed providers often need.
      const url = new URL(db.url);
      url.searchParams.set('options', '-c work_mem=8MB');
      app = await startTestApp(url.toString());
      // Every pool at work: commands (their unit locks), views, projections, notifications.
      const province = await establish(app, { name: 'LĐLĐ tỉnh Keepalive', kind: 'provincial_federation', establishedOn: '2001-01-01' });
      await api(app).get(`/org-units/${province.id}`).query({ minPosition: province.position }).expect(200);
      await app.service.app.get(UnitLocks).withLocks([province.id], async () => undefined);
    } finally {
      Object.assign(pg, original);
    }
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('asks for keepalive on every pool and client the service creates, and the server applies it to their sessions with the connection string’s own options', async () => {
    const pools = created.filter((c) => c.kind === 'Pool');
    // The read models' data source, the event store, the command locks (at least).
    expect(pools.length).toBeGreaterThanOrEqual(3);
    // The LISTEN connections of the event store and of the projections' progress.
    const clients = created.filter((c) => c.kind === 'Client');
    expect(clients.length).toBeGreaterThanOrEqual(2);
    for (const { config } of created) {
      expect({ keepAlive: config.keepAlive, delay: config.keepAliveInitialDelayMillis }).toEqual({
        keepAlive: true,
        delay: SERVER_KEEPALIVE.idleSeconds * 1000,
      });
    }
    for (const { instance } of pools) {
      const pool = instance as pg.Pool;
      if (pool.ended) continue;
      expect(settingsOf((await pool.query<{ name: string; setting: string }>(KEEPALIVE_SQL)).rows)).toEqual(EXPECTED);
    }
    for (const { instance } of clients) {
      const client = instance as pg.Client;
      expect(settingsOf((await client.query<{ name: string; setting: string }>(KEEPALIVE_SQL)).rows)).toEqual(EXPECTED);
    }
    const [locks] = pools.filter((p) => String(p.config.options).includes('lock_timeout'));
    expect(locks).toBeDefined();
    const { rows } = await (locks!.instance as pg.Pool).query<{ setting: string }>(`SELECT setting FROM pg_settings WHERE name = 'lock_timeout'`);
    expect(rows[0]!.setting).toBe('5000');
  });
});
