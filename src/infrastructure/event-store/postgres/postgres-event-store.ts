import pg from 'pg';
import {
  type AppendGuard,
  type AppendResult,
  EventStore,
  type ExpectedRevision,
  type HoldingTransaction,
  type LogCursor,
  type LogFilter,
  type LogSubscription,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type StreamAppend,
  type SubscribeOptions,
  type SubscriptionBatch,
} from '../event-store.port.js';
import {
  AppendLocksBusyError,
  DuplicateEventIdError,
  ReadStreamsMovedError,
  EventStoreUnavailableError,
  EventStoreUsageError,
  RecordingOpenError,
  WrongExpectedRevisionError,
} from '../event-store.errors.js';
import { keepaliveOptions } from '../../database/connection-options.js';
import { PgNotifier } from '../../database/pg-notifier.js';
import { DEFAULT_READ_COUNT, validateAppend, validateAppends } from '../append-rules.js';

export interface PostgresEventStoreOptions {
  readonly connectionString: string;
  readonly poolSize?: number;
  /** How often a live subscription polls when no notification arrives. */
  readonly pollIntervalMs?: number;
}

interface EventRow {
  position: string;
  event_id: string;
  stream: string;
  stream_revision: string;
  type: string;
  schema_version: number;
  data: object;
  metadata: NewEvent['metadata'];
  occurred_on: string | null;
  recorded_at: Date;
}

const EVENT_COLUMNS = `position, event_id, stream, stream_revision, type, schema_version, data,
  metadata, to_char(occurred_on, 'YYYY-MM-DD') AS occurred_on, recorded_at`;

/**
 * Below this position every transaction has ended: nothing can still appear there.
 * `(snapshot xmin + the log epoch's offset) * 65536`, read in one statement (migration
 * 1732500000700 tells why the offset, and why the bound stays safe when it is raised).
 */
const SAFE_BOUND = `es_safe_bound()`;

const APPENDED_CHANNEL = 'es_appended';
/** serialization_failure (an older transaction behind a stream's last writer), deadlock_detected. */
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_APPEND_ATTEMPTS = 10;

/** The PostgreSQL adapter of the event store port (tables from the event-store migration). */
export class PostgresEventStore extends EventStore {
  private readonly pool: pg.Pool;
  private readonly notifier: PgNotifier;
  private readonly pollIntervalMs: number;
  private readonly subscriptions = new Set<PostgresLogSubscription>();
  private announcing = false;
  /** The transaction holding back the log when last asked, and when this instance first saw it. */
  private holderSeen: { readonly key: string; readonly at: number } | null = null;
  private announceAgain = false;

