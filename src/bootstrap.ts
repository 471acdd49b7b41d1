import 'reflect-metadata';
import { Logger, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { AppModule } from './app.module.js';
import { json } from 'express';
import helmet from 'helmet';
import { type AppConfig, corsOrigins, trustProxy } from './config/app-config.js';
import { authenticationMiddleware, whenAuthenticated } from './infrastructure/auth/authentication.middleware.js';
import { WRITE_ROLES } from './infrastructure/auth/access-policy.js';
import type { AuthenticatedRequest } from './infrastructure/auth/authenticated-request.js';
import { FailedAuthLimiter } from './infrastructure/auth/failed-auth-limiter.js';
import { embeddedJwtSecret, jwtSecretFile } from './infrastructure/auth/jwt-secret.js';
import { TokenVerifier } from './infrastructure/auth/token-verifier.js';
import { createDataSource } from './infrastructure/database/data-source.js';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './infrastructure/database/embedded-postgres.js';
import type { EventStore } from './infrastructure/event-store/event-store.port.js';
import { EsdbEventStore } from './infrastructure/event-store/eventstoredb/esdb-event-store.js';
import { PostgresEventStore } from './infrastructure/event-store/postgres/postgres-event-store.js';
import { ProblemDetailsFilter } from './infrastructure/http/problem-details.filter.js';
import { serveOpenApi } from './infrastructure/http/openapi.js';
import { correlationIdMiddleware, requireJsonMiddleware } from './infrastructure/http/request-context.js';
import { StorableTextPipe } from './infrastructure/http/storable-text.pipe.js';
import { createValidationPipe } from './infrastructure/http/validation.js';

const BODY_LIMIT = '1mb';
const BULK_BODY_LIMIT = '12mb';
const BULK_ROUTES = new Set(['/members/import']);

function isBulkRoute(req: IncomingMessage): boolean {
  return req.method === 'POST' && BULK_ROUTES.has((req.url ?? '').split('?')[0]!.replace(/\/+$/, ''));
}

/** Only callers who may write get a bulk body read: the others are refused by the guard anyway. */
function mayWrite(req: IncomingMessage): boolean {
  const role = (req as AuthenticatedRequest).principal?.role;
  return role !== undefined && WRITE_ROLES.includes(role);
}

function isJson(req: IncomingMessage): boolean {
  return /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

/** The version of package.json (beside src/ and dist/ alike), for the OpenAPI document. */
function serviceVersion(): string {
  try {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const LEVELS: LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

export interface RunningService {
  readonly app: NestExpressApplication;
  readonly databaseUrl: string;
  readonly embedded: boolean;
  close(): Promise<void>;
}

/** Migrations run on their own connection, without the statement timeout of request work. */
async function migrate(databaseUrl: string, logger: Logger): Promise<void> {
  const migrations = createDataSource(databaseUrl, 1, 0);
  await migrations.initialize();
  try {
    const applied = await migrations.runMigrations({ transaction: 'each' });
    if (applied.length > 0) logger.log(`applied migrations: ${applied.map((m) => m.name).join(', ')}`);
  } finally {
    await migrations.destroy();
  }
}

/**
 * Opens the databases (starting the embedded PostgreSQL when no DATABASE_URL is given),
 * applies migrations, and builds the application. The caller decides whether to listen.
 */
export async function createService(config: AppConfig): Promise<RunningService> {
  const logger = new Logger('bootstrap');
  // Config validation makes AUTH_JWT_SECRET required unless the database is embedded; read
  // before anything is started, so that a bad secret file leaves nothing running.
  let jwtSecret = config.AUTH_JWT_SECRET;
  if (jwtSecret === undefined) {
    const generated = await embeddedJwtSecret(config.DATA_DIR);
    if (generated.created) logger.log(`generated the token signing secret in ${jwtSecretFile(config.DATA_DIR)}`);
    jwtSecret = generated.secret;
  }
  let embedded: EmbeddedDatabase | null = null;
  let databaseUrl = config.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: join(config.DATA_DIR, 'postgres'),
      port: config.EMBEDDED_PG_PORT,
      database: 'union_study',
      persistent: true,
    });
    databaseUrl = embedded.url;
    logger.log(`embedded PostgreSQL on port ${config.EMBEDDED_PG_PORT}, data in ${join(config.DATA_DIR, 'postgres')}`);
  }

  const dataSource = createDataSource(databaseUrl);
  let eventStore: EventStore | null = null;
  try {
    await migrate(databaseUrl, logger);
    await dataSource.initialize();
    eventStore =
      config.EVENT_STORE === 'eventstoredb'
        ? new EsdbEventStore(config.EVENTSTORE_CONNECTION_STRING!)
        : new PostgresEventStore({ connectionString: databaseUrl, pollIntervalMs: config.POLL_INTERVAL_MS });

    const app = await NestFactory.create<NestExpressApplication>(
      AppModule.forRoot({ config, databaseUrl, dataSource, eventStore, jwtSecret }),
      { logger: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1), bodyParser: false },
    );
    app.set('trust proxy', trustProxy(config));
    app.use(helmet());
    const origins = corsOrigins(config);
    // Without CORS_ORIGINS no cross-origin headers are sent: browsers keep other sites out.
    if (origins.length > 0) {
      app.enableCors({
        origin: origins,
        methods: ['GET', 'POST'],
        allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'Idempotency-Key', 'X-Correlation-Id'],
        exposedHeaders: ['ETag', 'X-Correlation-Id', 'Idempotent-Replayed', 'Retry-After'],
        maxAge: 600,
      });
    }
    app.use(correlationIdMiddleware);
    // The token is verified before the body is read: an anonymous body is never parsed.
    app.use(authenticationMiddleware(app.get(TokenVerifier), app.get(FailedAuthLimiter)));
    // 10,000 members with the longest names and codes allowed fit in 12 MB; other bodies are small.
    app.use(whenAuthenticated(json({ limit: BULK_BODY_LIMIT, type: (req) => isBulkRoute(req) && isJson(req) && mayWrite(req) })));
    app.use(whenAuthenticated(json({ limit: BODY_LIMIT })));
    app.use(whenAuthenticated(requireJsonMiddleware));
    // Public like /health: GET /docs (the UI) and GET /docs-json (the OpenAPI document).
    serveOpenApi(app, serviceVersion());
    app.useGlobalPipes(new StorableTextPipe(), createValidationPipe());
    app.useGlobalFilters(new ProblemDetailsFilter());
    app.disable('x-powered-by');
    app.set('etag', false);
    app.enableShutdownHooks();
    await app.init();

    const store = eventStore;
    return {
      app,
      databaseUrl,
      embedded: embedded !== null,
      close: async () => {
        await app.close();
        await store.close();
        await dataSource.destroy();
        await embedded?.stop();
      },
    };
  } catch (error) {
    await eventStore?.close().catch(() => undefined);
    if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
    await embedded?.stop().catch(() => undefined);
    throw error;
  }
}
