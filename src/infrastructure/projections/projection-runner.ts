import type { DataSource, QueryRunner } from 'typeorm';
import type { EventStore, LogCursor, LogSubscription, SubscriptionBatch } from '../event-store/event-store.port.js';
import { decode, isOfType, type StoredDomainEvent } from '../event-store/domain-events.js';
import type { Projection } from './projection.js';

/** Advisory lock class of projection runners; the object id is a hash of the projection name. */
const LOCK_CLASS = 0x5553;

export interface ProjectionRunnerOptions {
  readonly batchSize: number;
  /** How long a standby runner waits before trying to take the projection's lock again. */
  readonly lockRetryMs: number;
  /** How often an active runner looks for a rebuild request. */
  readonly controlPollMs: number;
  readonly log: (level: 'log' | 'warn' | 'error', message: string) => void;
}

export type RunnerState = 'starting' | 'standby' | 'active' | 'stopped';

interface Checkpoint {
  readonly cursor: LogCursor | null;
  readonly rebuildRequested: boolean;
}

class CheckpointMovedError extends Error {
  constructor(projection: string) {
    super(`the checkpoint of ${projection} was moved by another runner`);
  }
}

/**
 * Feeds one projection from the global log. Only the instance holding the projection's
 * advisory lock runs it; the lock lives on the same connection as the batch transactions,
 * so losing the connection loses both, and a standby instance takes over.
 */
export class ProjectionRunner {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private subscription: LogSubscription | null = null;
  private wakeSleeper: (() => void) | null = null;
  private currentState: RunnerState = 'starting';
  private readonly handled: (event: StoredDomainEvent) => boolean;

  constructor(
    readonly projection: Projection,
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.handled = isOfType(projection.handles);
  }

