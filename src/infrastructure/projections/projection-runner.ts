import type { DataSource, QueryRunner } from 'typeorm';
import type { EventStore, LogCursor, LogSubscription, SubscriptionBatch } from '../event-store/event-store.port.js';
import { decode, isOfType, type StoredDomainEvent } from '../event-store/domain-events.js';
import type { Projection } from './projection.js';
import {
  analyzeShadowTables,
  checkProjectionTables,
  createShadowTables,
  lockLiveTables,
  moveShadowIn,
  liveTableHolders,
  RebuildRefusedError,
  shadowMatchesLive,
  shadowSchema,
} from './shadow-tables.js';

/** Advisory lock class of projection runners; the object id is a hash of the projection name. */
const LOCK_CLASS = 0x5553;
/** After this many attempts to switch a rebuild in found the live tables held, the rebuild error names who holds them. */
const BUSY_SWITCHES_REPORTED = 5;
/** The longest a caught-up rebuild waits between two attempts to switch in. */
const MAX_SWITCH_BACKOFF_MS = 5000;

export interface ProjectionRunnerOptions {
  readonly batchSize: number;
  /** How long a standby runner waits before trying to take the projection's lock again. */
  readonly lockRetryMs: number;
  /**
   * How often an active runner looks for a rebuild request; also how long the live view
   * waits for a rebuild that is about to catch up with it, and how long a switch that
   * readers held off waits before trying again.
   */
  readonly controlPollMs: number;
  readonly log: (level: 'log' | 'warn' | 'error', message: string) => void;
}

export type RunnerState = 'starting' | 'standby' | 'active' | 'stopped';

/** A rebuild in progress, as stored: which one (when it started), and how far its tables are. */
interface StoredRebuild {
  /** `rebuild_started_at` as text: it tells one rebuild from the next. */
  readonly startedAt: string;
  readonly cursor: LogCursor | null;
  readonly position: bigint;
}

interface Checkpoint {
  readonly cursor: LogCursor | null;
  readonly position: bigint;
  readonly rebuildRequested: boolean;
  readonly rebuild: StoredRebuild | null;
}

/**
 * The live loop's answer to a rebuild that has caught up with it: `switched`; `behind` (the
 * live view moved on meanwhile: build on, the live loop waits for it); `busy` (readers held
 * the live tables: offer again a little later); `over` (the rebuild was superseded, or the
 * runner is stopping: the shadow loop ends).
 */
type HandoverOutcome = 'switched' | 'behind' | 'busy' | 'over' | SwitchFailed;

/** The switch failed (the live loop goes on): the shadow loop backs off and offers again, the reason recorded. */
interface SwitchFailed {
  readonly failed: string;
}

/** A rebuild offering to be switched in, waiting for the live loop's answer. */
interface Handover {
  readonly startedAt: string;
  readonly answer: (outcome: HandoverOutcome) => void;
}

/** The shadow loop of this runner: it replays the log into the rebuild schema. */
interface ShadowLoop {
  readonly startedAt: string;
  /** The backend of the live connection that held the projection's lock when the loop started: its batches commit only while it still does. */
  readonly lockHolder: number;
  stopped: boolean;
  subscription: LogSubscription | null;
  wake: (() => void) | null;
  done: Promise<void>;
}

class CheckpointMovedError extends Error {
  constructor(projection: string) {
    super(`the checkpoint of ${projection} was moved by another runner`);
  }
}

/** The live connection of this runner no longer holds the projection's lock: another instance may run it. */
class LockLostError extends Error {
  constructor(projection: string) {
    super(`this instance no longer holds the lock of projection ${projection}`);
  }
}

class RebuildMovedError extends Error {
  constructor(projection: string) {
    super(`the rebuild of ${projection} was moved on or replaced by another runner`);
  }
}

/**
 * Feeds one projection from the global log. Only the instance holding the projection's
 * advisory lock runs it; the lock lives on the same connection as the batch transactions,
 * so losing the connection loses both, and a standby instance takes over.
 *
 * A rebuild is never seen by readers. Asked for one (`rebuild_requested_at`), the active
 * runner creates empty copies of the projection's tables in a schema of their own
 * (`rebuild_<name>`), and a second loop, on a connection of its own, replays the log from
 * its start into them: each batch in a transaction with that schema first on the search
 * path, its place (`rebuild_cursor`) compared and set like the live checkpoint. The live
 * loop meanwhile goes on applying new events to the live tables, so readers keep the
 * complete view and `minPosition` waits keep being answered. Once the copies have reached
 * the live checkpoint, the live loop pauses between two batches and switches them in with
 * one transaction: live tables locked, dropped, copies moved into `public`, live checkpoint
 * set to the rebuild's. Readers wait only for that transaction.
 *
 * The rebuild's state is stored with the checkpoint, so a request during a rebuild starts
 * it over, and when the runner stops or loses its lock, the next active runner continues the
 * copies from `rebuild_cursor`.
 */
