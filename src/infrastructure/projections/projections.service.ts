import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { EventStore, HoldingTransaction } from '../event-store/event-store.port.js';
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
  /** When the rebuild in progress, or the last one, started. */
  readonly rebuildStartedAt: string | null;
  /** A rebuild is in progress: its tables are being built beside the live ones, which keep serving. */
  readonly rebuilding: boolean;
  /** The log position the rebuild in progress has reached (null when none is). */
  readonly rebuildPosition: string | null;
  /** Events the rebuild in progress has gone through (0 when none is). */
  readonly rebuildEventsApplied: number;
  /** When the last rebuild was switched in. */
  readonly rebuildCompletedAt: string | null;
  /**
   * Why the rebuild in progress last failed (until it moves on again), or why the last request
   * was refused; live batches leave it, unlike `lastError`.
   */
  readonly rebuildError: string | null;
  readonly rebuildErrorAt: string | null;
  readonly updatedAt: string | null;
  /** Events in the log after the checkpoint (any type, counted up to 1000), a measure of lag. */
  readonly lagEvents: number;
  /**
   * The open transaction keeping committed events from it (PostgreSQL store: readers never
   * pass the oldest transaction holding a transaction id in the cluster), while it lags and
   * events wait behind one; else null.
   */
  readonly heldBackBy: HoldingTransaction | null;
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

  /**
   * Asks whichever instance runs the projection to rebuild it from the start of the log,
   * beside the live view (a rebuild in progress starts over).
   */
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
      rebuild_position: string | null;
      rebuild_events_applied: string;
      rebuild_completed_at: Date | null;
      rebuild_error: string | null;
      rebuild_error_at: Date | null;
      updated_at: Date | null;
      last_error: string | null;
      last_error_at: Date | null;
    }[] = await this.dataSource.query(
      `SELECT projection, position, log_cursor, events_applied, rebuild_requested_at IS NOT NULL AS rebuild, rebuild_started_at,
              rebuild_position, rebuild_events_applied, rebuild_completed_at, rebuild_error, rebuild_error_at, updated_at, last_error, last_error_at
         FROM projection_checkpoints WHERE projection = ANY($1)`,
      [this.names()],
    );
    const [head, holding] = await Promise.all([this.store.headPosition(), this.store.holdingTransaction()]);
    const byName = new Map(rows.map((r) => [r.projection, r]));
    const statuses: ProjectionStatus[] = [];
    for (const runner of this.runners) {
      const row = byName.get(runner.projection.name);
      const position = BigInt(row?.position ?? 0);
      const lagEvents = head > position ? await this.eventsAfter(row?.log_cursor ?? null) : 0;
      statuses.push({
        name: runner.projection.name,
        runner: runner.state,
        position: position.toString(),
        eventsApplied: Number(row?.events_applied ?? 0),
        rebuildRequested: row?.rebuild ?? false,
        rebuildStartedAt: row?.rebuild_started_at?.toISOString() ?? null,
        rebuilding: (row?.rebuild_position ?? null) !== null,
        rebuildPosition: row?.rebuild_position ?? null,
        rebuildEventsApplied: Number(row?.rebuild_events_applied ?? 0),
        rebuildCompletedAt: row?.rebuild_completed_at?.toISOString() ?? null,
        rebuildError: row?.rebuild_error ?? null,
        rebuildErrorAt: row?.rebuild_error_at?.toISOString() ?? null,
        updatedAt: row?.updated_at?.toISOString() ?? null,
        lagEvents,
        heldBackBy: lagEvents > 0 && holding?.eventsWaiting ? holding : null,
        lastError: row?.last_error ?? null,
        lastErrorAt: row?.last_error_at?.toISOString() ?? null,
      });
    }
    return statuses;
  }

  /**
   * Counted up to 1,000 (the figure reads "1000 or more" beyond that), by position only where
   * the store can: health probes are public and frequent.
   */
  private async eventsAfter(cursor: string | null): Promise<number> {
    return this.store.countEventsAfter(cursor, 1000);
  }
}