  constructor(options: PostgresEventStoreOptions) {
    super();
    this.pool = new pg.Pool({
      ...keepaliveOptions(options.connectionString),
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 10_000,
      statement_timeout: 30_000,
      query_timeout: 35_000,
    });
    this.pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it on the next checkout.
    });
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.notifier = new PgNotifier(options.connectionString, APPENDED_CHANNEL);
  }

  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    const [result] = await this.appendToStreams([{ stream, events, expectedRevision }]);
    return result!;
  }

  readonly supportsGuardedAppend = true;

  async appendGuarded(stream: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision, guard: AppendGuard): Promise<AppendResult> {
    validateAppend(stream, events, expectedRevision);
    const expected = typeof expectedRevision === 'bigint' ? expectedRevision.toString() : expectedRevision;
    const read = [...guard.unchanged];
    const params = [
      guard.lockClass,
      [...new Set(guard.sharedLocks)],
      read.map(([name]) => name),
      read.map(([, revision]) => (revision === null ? null : revision.toString())),
      stream,
      expected,
      ...eventArrays(events),
    ];
    const append: StreamAppend = { stream, events, expectedRevision };
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.pool.query<AppendRow>(
          'SELECT last_revision, last_position FROM es_append_guarded($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)',
          params,
        );
        this.announce();
        return toAppendResult(result.rows[0]!);
      } catch (error) {
        if (!isPgError(error) || !RETRYABLE.has(error.code ?? '') || attempt >= MAX_APPEND_ATTEMPTS) throw translateError(error, [append]);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }

  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    validateAppends(appends);
    for (let attempt = 1; ; attempt++) {
      try {
        const results = await this.appendOnce(appends);
        this.announce();
        return results;
      } catch (error) {
        // A transaction older than a stream's last writer, or a deadlock: nothing was
        // written, and a new transaction (with a new id) will go through.
        if (!isPgError(error) || !RETRYABLE.has(error.code ?? '') || attempt >= MAX_APPEND_ATTEMPTS) {
          throw translateError(error, appends);
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }

  private async appendOnce(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    const client = await this.connect();
    try {
      if (appends.length === 1) return [await appendOne(client, appends[0]!, true)];
      if (appends.every((a) => a.expectedRevision === 'no_stream' && a.events.length === 1)) {
        return await appendNewStreams(client, appends);
      }
      // One statement: it takes the streams' locks, appends to each in order and commits as it ends.
      const result = await client.query<AppendRow>(
        'SELECT last_revision, last_position FROM es_append_streams($1, $2, $3, $4, $5, $6, $7, $8, $9)',
        [
          appends.map((a) => a.stream),
          appends.map((a) => (typeof a.expectedRevision === 'bigint' ? a.expectedRevision.toString() : a.expectedRevision)),
          appends.map((a) => a.events.length),
          ...eventArrays(appends.flatMap((a) => a.events)),
        ],
      );
      return result.rows.map(toAppendResult);
    } finally {
      client.release();
    }
  }

  /**
   * Tells subscribers, here at once and in other processes by NOTIFY, that events were
   * appended. Sent after the commit and coalesced: at most one NOTIFY in flight and one
   * queued behind it, however many appends happen meanwhile.
   */
  private announce(): void {
    this.notifier.wakeLocal();
    if (this.announcing) {
      this.announceAgain = true;
      return;
    }
    this.announcing = true;
    void (async () => {
      try {
        do {
          this.announceAgain = false;
          await this.pool.query(`NOTIFY ${APPENDED_CHANNEL}`);
        } while (this.announceAgain);
      } catch {
        // Listeners elsewhere fall back to polling.
      } finally {
        this.announcing = false;
      }
    })();
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const backwards = options.direction === 'backwards';
    const limit = options.maxCount ?? null;
    const from = options.fromRevision ?? null;
    const sql = `SELECT ${EVENT_COLUMNS} FROM es_events WHERE stream = $1
      ${from === null ? '' : backwards ? 'AND stream_revision <= $3' : 'AND stream_revision >= $3'}
      ORDER BY stream_revision ${backwards ? 'DESC' : 'ASC'} LIMIT $2`;
    const params: unknown[] = [stream, limit];
    if (from !== null) params.push(from.toString());
    const rows = await this.query<EventRow>(sql, params);
    return rows.map(toStoredEvent);
  }

  async readStreams(streams: readonly string[]): Promise<Map<string, StoredEvent[]>> {
    const names = [...new Set(streams)];
    const found = new Map<string, StoredEvent[]>(names.map((name) => [name, []]));
    if (names.length === 0) return found;
    const rows = await this.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM es_events WHERE stream = ANY($1::text[]) ORDER BY stream, stream_revision`,
      [names],
    );
    for (const row of rows) found.get(row.stream)!.push(toStoredEvent(row));
    return found;
  }

  async streamRevisions(streams: readonly string[]): Promise<Map<string, bigint | null>> {
    const names = [...new Set(streams)];
    const found = new Map<string, bigint | null>(names.map((name) => [name, null]));
    if (names.length === 0) return found;
    const rows = await this.query<{ stream: string; revision: string }>(
      `SELECT stream, revision FROM es_streams WHERE stream = ANY($1::text[])`,
      [names],
    );
    for (const row of rows) found.set(row.stream, BigInt(row.revision));
    return found;
  }

  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    return (await this.readBatch(options)).events;
  }

  /**
   * Reads events after a cursor and tells how far the log is known complete: up to the
   * last event returned when the batch is full, else up to the last stored event below the
   * oldest open transaction (events the filter passed over included).
   */
  async readBatch(options: ReadAllOptions): Promise<{ events: StoredEvent[]; scannedTo: bigint }> {
    const after = options.after ? this.positionOfCursor(options.after) : -1n;
    const limit = options.maxCount ?? DEFAULT_READ_COUNT;
    const params: unknown[] = [after.toString(), limit];
    const rows = await this.query<EventRow & { head: string }>(
      `SELECT e.*, h.head
         FROM (SELECT coalesce(max(position), -1) AS head FROM es_events WHERE position < ${SAFE_BOUND}) h
         LEFT JOIN LATERAL (${selectAfter(options.filter, params)}) e ON true
        ORDER BY e.position`,
      params,
    );
    const events = rows.filter((r) => r.position !== null).map(toStoredEvent);
    if (events.length === limit) return { events, scannedTo: events[events.length - 1]!.position };
    const head = BigInt(rows[0]!.head);
    return { events, scannedTo: head > after ? head : after };
  }

  subscribeToAll(options: SubscribeOptions = {}): LogSubscription {
    const subscription = new PostgresLogSubscription(this, this.notifier, options, this.pollIntervalMs, (s) =>
      this.subscriptions.delete(s),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint> {
    // Every committed event counts, including those readers still hold back behind an open
    // transaction: waiting for the head means waiting for all of them.
    const rows = await this.query<{ head: string }>(`SELECT coalesce(max(position), 0) AS head FROM es_events`, []);
    return BigInt(rows[0]!.head);
  }

  /** A transaction's positions share their high bits (`xid * 65536 + ordinal`): its last one is the highest of them. */
  override async endOfTransaction(position: bigint): Promise<bigint> {
    const rows = await this.query<{ last: string | null }>(
      `SELECT max(position)::text AS last FROM es_events WHERE position >= $1::bigint AND position < (($1::bigint >> 16) + 1) << 16`,
      [position.toString()],
    );
    const last = rows[0]?.last;
    return last ? BigInt(last) : position;
  }

  /**
   * A transaction records its events when it inserts its first one (`es_recorded_at()`, to the
   * millisecond), after it has locked `es_events` for writing: waits while the database's clock
   * has not passed the millisecond of `at`, and while a transaction holding that lock (one that has written events
   * and not ended) began in or before the millisecond of `at`, or its start is hidden from this
   * role, or it is prepared. A transaction that has written no event yet records after now.
   */
  override async recordingsSettled(at: Date, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
      const rows = await this.query<{ open: boolean }>(
        `SELECT date_trunc('milliseconds', clock_timestamp()) <= $1 OR EXISTS (
                  SELECT 1 FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
                   WHERE l.locktype = 'relation' AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                     AND l.relation = 'es_events'::regclass AND l.mode = 'RowExclusiveLock'
                     AND l.pid IS DISTINCT FROM pg_backend_pid()
                     AND (a.xact_start IS NULL OR date_trunc('milliseconds', a.xact_start) <= $1)) AS open`,
        [at],
      );
      if (!rows[0]!.open) return;
      if (Date.now() + pause > deadline) throw new RecordingOpenError(at);
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }

  /** Counts positions only (one index range, no event read), committed events readers still wait for included. */
  override async countEventsAfter(cursor: LogCursor | null, limit: number): Promise<number> {
    if (!Number.isSafeInteger(limit) || limit < 0) throw new EventStoreUsageError(`limit must be a non-negative integer, got ${limit}`);
    const after = cursor === null ? -1n : this.positionOfCursor(cursor);
    const rows = await this.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM es_events WHERE position > $1 ORDER BY position LIMIT $2) t`,
      [after.toString(), limit],
    );
    return rows[0]!.n;
  }

  /**
   * The transaction readers wait for: the one with the oldest transaction id in the whole
   * cluster (the snapshot's xmin is the oldest id still running, whatever its database), a
   * session's (`pg_stat_activity.backend_xid`) or a prepared one's (`pg_prepared_xacts`).
   * A transaction that only reads holds no id and holds nothing back.
   */
  override async holdingTransaction(): Promise<HoldingTransaction | null> {
    const rows = await this.query<{
      pid: number | null;
      database: string | null;
      state: string | null;
      age_seconds: number | null;
      query: string | null;
      xid: string;
      events_waiting: boolean;
    }>(
      `SELECT h.pid, h.database, h.state, h.age_seconds, h.query, h.xid,
              EXISTS (SELECT 1 FROM es_events WHERE position >= ${SAFE_BOUND}) AS events_waiting
         FROM (SELECT a.pid, a.datname::text AS database, a.state,
                      extract(epoch FROM statement_timestamp() - a.xact_start)::float8 AS age_seconds,
                      left(a.query, 500) AS query, age(a.backend_xid) AS xid_age, a.backend_xid::text AS xid
                 FROM pg_stat_activity a
                WHERE a.backend_xid IS NOT NULL AND a.pid <> pg_backend_pid()
               UNION ALL
               SELECT NULL, p.database::text, 'prepared', extract(epoch FROM statement_timestamp() - p.prepared)::float8,
                      NULL, age(p.transaction), p.transaction::text
                 FROM pg_prepared_xacts p
                ORDER BY xid_age DESC
                LIMIT 1) h`,
      [],
    );
    const row = rows[0];
    if (!row) {
      this.holderSeen = null;
      return null;
    }
    // Without pg_read_all_stats another role's transaction start is hidden: it is timed from
    // when this instance first saw it (the same transaction id in the same session).
    const key = `${row.pid ?? 'prepared'}/${row.xid}`;
    if (this.holderSeen?.key !== key) this.holderSeen = { key, at: Date.now() };
    const observed = row.age_seconds === null;
    const age = observed ? (Date.now() - this.holderSeen.at) / 1000 : row.age_seconds!;
    return {
      pid: row.pid,
      database: row.database,
      state: row.state,
      ageSeconds: Math.max(0, Math.floor(age)),
      ageObserved: observed,
      query: row.query,
      eventsWaiting: row.events_waiting,
    };
  }

  positionOfCursor(cursor: LogCursor): bigint {
    if (!/^\d{1,19}$/.test(cursor)) {
      throw new EventStoreUsageError(`log cursor "${cursor}" is not a PostgreSQL event store position`);
    }
    return BigInt(cursor);
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.notifier.close();
    await this.pool.end();
  }

  private async connect(): Promise<pg.PoolClient> {
    try {
      return await this.pool.connect();
    } catch (error) {
      throw new EventStoreUnavailableError('the PostgreSQL event store cannot be reached', { cause: error });
    }
  }

  private async query<T extends pg.QueryResultRow>(sql: string, params: unknown[]): Promise<T[]> {
    try {
      return (await this.pool.query<T>(sql, params)).rows;
    } catch (error) {
      throw translateError(error, []);
    }
  }
}

