import { type DynamicModule, Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { CommandExecutor } from './commands/command-executor.js';
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
        {
          provide: CommandExecutor,
          useFactory: (store: EventStore, config: AppConfig) => new CommandExecutor(store, config.COMMAND_RETRIES),
          inject: [EventStore, AppConfig],
        },
        { provide: IdempotencyStore, useFactory: (ds: DataSource) => new IdempotencyStore(ds), inject: [DataSource] },
        { provide: UnitLocks, useFactory: () => new UnitLocks(options.databaseUrl) },
        {
          provide: ProjectionProgress,
          useFactory: (ds: DataSource) => new ProjectionProgress(ds, options.databaseUrl),
          inject: [DataSource],
        },
        CommandResponseInterceptor,
      ],
      exports: [AppConfig, DataSource, EventStore, CommandExecutor, IdempotencyStore, UnitLocks, ProjectionProgress, CommandResponseInterceptor],
    };
  }
}
