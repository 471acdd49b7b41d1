/**
 * The event store port: everything that writes or reads events goes through it.
 * Two adapters implement it: PostgreSQL (default) and EventStoreDB.
 */

/** The revision the writer expects the stream to be at before its append. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface ActorMetadata {
  /** The user id (`sub` of the token), or `system` for the service itself. */
  readonly id: string;
  readonly role: string;
  /** The org unit whose subtree the actor acts within; null means everything. */
  readonly scopeUnitId: string | null;
}

export interface EventMetadata {
  readonly actor: ActorMetadata;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly idempotencyKey: string | null;
  /** Hash of the request that produced the event, to tell a replay from a conflicting reuse of a key. */
  readonly requestHash?: string | null;
}

/** An event as a writer hands it to the store. */
export interface NewEvent<TType extends string = string, TData extends object = object> {
  readonly id: string;
  readonly type: TType;
  readonly schemaVersion: number;
  readonly data: TData;
  readonly metadata: EventMetadata;
  /** The business date the fact happened on (`YYYY-MM-DD`), where it has one. */
  readonly occurredOn: string | null;
}

/** An event as the store returns it. */
export interface StoredEvent<TType extends string = string, TData extends object = object>
  extends NewEvent<TType, TData> {
  readonly stream: string;
  /** 0-based position of the event within its stream. */
  readonly streamRevision: bigint;
  /** Position in the global log; strictly increasing in log order. */
  readonly position: bigint;
  /** What the store needs to resume reading the global log right after this event. */
  readonly logCursor: LogCursor;
  /**
   * Server clock when the event was recorded, the same for every event of one transaction
   * (PostgreSQL: when the transaction wrote its first event, after any lock it waited for).
   * Positions follow transaction ids there, so recording times need not grow with them.
   */
  readonly recordedAt: Date;
  /**
   * Names the transaction that stored the event (one append, or one atomic multi-stream
   * append): the same for all its events, another for any other transaction. PostgreSQL: the
   * transaction's share of the position (`position >> 16`). EventStoreDB: the commit position,
   * which its log gives each event of an append apart, so there each event is a transaction of
   * its own (a change of knowledge of its own in the views).
   */
  readonly transaction: string;
}

/**
 * An opaque token to resume reading the global log after a given event.
 * PostgreSQL: the position; EventStoreDB: the commit and prepare positions.
 */
export type LogCursor = string;

export interface AppendResult {
  /** The stream revision of the last appended event. */
  readonly streamRevision: bigint;
  /** The global position of the last appended event. */
  readonly position: bigint;
}

export interface StreamAppend {
  readonly stream: string;
  readonly expectedRevision: ExpectedRevision;
  readonly events: readonly NewEvent[];
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive start revision; defaults to the first (forwards) or last (backwards) event. */
  readonly fromRevision?: bigint;
  readonly maxCount?: number;
}

/** Server-side filter on the global log. Types and categories are alternatives, not combined. */
export type LogFilter =
  | { readonly eventTypes: readonly string[] }
  | { readonly streamCategories: readonly string[] };

export interface ReadAllOptions {
  /** Read events after this cursor; null or absent reads from the start. */
  readonly after?: LogCursor | null;
  readonly maxCount?: number;
  readonly filter?: LogFilter;
}

export interface SubscribeOptions {
  readonly after?: LogCursor | null;
  readonly filter?: LogFilter;
  /** Largest number of events handed over at once. */
  readonly batchSize?: number;
}

/**
 * What a subscription hands over at once: events in log order, and a cursor up to which the
 * log has been read, filtered-out events included. The checkpoint may move on with no
 * events (a filtered subscription passing over events of other types).
 */
export interface SubscriptionBatch {
  readonly events: readonly StoredEvent[];
  readonly checkpoint: LogCursor;
}

/**
 * A catch-up subscription to the global log: it delivers what is stored after the
 * start cursor, then new events as they are committed, in batches in log order.
 */
export interface LogSubscription extends AsyncIterable<SubscriptionBatch> {
  close(): Promise<void>;
}

/**
 * What a guarded append holds and checks: shared advisory locks (class and ids, in the
 * scheme of the command locks) for its own transaction, and the revision each stream read by
 * the command must still be at (null: still absent).
 */
export interface AppendGuard {
  readonly lockClass: number;
  readonly sharedLocks: readonly string[];
  readonly unchanged: ReadonlyMap<string, bigint | null>;
}

/**
 * A transaction that holds back the log (PostgreSQL): readers read only below the oldest
 * transaction holding a transaction id anywhere in the cluster, so while it stays open no
 * event appended after it began is delivered.
 */