/** The events as the array parameters of the append functions: ids, types, versions, data, metadata, dates. */
function eventArrays(events: readonly NewEvent[]): unknown[] {
  return [
    events.map((e) => e.id),
    events.map((e) => e.type),
    events.map((e) => e.schemaVersion),
    events.map((e) => JSON.stringify(e.data)),
    events.map((e) => JSON.stringify(e.metadata)),
    events.map((e) => e.occurredOn),
  ];
}

type AppendRow = { last_revision: string; last_position: string };

const toAppendResult = (row: AppendRow): AppendResult => ({
  streamRevision: BigInt(row.last_revision),
  position: BigInt(row.last_position),
});

async function appendOne(client: pg.PoolClient, append: StreamAppend, firstInTransaction: boolean): Promise<AppendResult> {
  const expected = typeof append.expectedRevision === 'bigint' ? append.expectedRevision.toString() : append.expectedRevision;
  const result = await client.query<AppendRow>(
    'SELECT last_revision, last_position FROM es_append($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    [append.stream, expected, ...eventArrays(append.events), firstInTransaction],
  );
  return toAppendResult(result.rows[0]!);
}

/** One statement for many new single-event streams (bulk enrolments). */
async function appendNewStreams(client: pg.PoolClient, appends: readonly StreamAppend[]): Promise<AppendResult[]> {
  const result = await client.query<AppendRow>(
    'SELECT last_revision, last_position FROM es_append_new_streams($1, $2, $3, $4, $5, $6, $7)',
    [appends.map((a) => a.stream), ...eventArrays(appends.map((a) => a.events[0]!))],
  );
  return result.rows.map(toAppendResult);
}