export class ProjectionRunner {
  private stopped = false;
  private loop: Promise<void> | null = null;
  private subscription: LogSubscription | null = null;
  private wakeSleeper: (() => void) | null = null;
  private currentState: RunnerState = 'starting';
  private readonly handled: (event: StoredDomainEvent) => boolean;
  /** The live checkpoint's position as this runner last stored or read it. */
  private livePosition = 0n;
  private shadow: ShadowLoop | null = null;
  private handover: Handover | null = null;
  private wakeHold: (() => void) | null = null;
  /** The backend of the live connection while it holds the projection's lock. */
  private lockHolder: number | null = null;
  /** Set by the control poll when the live connection is found to have lost the lock. */
  private lockLost = false;

  constructor(
    readonly projection: Projection,
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly options: ProjectionRunnerOptions,
  ) {
    checkProjectionTables(projection.name, projection.tables);
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
    this.wakeHold?.();
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
        const [backend]: { pid: number }[] = await runner.query('SELECT pg_backend_pid() AS pid');
        this.lockHolder = backend!.pid;
        this.lockLost = false;
        // Batches and rebuilds are bounded by the batch size, not by the request timeout.
        await runner.query('SET statement_timeout = 0');
        this.options.log('log', `projection ${this.projection.name}: active`);
        try {
          await this.process(runner);
        } finally {
          // A rebuild goes on only beside the live loop that holds the lock.
          this.lockHolder = null;
          await this.stopShadow();
        }
        failures = 0;
      } catch (error) {
        failures += 1;
        const delay = Math.min(30000, 250 * 2 ** Math.min(failures, 7));
        this.options.log('error', `projection ${this.projection.name} failed, retrying in ${delay} ms: ${describe(error)}`);
        await this.recordError(describe(error));
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

  /**
   * The live loop: runs until stopped, between batches starting a requested rebuild, keeping
   * the shadow loop in step with the stored rebuild, and answering a rebuild that caught up.
   */
  private async process(runner: QueryRunner): Promise<void> {
    while (!this.stopped) {
      if (this.lockLost) throw new LockLostError(this.projection.name);
      const checkpoint = await this.loadCheckpoint(runner);
      this.livePosition = checkpoint.position;
      if (checkpoint.rebuildRequested) {
        await this.stopShadow();
        await this.startRebuild(runner);
        continue;
      }
      await this.followRebuild(checkpoint.rebuild);
      if (this.handover) {
        const outcome = await this.answerHandover(runner, checkpoint, this.handover);
        // The rebuild is at most a batch or two behind now: hold the live view still for it.
        if (outcome === 'behind') await this.hold(this.options.controlPollMs);
        continue;
      }
      const subscription = this.store.subscribeToAll({
        after: checkpoint.cursor,
        filter: { eventTypes: this.projection.handles },
        batchSize: this.options.batchSize,
      });
      this.subscription = subscription;
      const control = setInterval(() => {
        void this.control().then(
          (wake) => (wake ? subscription.close() : undefined),
          () => undefined,
        );
      }, this.options.controlPollMs);
      let cursor = checkpoint.cursor;
      try {
        if (this.stopped || this.handover) continue;
        for await (const batch of subscription) {
          cursor = await this.applyBatch(runner, batch, cursor);
          this.livePosition = this.store.positionOfCursor(cursor);
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
    const rows: {
      log_cursor: string | null;
      position: string;
      requested: boolean;
      rebuild_started_at: string | null;
      rebuild_cursor: string | null;
      rebuild_position: string | null;
    }[] = await runner.query(
      `SELECT log_cursor, position, rebuild_requested_at IS NOT NULL AS requested,
              rebuild_started_at::text AS rebuild_started_at, rebuild_cursor, rebuild_position
         FROM projection_checkpoints WHERE projection = $1`,
      [this.projection.name],
    );
    const row = rows[0]!;
    return {
      cursor: row.log_cursor,
      position: BigInt(row.position),
      rebuildRequested: row.requested,
      rebuild:
        row.rebuild_position === null
          ? null
          : { startedAt: row.rebuild_started_at!, cursor: row.rebuild_cursor, position: BigInt(row.rebuild_position) },
    };
  }

  /**
   * The control poll, beside the live loop following the log: whether the live loop must come
   * out of its subscription, because a rebuild was requested, because a rebuild is in progress
   * with no shadow loop here (it ended: the live loop starts it again from `rebuild_cursor`),
   * or because the live connection lost the projection's lock (the live loop then stops).
   */
  private async control(): Promise<boolean> {
    const rows: { requested: boolean; rebuilding: boolean; held: boolean }[] = await this.dataSource.query(
      `SELECT rebuild_requested_at IS NOT NULL AS requested, rebuild_position IS NOT NULL AS rebuilding,
              EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $2::int::oid AND objid = hashtext($1)::oid
                         AND objsubid = 2 AND granted AND pid = $3) AS held
         FROM projection_checkpoints WHERE projection = $1`,
      [this.projection.name, LOCK_CLASS, this.lockHolder ?? 0],
    );
    const row = rows[0];
    if (!row) return false;
    if (!row.held) this.lockLost = true;
    return !row.held || row.requested || (row.rebuilding && !this.shadow);
  }

  /**
   * Starts a rebuild (over, if one was in progress): fresh, empty copies of the tables in the
   * rebuild schema and the rebuild's state, in one transaction. A rebuild that would harm the
   * live view is refused: the request is dropped with the reason as the last error.
   */
  private async startRebuild(runner: QueryRunner): Promise<void> {
    await runner.startTransaction();
    try {
      await createShadowTables(runner, this.projection.name, this.projection.tables);
      await runner.query(
        `UPDATE projection_checkpoints
            SET rebuild_requested_at = NULL, rebuild_started_at = now(), rebuild_cursor = NULL, rebuild_position = 0,
                rebuild_events_applied = 0, rebuild_error = NULL, rebuild_error_at = NULL, updated_at = now()
          WHERE projection = $1`,
        [this.projection.name],
      );
      await runner.commitTransaction();
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      if (!(error instanceof RebuildRefusedError)) throw error;
      this.options.log('error', error.message);
      await runner.query(
        `UPDATE projection_checkpoints SET rebuild_requested_at = NULL, rebuild_error = $2, rebuild_error_at = now() WHERE projection = $1`,
        [this.projection.name, error.message],
      );
      return;
    }
    this.options.log('log', `projection ${this.projection.name}: rebuilding from the start of the log beside the live view`);
  }

  /** Runs the shadow loop of the stored rebuild, if any, and of no other. */
  private async followRebuild(rebuild: StoredRebuild | null): Promise<void> {
    if (this.shadow && this.shadow.startedAt !== rebuild?.startedAt) await this.stopShadow();
    if (!rebuild || this.shadow) return;
    if (rebuild.cursor !== null) {
      this.options.log('log', `projection ${this.projection.name}: continuing the rebuild from position ${rebuild.position}`);
    }
    const loop: ShadowLoop = {
      startedAt: rebuild.startedAt,
      lockHolder: this.lockHolder ?? 0,
      stopped: false,
      subscription: null,
      wake: null,
      done: Promise.resolve(),
    };
    this.shadow = loop;
    loop.done = this.runShadow(loop).finally(() => {
      if (this.shadow === loop) this.shadow = null;
    });
  }

  private async stopShadow(): Promise<void> {
    const loop = this.shadow;
    if (!loop) return;
    loop.stopped = true;
    loop.wake?.();
    this.handover?.answer('over');
    await loop.subscription?.close();
    await loop.done;
  }

  /**
   * The shadow loop: replays the log into the copies from the stored rebuild cursor until
   * switched in, superseded or stopped, starting again from the stored cursor after a failure
   * (recorded as `rebuild_error`). A failure after a migration changed the live tables starts
   * the rebuild over, in their new shape. The loop ends when another runner moved the rebuild
   * on or this runner lost the lock; the live loop's control poll starts it again while this
   * runner holds the lock.
   */
  private async runShadow(loop: ShadowLoop): Promise<void> {
    let failures = 0;
    while (!loop.stopped) {
      const runner = this.dataSource.createQueryRunner();
      try {
        await runner.connect();
        await runner.query('SET statement_timeout = 0');
        const rebuild = await this.loadRebuild(runner);
        if (rebuild?.startedAt !== loop.startedAt) return;
        // A rebuild begun by other code (a deploy during it) goes on only if the copies are
        // made as the tables this code declares: a table they lack would be found on the
        // search path in public, the live view.
        if (await this.startOverIfReshaped(runner, loop)) return;
        await this.buildShadow(loop, runner, rebuild);
        return;
      } catch (error) {
        if (loop.stopped || error instanceof RebuildMovedError || error instanceof LockLostError) return;
        this.options.log('error', `projection ${this.projection.name}: rebuild failed: ${describe(error)}`);
        await this.recordRebuildError(loop, `rebuild: ${describe(error)}`);
        if (await this.startOverIfReshaped(runner, loop)) return;
        failures += 1;
        const delay = Math.min(30000, 250 * 2 ** Math.min(failures, 7));
        this.options.log('warn', `projection ${this.projection.name}: retrying the rebuild in ${delay} ms`);
        await this.sleepShadow(loop, delay);
      } finally {
        await runner.query('RESET statement_timeout').catch(() => undefined);
        if (!runner.isReleased) await runner.release().catch(() => undefined);
      }
    }
  }

  /**
   * Before a rebuild goes on, and after a failed rebuild batch: when the copies are no longer
   * made as the live tables this code declares (a migration changed these, or new code declares
   * another, during the rebuild), asks for the rebuild to start over in the new shape, and says
   * so (true).
   */
  private async startOverIfReshaped(runner: QueryRunner, loop: ShadowLoop): Promise<boolean> {
    const { name, tables } = this.projection;
    try {
      if (await shadowMatchesLive(runner, name, tables)) return false;
      await runner.query(
        `UPDATE projection_checkpoints SET rebuild_requested_at = now()
          WHERE projection = $1 AND rebuild_started_at = $2::timestamptz AND rebuild_requested_at IS NULL`,
        [name, loop.startedAt],
      );
    } catch {
      return false;
    }
    this.options.log('warn', `projection ${name}: its tables changed during the rebuild; rebuilding again in their new shape`);
    return true;
  }

  /** Applies batches to the copies and offers them to the live loop whenever they have caught up with it. */
  private async buildShadow(loop: ShadowLoop, runner: QueryRunner, rebuild: StoredRebuild): Promise<void> {
    let cursor = rebuild.cursor;
    let position = rebuild.position;
    let analyzed = false;
    let busy = 0;
    const offerWhileCaughtUp = async (): Promise<boolean> => {
      while (!loop.stopped && position >= this.livePosition) {
        if (!analyzed) {
          await analyzeShadowTables(runner, this.projection.name, this.projection.tables);
          analyzed = true;
        }
        const outcome = await this.offerHandover(loop);
        if (typeof outcome === 'object') throw new Error(`switching the rebuilt tables in failed: ${outcome.failed}`);
        if (outcome === 'switched' || outcome === 'over') return true;
        if (outcome === 'behind') return false;
        // Readers held the live tables. Each attempt makes readers queue behind it for a
        // moment: offer less often the longer it lasts, and say who holds them.
        busy += 1;
        if (busy % BUSY_SWITCHES_REPORTED === 0) await this.reportSwitchHolders(runner, loop, busy);
        await this.sleepShadow(loop, Math.min(this.options.controlPollMs * 2 ** Math.min(busy - 1, 6), MAX_SWITCH_BACKOFF_MS));
      }
      return loop.stopped;
    };
    if (await offerWhileCaughtUp()) return;
    const subscription = this.store.subscribeToAll({
      after: cursor,
      filter: { eventTypes: this.projection.handles },
      batchSize: this.options.batchSize,
    });
    loop.subscription = subscription;
    try {
      if (loop.stopped) return;
      for await (const batch of subscription) {
        cursor = await this.applyShadowBatch(runner, loop, batch, cursor);
        position = this.store.positionOfCursor(cursor);
        if (await offerWhileCaughtUp()) return;
      }
    } finally {
      await subscription.close();
      loop.subscription = null;
    }
  }

  /**
   * A batch into the copies: the projection's own statements, with the rebuild schema first on
   * the search path. Its place is compared and set only while the live connection that started
   * the loop still holds the projection's lock: a loop left behind by a runner that lost it
   * cannot commit beside the next runner's.
   */
  private async applyShadowBatch(runner: QueryRunner, loop: ShadowLoop, batch: SubscriptionBatch, previous: LogCursor | null): Promise<LogCursor> {
    const events = batch.events.map(decode).filter(this.handled);
    await runner.startTransaction();
    try {
      if (events.length > 0) {
        await runner.query(`SET LOCAL search_path TO ${shadowSchema(this.projection.name)}, public`);
        await this.projection.apply(events, runner.manager);
      }
      const [row]: { moved: string; held: boolean }[] = await runner.query(
        `WITH held AS (
           SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $7::int::oid AND objid = hashtext($1)::oid
                             AND objsubid = 2 AND granted AND pid = $8) AS held),
         moved AS (
           UPDATE projection_checkpoints
              SET rebuild_cursor = $3, rebuild_position = $4, rebuild_events_applied = rebuild_events_applied + $5,
                  rebuild_error = NULL, rebuild_error_at = NULL
            WHERE projection = $1 AND rebuild_started_at = $2::timestamptz AND rebuild_position IS NOT NULL
              AND rebuild_cursor IS NOT DISTINCT FROM $6 AND (SELECT held FROM held)
           RETURNING 1)
         SELECT (SELECT count(*) FROM moved) AS moved, (SELECT held FROM held) AS held`,
        [
          this.projection.name,
          loop.startedAt,
          batch.checkpoint,
          this.store.positionOfCursor(batch.checkpoint).toString(),
          batch.events.length,
          previous,
          LOCK_CLASS,
          loop.lockHolder,
        ],
      );
      if (!row!.held) throw new LockLostError(this.projection.name);
      if (Number(row!.moved) !== 1) throw new RebuildMovedError(this.projection.name);
      await runner.commitTransaction();
      return batch.checkpoint;
    } catch (error) {
      await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  }

  private async loadRebuild(runner: QueryRunner): Promise<StoredRebuild | null> {
    const rows: { started_at: string; rebuild_cursor: string | null; rebuild_position: string }[] = await runner.query(
      `SELECT rebuild_started_at::text AS started_at, rebuild_cursor, rebuild_position
         FROM projection_checkpoints WHERE projection = $1 AND rebuild_position IS NOT NULL`,
      [this.projection.name],
    );
    const row = rows[0];
    return row ? { startedAt: row.started_at, cursor: row.rebuild_cursor, position: BigInt(row.rebuild_position) } : null;
  }

  /** Asks the live loop (closing its subscription to bring it between two batches) to switch the copies in. */
  private offerHandover(loop: ShadowLoop): Promise<HandoverOutcome> {
    return new Promise((resolve) => {
      if (loop.stopped) return resolve('over');
      this.handover = {
        startedAt: loop.startedAt,
        answer: (outcome) => {
          this.handover = null;
          resolve(outcome);
        },
      };
      this.wakeHold?.();
      void this.subscription?.close();
    });
  }

  /**
   * Answers a handover: switches the copies in if they are still the stored rebuild and at or
   * past the live checkpoint. A switch that fails is the rebuild's failure, not the live view's:
   * the live loop goes on (unless its own checkpoint moved), the shadow loop backs off and retries.
   */
  private async answerHandover(runner: QueryRunner, checkpoint: Checkpoint, handover: Handover): Promise<HandoverOutcome> {
    let outcome: HandoverOutcome = 'over';
    try {
      outcome = await this.switchIn(runner, checkpoint, handover.startedAt);
    } catch (error) {
      if (error instanceof CheckpointMovedError) throw error;
      outcome = { failed: describe(error) };
    } finally {
      handover.answer(outcome);
    }
    return outcome;
  }

  /**
   * One transaction on the live connection, the live loop paused: the rebuild's state checked
   * again under a row lock (still this rebuild, no new request, at or past the live
   * checkpoint), the live tables locked (readers wait from here to the commit; held off, the
   * switch gives up and is offered again), the copies checked to be made as the live tables
   * are now, then moved in, and the live checkpoint set to the rebuild's. Nothing references
   * these tables but SQL functions, which look their names up when called, so they read the
   * rebuilt tables from the commit on. A statement that reads them through such a function
   * locks them when it is planned (the planner reads an SQL function's body to inline it),
   * before it takes the snapshot it runs with: no statement reads the rebuilt tables with a
   * snapshot older than their last batch. (A PL/pgSQL function would lock them only when it
   * first reads them: the views' functions stay SQL functions.)
   */
  private async switchIn(runner: QueryRunner, checkpoint: Checkpoint, startedAt: string): Promise<HandoverOutcome> {
    const { name, tables } = this.projection;
    await runner.startTransaction();
    try {
      const [row]: { log_cursor: string | null; behind: boolean; current: boolean }[] = await runner.query(
        `SELECT log_cursor, rebuild_position < position AS behind,
                rebuild_position IS NOT NULL AND rebuild_requested_at IS NULL AND rebuild_started_at = $2::timestamptz AS current
           FROM projection_checkpoints WHERE projection = $1 FOR UPDATE`,
        [name, startedAt],
      );
      if (row!.log_cursor !== checkpoint.cursor) throw new CheckpointMovedError(name);
      const refusal: HandoverOutcome | null = !row!.current ? 'over' : row!.behind ? 'behind' : null;
      if (refusal) {
        await runner.rollbackTransaction();
        return refusal;
      }
      if (!(await lockLiveTables(runner, tables))) {
        await runner.rollbackTransaction();
        this.options.log('log', `projection ${name}: readers held the live tables, switching the rebuilt ones in a little later`);
        return 'busy';
      }
      if (!(await shadowMatchesLive(runner, name, tables))) {
        await runner.query(`UPDATE projection_checkpoints SET rebuild_requested_at = now() WHERE projection = $1`, [name]);
        await runner.commitTransaction();
        this.options.log('warn', `projection ${name}: its tables changed during the rebuild; rebuilding again in their new shape`);
        return 'over';
      }
      await moveShadowIn(runner, name, tables);
      const [switched]: { position: string }[] = await runner.query(
        `WITH switched AS (
           UPDATE projection_checkpoints
              SET position = rebuild_position, log_cursor = rebuild_cursor, events_applied = rebuild_events_applied,
                  rebuild_cursor = NULL, rebuild_position = NULL, rebuild_events_applied = 0, rebuild_completed_at = now(),
                  updated_at = now(), last_error = NULL, last_error_at = NULL, rebuild_error = NULL, rebuild_error_at = NULL
            WHERE projection = $1
           RETURNING position)
         SELECT position, pg_notify('projection_progress', $1) AS notified FROM switched`,
        [name],
      );
      await runner.commitTransaction();
      this.livePosition = BigInt(switched!.position);
      this.options.log('log', `projection ${name}: switched to the rebuilt tables at position ${switched!.position}`);
      return 'switched';
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  }

  /** Shown by /health and /admin/projections until a batch goes through again. */
  private async recordError(message: string): Promise<void> {
    await this.dataSource
      .query(`UPDATE projection_checkpoints SET last_error = $2, last_error_at = now() WHERE projection = $1`, [
        this.projection.name,
        message.slice(0, 2000),
      ])
      .catch(() => undefined);
  }

  /** Shown by /admin/projections while the rebuild does not move on (the live loop's batches leave it). */
  /** Records who keeps the rebuilt tables from being switched in (a session idle in a transaction, say). */
  private async reportSwitchHolders(runner: QueryRunner, loop: ShadowLoop, attempts: number): Promise<void> {
    const holders = await liveTableHolders(runner, this.projection.tables).catch(() => []);
    const message = `rebuild: caught up, but ${attempts} attempts to switch the rebuilt tables in found the live ones held by ${holders.length > 0 ? holders.join('; ') : 'sessions that have since let go'}`;
    this.options.log('warn', `projection ${this.projection.name}: ${message}`);
    await this.recordRebuildError(loop, message);
  }

  private async recordRebuildError(loop: ShadowLoop, message: string): Promise<void> {
    await this.dataSource
      .query(
        `UPDATE projection_checkpoints SET rebuild_error = $3, rebuild_error_at = now()
          WHERE projection = $1 AND rebuild_started_at = $2::timestamptz`,
        [this.projection.name, loop.startedAt, message.slice(0, 2000)],
      )
      .catch(() => undefined);
  }

  /** The live loop waits, without following the log, until a handover is offered, the time is up or the runner stops. */
  private hold(ms: number): Promise<void> {
    if (this.stopped || this.handover) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeHold = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeHold = done;
    });
  }

  private sleepShadow(loop: ShadowLoop, ms: number): Promise<void> {
    if (loop.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        loop.wake = null;
        resolve();
      }
      loop.wake = done;
    });
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