export interface HoldingTransaction {
  /** Its server process; null for a prepared transaction, which no session holds. */
  readonly pid: number | null;
  readonly database: string | null;
  /** `active`, `idle in transaction`, … or `prepared`; null where PostgreSQL hides it from the service's role. */
  readonly state: string | null;
  /**
   * Seconds since it began; where PostgreSQL hides its start from the service's role, seconds
   * since this instance first saw it holding the log back (a lower bound, `ageObserved`).
   */
  readonly ageSeconds: number | null;
  /** `ageSeconds` counts from when this instance first saw it, not from its start. */
  readonly ageObserved: boolean;
  /** Its current or last statement, shortened: for operators only, never shown to probes. */
  readonly query: string | null;
  /** Committed events are waiting behind it now. */
  readonly eventsWaiting: boolean;
}

export abstract class EventStore {
  /**
   * Whether `appendGuarded` is available: the store shares its database with the command
   * locks (PostgreSQL). Elsewhere commands hold their locks on a connection of their own.
   */
  abstract readonly supportsGuardedAppend: boolean;

  /**
   * Appends to one stream at the expected revision, holding the guard's shared locks for the
   * append's transaction and only if every stream of `guard.unchanged` is still at its revision
   * (else ReadStreamsMovedError). One round trip; it never waits for a lock (a lock held alone
   * by another: AppendLocksBusyError). A store without it (`supportsGuardedAppend`
   * false) refuses with EventStoreCapabilityError.
   */
  abstract appendGuarded(stream: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision, guard: AppendGuard): Promise<AppendResult>;

  /** Appends events to one stream if it is at the expected revision; all or nothing. */
  abstract appendToStream(
    stream: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult>;

  /**
   * Appends to several streams as one atomic unit, each checked against its expected
   * revision. Returns one result per append, in order.
   */
  abstract appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]>;

  /** Reads a stream; an absent stream reads as empty, a stream deleted for good is refused (StreamDeletedError). */
  abstract readStream(stream: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;

  /** Reads several whole streams at once (an absent stream reads as empty), by name. */
  abstract readStreams(streams: readonly string[]): Promise<Map<string, StoredEvent[]>>;

  /** The current revision of each named stream (null for an absent one), without reading events. */
  abstract streamRevisions(streams: readonly string[]): Promise<Map<string, bigint | null>>;

  /** Reads the global log in order. Never skips an event committed later at a lower position. */
  abstract readAll(options?: ReadAllOptions): Promise<StoredEvent[]>;

  abstract subscribeToAll(options?: SubscribeOptions): LogSubscription;

  /** Position of the last event of the global log (0n when empty). */
  abstract headPosition(): Promise<bigint>;

  /**
   * The last position of the transaction (one append, or one atomic multi-stream append) the
   * event at `position` belongs to: views read up to the middle of a transaction show half of
   * one change of knowledge, so a reader that must stand at a whole one reads on to its end.
   * This default answers the position itself: right for a store whose transactions hold one
   * event each; a store that can tell overrides it (PostgreSQL).
   */
  async endOfTransaction(position: bigint): Promise<bigint> {
    return position;
  }

  /**
   * Resolves once nothing more can be recorded at or before `at`: every transaction still open
   * that may record events by then has ended. An answer "as known at" `at` given afterwards is
   * not changed by any later commit. Rejects with RecordingOpenError when one is still open
   * after `timeoutMs`. This default (EventStoreDB, which times an event when it commits it)
   * resolves at once; PostgreSQL overrides it.
   */
  async recordingsSettled(_at: Date, _timeoutMs = 5000): Promise<void> {}

  /**
   * How many events are stored after the cursor (null: from the start), counted up to
   * `limit`: a measure of a reader's lag. This default reads the events; a store that can
   * count positions alone overrides it (PostgreSQL, which also counts the events readers
   * still wait for behind an open transaction).
   */
  async countEventsAfter(cursor: LogCursor | null, limit: number): Promise<number> {
    return (await this.readAll({ after: cursor, maxCount: limit })).length;
  }

  /**
   * The oldest open transaction that readers of the log wait for, or null. This default
   * (EventStoreDB) has none: its readers never wait for a transaction. PostgreSQL overrides it.
   */
  async holdingTransaction(): Promise<HoldingTransaction | null> {
    return null;
  }

  /** Turns a stored cursor back into the position it stands for (for comparisons). */
  abstract positionOfCursor(cursor: LogCursor): bigint;

  abstract close(): Promise<void>;
}