/**
 * Events after $1, below the safe bound, in position order, at most $2. A filter reads each
 * type (or category) along its own (type, position) index and merges, so a batch costs
 * the batch, not the whole log.
 */
function selectAfter(filter: LogFilter | undefined, params: unknown[]): string {
  const range = `position > $1 AND position < ${SAFE_BOUND}`;
  if (!filter) return `SELECT ${EVENT_COLUMNS} FROM es_events WHERE ${range} ORDER BY position LIMIT $2`;
  const column = 'eventTypes' in filter ? 'type' : 'category';
  params.push('eventTypes' in filter ? filter.eventTypes : filter.streamCategories);
  // The positions first, from the (type or category, position) index alone, the events' rows
  // only for those kept: each value's scan reads up to the limit, most of which the merge drops.
  return `SELECT e.position, e.event_id, e.stream, e.stream_revision, e.type, e.schema_version, e.data, e.metadata,
                 to_char(e.occurred_on, 'YYYY-MM-DD') AS occurred_on, e.recorded_at FROM (
            SELECT x.position FROM unnest($${params.length}::text[]) AS f(value), LATERAL (
              SELECT position FROM es_events WHERE ${column} = f.value AND ${range}
               ORDER BY position LIMIT $2) x
            ORDER BY x.position LIMIT $2) kept
          JOIN es_events e ON e.position = kept.position`;
}

