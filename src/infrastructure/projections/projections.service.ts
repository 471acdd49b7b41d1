import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { EventStore } from '../event-store/event-store.port.js';
import { NotFound } from '../../shared/domain-errors.js';
import type { Projection } from './projection.js';
import { ProjectionRunner, type RunnerState } from './projection-runner.js';

export interface ProjectionStatus {
  readonly name: string;
  /** This instance's runner: active (holds the lock), standby, or stopped. */
  readonly runner: RunnerState;
  readonly position: string;
  readonly eventsApplied: number;
  readonly rebuildRequested: boolean;
  readonly rebuildStartedAt: string | null;
  readonly updatedAt: string | null;
  /** Events in the log after the checkpoint (any type), a measure of lag. */
  readonly lagEvents: number;
  /** Why the last attempt to apply a batch failed, while it keeps failing. */
  readonly lastError: string | null;
  readonly lastErrorAt: string | null;
}

export interface ProjectionsOptions {
  readonly batchSize: number;
  readonly lockRetryMs: number;
  readonly controlPollMs: number;
}

/** Starts a runner per projection with the application, and stops them with it. */
export class ProjectionsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('projections');
  private readonly runners: ProjectionRunner[];

  constructor(
    projections: readonly Projection[],
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    options: ProjectionsOptions,
  ) {
    this.runners = projections.map(
      (p) =>
        new ProjectionRunner(p, dataSource, store, {
          ...options,
          log: (level, message) => this.logger[level](message),
        }),
    );
  }

  onApplicationBootstrap(): void {
    for (const runner of this.runners) runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }

  names(): string[] {
    return this.runners.map((r) => r.projection.name);
  }

  /** Asks whichever instance runs the projection to rebuild it from the start of the log. */
  async requestRebuild(name: string): Promise<void> {
    if (!this.names().includes(name)) {
      throw new NotFound('projection.not_found', `no projection is named "${name}"; known: ${this.names().join(', ')}`);
    }
    await this.dataSource.query(
      `INSERT INTO projection_checkpoints (projection, rebuild_requested_at) VALUES ($1, now())
       ON CONFLICT (projection) DO UPDATE SET rebuild_requested_at = now()`,
      [name],
    );
  }

  async status(): Promise<ProjectionStatus[]> {
    const rows: {
      projection: string;
      position: string;
      log_cursor: string | null;
      events_applied: string;
      rebuild: boolean;
      rebuild_started_at: Date | null;
      updated_at: Date | null;
      last_error: string | null;
      last_error_at: Date | null;
    }[] = await this.dataSource.query(
      `SELECT projection, position, log_cursor, events_applied, rebuild_requested_at IS NOT NULL AS rebuild, rebuild_started_at,
              updated_at, last_error, last_error_at
         FROM projection_checkpoints WHERE projection = ANY($1)`,
      [this.names()],
    );
    const head = await this.store.headPosition();
    const byName = new Map(rows.map((r) => [r.projection, r]));
    const statuses: ProjectionStatus[] = [];
    for (const runner of this.runners) {
      const row = byName.get(runner.projection.name);
      const position = BigInt(row?.position ?? 0);
      statuses.push({
        name: runner.projection.name,
        runner: runner.state,
        position: position.toString(),
        eventsApplied: Number(row?.events_applied ?? 0),
        rebuildRequested: row?.rebuild ?? false,
        rebuildStartedAt: row?.rebuild_started_at?.toISOString() ?? null,
        updatedAt: row?.updated_at?.toISOString() ?? null,
        lagEvents: head > position ? await this.eventsAfter(row?.log_cursor ?? null) : 0,
        lastError: row?.last_error ?? null,
        lastErrorAt: row?.last_error_at?.toISOString() ?? null,
      });
    }
    return statuses;
  }

  /** Counted up to 1,000 (the figure reads "1000 or more" beyond that), to keep health probes cheap. */
  private async eventsAfter(cursor: string | null): Promise<number> {
    return (await this.store.readAll({ after: cursor, maxCount: 1000 })).length;
  }
}
