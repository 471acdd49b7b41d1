import { DataSource } from 'typeorm';
import { READ_MODEL_ENTITIES } from '../../read-models/read-model-entities.js';
import { keepaliveOptions } from './connection-options.js';
import { MIGRATIONS } from './migrations/index.js';

/** The TypeORM data source of the read models; schemas come from migrations only. */
export function createDataSource(url: string, poolSize = 10, statementTimeoutMs = 30_000): DataSource {
  const connection = keepaliveOptions(url);
  return new DataSource({
    type: 'postgres',
    url: connection.connectionString,
    entities: READ_MODEL_ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    extra: {
      // Keepalive on both ends: a projection's lock (held by one of these sessions) is released
      // soon after its instance silently loses the network, and a standby takes over.
      ...connection,
      max: poolSize,
      // A stalled database answers 503 after these, instead of holding requests forever.
      // (0 turns them off: migrations and projection rebuilds may rightly take longer.)
      connectionTimeoutMillis: 10_000,
      ...(statementTimeoutMs > 0 ? { statement_timeout: statementTimeoutMs, query_timeout: statementTimeoutMs + 5_000 } : {}),
    },
  });
}