function toStoredEvent(row: EventRow): StoredEvent {
  return {
    id: row.event_id,
    stream: row.stream,
    streamRevision: BigInt(row.stream_revision),
    position: BigInt(row.position),
    logCursor: row.position,
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    occurredOn: row.occurred_on,
    recordedAt: row.recorded_at,
    transaction: (BigInt(row.position) >> 16n).toString(),
  };
}

interface PgError {
  code?: string;
  detail?: string;
  constraint?: string;
  message: string;
}

function isPgError(error: unknown): error is PgError {
  return typeof error === 'object' && error !== null && 'code' in error && typeof (error as PgError).code === 'string';
}

function translateError(error: unknown, appends: readonly StreamAppend[]): Error {
  if (error instanceof EventStoreUsageError || error instanceof EventStoreUnavailableError) return error;
  if (!isPgError(error)) {
    return new EventStoreUnavailableError(
      `the PostgreSQL event store failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (error.code === 'EV409') {
    const stream = /stream (\S+) is not/.exec(error.message)?.[1] ?? '';
    const append = appends.find((a) => a.stream === stream);
    const expected = append ? String(append.expectedRevision) : 'unknown';
    return new WrongExpectedRevisionError(stream, expected, error.detail ?? 'unknown');
  }
  if (error.code === '23505' && error.constraint === 'es_events_event_id_key') {
    const id = /\(event_id\)=\(([^)]+)\)/.exec(error.detail ?? '')?.[1] ?? 'unknown';
    return new DuplicateEventIdError(id);
  }
  if (error.code === 'EV410') return new ReadStreamsMovedError((error.detail ?? '').split(',').filter(Boolean));
  if (error.code === 'EV423') return new AppendLocksBusyError();
  if (error.code === 'EV400' || error.code === '22P02') return new EventStoreUsageError(error.message);
  return new EventStoreUnavailableError(`the PostgreSQL event store failed: ${error.message}`, { cause: error });
}

/** The shortest time between two reads of a subscription that has caught up with the log. */
const GATHER_MS = 10;

/** Catch-up then live: reads in batches, then waits for a notification or the poll interval. */
class PostgresLogSubscription implements LogSubscription {
  private closed = false;
  /** Ends the wait in progress, if any; replaced by every new wait. */
  private wakeWaiting: (() => void) | null = null;

  constructor(
    private readonly store: PostgresEventStore,
    private readonly notifier: PgNotifier,
    private readonly options: SubscribeOptions,
    private readonly pollIntervalMs: number,
    private readonly onClose: (s: PostgresLogSubscription) => void,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<SubscriptionBatch> {
    let after = this.options.after ?? null;
    const batchSize = this.options.batchSize ?? 500;
    let quickRetry = false;
    while (!this.closed) {
      const generation = this.notifier.generation;
      const readAt = Date.now();
      const { events, scannedTo } = await this.store.readBatch({ after, maxCount: batchSize, filter: this.options.filter });
      if (this.closed) return;
      const moved = scannedTo >= 0n && (after === null || scannedTo > this.store.positionOfCursor(after));
      if (events.length > 0 || moved) {
        after = scannedTo.toString();
        quickRetry = false;
        yield { events, checkpoint: after };
        // A full batch: more is waiting, read on at once.
        if (events.length === batchSize) continue;
      }
      if (events.length === 0) {
        // A notification with nothing readable means an older transaction is still in
        // flight below the new event: look again soon rather than at the next poll.
        quickRetry = await this.notifier.waitForChange(
          generation,
          quickRetry ? Math.min(25, this.pollIntervalMs) : this.pollIntervalMs,
          (wake) => (this.wakeWaiting = wake),
        );
      }
      // Caught up: under a steady flow of appends, gather them a moment rather than reading
      // (and checkpointing) after every one of them.
      const gather = readAt + GATHER_MS - Date.now();
      if (gather > 0 && !this.closed) await new Promise((resolve) => setTimeout(resolve, gather));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeWaiting?.();
    this.wakeWaiting = null;
    this.onClose(this);
  }
}
