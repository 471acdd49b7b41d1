import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { AuthGuard } from './auth/auth.guard.js';
import { FailedAuthLimiter } from './auth/failed-auth-limiter.js';
import { HmacTokenVerifier, TokenVerifier } from './auth/token-verifier.js';
import { CommandIds } from './commands/command-ids.js';
import { IdempotencyStore } from './commands/idempotency.js';
import { UnitLocks } from './commands/unit-locks.js';
import { EventStore } from './event-store/event-store.port.js';
import { CommandResponseInterceptor } from './http/command-response.interceptor.js';
import { ProjectionProgress } from './projections/projection-progress.js';

export interface InfrastructureOptions {
  readonly config: AppConfig;
  readonly databaseUrl: string;
  readonly dataSource: DataSource;
  readonly eventStore: EventStore;
  /** The HS256 secret bearer tokens are verified with. */
  readonly jwtSecret: string;
}

/** Shared infrastructure, built by the bootstrap (database and event store already open). */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(options: InfrastructureOptions): DynamicModule {
    return {
      module: InfrastructureModule,
      providers: [
        { provide: AppConfig, useValue: options.config },
        { provide: DataSource, useValue: options.dataSource },
        { provide: EventStore, useValue: options.eventStore },
        { provide: IdempotencyStore, useFactory: (ds: DataSource) => new IdempotencyStore(ds), inject: [DataSource] },
        { provide: CommandIds, useFactory: (ds: DataSource) => CommandIds.load(ds), inject: [DataSource] },
        {
          provide: UnitLocks,
          // With the PostgreSQL store the events are in this database: locks and revisions in one round trip.
          useFactory: (config: AppConfig) => new UnitLocks(options.databaseUrl, { readsStreamRevisions: config.EVENT_STORE === 'postgres' }),
          inject: [AppConfig],
        },
        {
          provide: ProjectionProgress,
          useFactory: (ds: DataSource) => new ProjectionProgress(ds, options.databaseUrl),
          inject: [DataSource],
        },
        CommandResponseInterceptor,
        {
          provide: TokenVerifier,
          useFactory: (config: AppConfig) =>
            new HmacTokenVerifier({
              secret: options.jwtSecret,
              issuer: config.AUTH_JWT_ISSUER,
              audience: config.AUTH_JWT_AUDIENCE,
              clockToleranceSeconds: config.AUTH_CLOCK_TOLERANCE_SECONDS,
            }),
          inject: [AppConfig],
        },
        {
          provide: FailedAuthLimiter,
          useFactory: (ds: DataSource, config: AppConfig) =>
            new FailedAuthLimiter(ds, { limit: config.AUTH_FAILURE_LIMIT, windowSeconds: config.AUTH_FAILURE_WINDOW_SECONDS }),
          inject: [DataSource, AppConfig],
        },
        // Every route of every module passes this guard: deny by default.
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [AppConfig, DataSource, EventStore, IdempotencyStore, CommandIds, UnitLocks, ProjectionProgress, CommandResponseInterceptor],
    };
  }
}