  get state(): RunnerState {
    return this.currentState;
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeSleeper?.();
    await this.subscription?.close();
    await this.loop;
    this.currentState = 'stopped';
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const runner = this.dataSource.createQueryRunner();
      let locked = false;
      try {
        await runner.connect();
        locked = await this.tryLock(runner);
        if (!locked) {
          this.currentState = 'standby';
          await runner.release();
          await this.sleep(this.options.lockRetryMs);
          continue;
        }
        this.currentState = 'active';
        // Batches and rebuilds are bounded by the batch size, not by the request timeout.
        await runner.query('SET statement_timeout = 0');
        this.options.log('log', `projection ${this.projection.name}: active`);
        await this.process(runner);
        failures = 0;
      } catch (error) {
        failures += 1;
        const delay = Math.min(30000, 250 * 2 ** Math.min(failures, 7));
        this.options.log('error', `projection ${this.projection.name} failed, retrying in ${delay} ms: ${describe(error)}`);
        // Shown by /health and /admin/projections until a batch goes through again.
        await this.dataSource
          .query(`UPDATE projection_checkpoints SET last_error = $2, last_error_at = now() WHERE projection = $1`, [
            this.projection.name,
            describe(error).slice(0, 2000),
          ])
          .catch(() => undefined);
        await this.sleep(delay);
      } finally {
        if (locked) {
          await runner.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCK_CLASS, this.projection.name]).catch(() => undefined);
          await runner.query('RESET statement_timeout').catch(() => undefined);
        }
        if (!runner.isReleased) await runner.release().catch(() => undefined);
      }
    }
  }

  private async tryLock(runner: QueryRunner): Promise<boolean> {
    const rows: { locked: boolean }[] = await runner.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked', [
      LOCK_CLASS,
      this.projection.name,
    ]);
    return rows[0]!.locked;
  }

  /** Runs until stopped; starts over from the stored checkpoint after a rebuild request. */
  private async process(runner: QueryRunner): Promise<void> {
    while (!this.stopped) {
      const checkpoint = await this.loadCheckpoint(runner);
      if (checkpoint.rebuildRequested) {
        await this.reset(runner);
        continue;
      }
      const subscription = this.store.subscribeToAll({
        after: checkpoint.cursor,
        filter: { eventTypes: this.projection.handles },
        batchSize: this.options.batchSize,
      });
      this.subscription = subscription;
      const control = setInterval(() => {
        void this.rebuildRequested().then(
          (requested) => (requested ? subscription.close() : undefined),
          () => undefined,
        );
      }, this.options.controlPollMs);
      let cursor = checkpoint.cursor;
      try {
        if (this.stopped) return;
        for await (const batch of subscription) {
          cursor = await this.applyBatch(runner, batch, cursor);
        }
      } finally {
        clearInterval(control);
        await subscription.close();
        this.subscription = null;
      }
    }
  }

  private async applyBatch(runner: QueryRunner, batch: SubscriptionBatch, previous: LogCursor | null): Promise<LogCursor> {
    const events = batch.events.map(decode).filter(this.handled);
    // A batch with nothing to apply (the log moved on with events of other types) only moves
    // the checkpoint: one statement, its own transaction.
    if (events.length === 0) {
      await this.moveCheckpoint(runner, batch, previous);
      return batch.checkpoint;
    }
    await runner.startTransaction();
    try {
      await this.projection.apply(events, runner.manager);
      await this.moveCheckpoint(runner, batch, previous);
      await runner.commitTransaction();
      return batch.checkpoint;
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  }

  /** Compares and sets the checkpoint, and tells waiting readers (at commit) that it moved. */
  private async moveCheckpoint(runner: QueryRunner, batch: SubscriptionBatch, previous: LogCursor | null): Promise<void> {
    const [row]: { moved: string }[] = await runner.query(
      `WITH moved AS (
         UPDATE projection_checkpoints
            SET position = $2, log_cursor = $3, events_applied = events_applied + $4, updated_at = now(),
                last_error = NULL, last_error_at = NULL
          WHERE projection = $1 AND log_cursor IS NOT DISTINCT FROM $5
         RETURNING 1)
       SELECT count(*) AS moved, (SELECT pg_notify('projection_progress', $1) FROM moved LIMIT 1) AS notified FROM moved`,
      [this.projection.name, this.store.positionOfCursor(batch.checkpoint).toString(), batch.checkpoint, batch.events.length, previous],
    );
    if (Number(row!.moved) !== 1) throw new CheckpointMovedError(this.projection.name);
  }

  private async loadCheckpoint(runner: QueryRunner): Promise<Checkpoint> {
    await runner.query(`INSERT INTO projection_checkpoints (projection) VALUES ($1) ON CONFLICT DO NOTHING`, [
      this.projection.name,
    ]);
    const rows: { log_cursor: string | null; rebuild: boolean }[] = await runner.query(
      `SELECT log_cursor, rebuild_requested_at IS NOT NULL AS rebuild FROM projection_checkpoints WHERE projection = $1`,
      [this.projection.name],
    );
    return { cursor: rows[0]!.log_cursor, rebuildRequested: rows[0]!.rebuild };
  }

  private async rebuildRequested(): Promise<boolean> {
    const rows: { rebuild: boolean }[] = await this.dataSource.query(
      `SELECT rebuild_requested_at IS NOT NULL AS rebuild FROM projection_checkpoints WHERE projection = $1`,
      [this.projection.name],
    );
    return rows[0]?.rebuild ?? false;
  }

  private async reset(runner: QueryRunner): Promise<void> {
    this.options.log('log', `projection ${this.projection.name}: rebuilding from the start of the log`);
    await runner.startTransaction();
    try {
      await this.projection.reset(runner.manager);
      await runner.query(
        `UPDATE projection_checkpoints
            SET position = 0, log_cursor = NULL, events_applied = 0, rebuild_requested_at = NULL,
                rebuild_started_at = now(), updated_at = now()
          WHERE projection = $1`,
        [this.projection.name],
      );
      await runner.query(`SELECT pg_notify('projection_progress', $1)`, [this.projection.name]);
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeSleeper = done;
    });
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
