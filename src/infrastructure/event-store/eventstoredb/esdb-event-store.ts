import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendResult as ClientAppendResult,
  type Direction,
  type Position,
  type ReadPosition,
} from '@eventstore/db-client';
import {
  EventStoreCapabilityError,
  EventStoreUnavailableError,
  EventStoreUsageError,
  WrongExpectedRevisionError,
} from '../event-store.errors.js';
import {
  EventStore,
  type AppendResult,
  type ExpectedRevision,
  type LogCursor,
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
  comparePositions,
  cursorOf,
  isAfterResumePoint,
  isApplicationEvent,
  logFilterPredicate,
  positionOfCursor,
  resumeAfter,
  revisionToString,
  toClientExpectedRevision,
  toClientFilter,
  toEventData,
  toPortError,
  toStoredEvent,
  type ResumePoint,
} from './esdb-mapping.js';
import { DEFAULT_READ_COUNT, validateAppend } from '../append-rules.js';

const DEFAULT_BATCH_SIZE = 500;
/** Events fetched per request when paging through $all. */
const READ_PAGE_SIZE = 500;

/**
 * The EventStoreDB adapter of the event store port (server 22.6 or later, which gives log
 * positions on stream reads). It cannot append to several streams atomically: that needs the
 * PostgreSQL store.
 */
export class EsdbEventStore extends EventStore {
  private readonly client: EventStoreDBClient;
  private readonly subscriptions = new Set<EsdbLogSubscription>();

  /** @param connectionString an `esdb://` or `esdb+discover://` connection string. */
  constructor(connectionString: string) {
    super();
    this.client = EventStoreDBClient.connectionString(connectionString);
  }

  async appendToStream(
    stream: string,
    events: readonly NewEvent[],
    expectedRevision: ExpectedRevision,
  ): Promise<AppendResult> {
    validateAppend(stream, events, expectedRevision);
    const expected = toClientExpectedRevision(expectedRevision);
    let result: ClientAppendResult;
    try {
      result = await this.client.appendToStream(stream, events.map(toEventData), { expectedRevision: expected });
    } catch (error) {
      throw toPortError(error);
    }
    if (!result.success) {
      // Only when the connection string sets throwOnAppendFailure=false.
      throw new WrongExpectedRevisionError(stream, revisionToString(expected), revisionToString(result.nextExpectedRevision));
    }
    // The server reports one position for the whole write (its transaction's, where its first
    // event is): exact for one event; for several, the last event's is read back.
    const position =
      events.length === 1 && result.position !== undefined
        ? result.position.prepare
        : await this.positionOfRevision(stream, result.nextExpectedRevision);
    return { streamRevision: result.nextExpectedRevision, position };
  }

  async appendToStreams(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    if (appends.length === 0) throw new EventStoreUsageError('nothing to append: no streams given');
    if (appends.length === 1) {
      const [append] = appends as readonly [StreamAppend];
      return [await this.appendToStream(append.stream, append.events, append.expectedRevision)];
    }
    throw new EventStoreCapabilityError(
      `EventStoreDB (through @eventstore/db-client 6.2.1) cannot append to several streams atomically ` +
        `(${appends.map((a) => a.stream).join(', ')}): atomic multi-stream appends need the PostgreSQL event store`,
    );
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    const direction: Direction = options.direction === 'backwards' ? BACKWARDS : FORWARDS;
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    validateCount('maxCount', maxCount);
    if (options.fromRevision !== undefined && options.fromRevision < 0n) {
      throw new EventStoreUsageError(`fromRevision ${options.fromRevision} is negative`);
    }
    if (maxCount === 0) return [];
    const fromRevision = options.fromRevision ?? (direction === BACKWARDS ? END : START);
    const events: StoredEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, { direction, fromRevision, maxCount })) {
        events.push(toStoredEvent(resolved));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toPortError(error);
    }
    return events;
  }

  readonly supportsGuardedAppend = false;

  /** EventStoreDB cannot hold PostgreSQL's command locks in its appends: commands hold them on their own connection. */
  async appendGuarded(): Promise<AppendResult> {
    throw new EventStoreCapabilityError('EventStoreDB has no guarded append; commands hold their locks on a connection of their own');
  }

  async readStreams(streams: readonly string[]): Promise<Map<string, StoredEvent[]>> {
    const names = [...new Set(streams)];
    return new Map(await Promise.all(names.map(async (name) => [name, await this.readStream(name)] as const)));
  }

  async streamRevisions(streams: readonly string[]): Promise<Map<string, bigint | null>> {
    const names = [...new Set(streams)];
    return new Map(
      await Promise.all(
        names.map(async (name) => {
          const [last] = await this.readStream(name, { direction: 'backwards', maxCount: 1 });
          return [name, last ? last.streamRevision : null] as const;
        }),
      ),
    );
  }

  /**
   * The client's readAll takes no server-side filter, so $all is read in pages and filtered
   * here (system and non-JSON events are always left out).
   */
  async readAll(options: ReadAllOptions = {}): Promise<StoredEvent[]> {
    const limit = options.maxCount ?? DEFAULT_READ_COUNT;
    validateCount('maxCount', limit);
    let resume = resumeAfter(options.after);
    if (limit === 0) return [];
    const accept = logFilterPredicate(options.filter);
    // Without a filter a page a little larger than the limit usually suffices (+1 for the
    // cursor's own event, which the server may return again).
    const pageSize = options.filter === undefined ? Math.min(READ_PAGE_SIZE, limit + 1) : READ_PAGE_SIZE;
    const events: StoredEvent[] = [];
    for (;;) {
      const page = await this.readAllPage(resume.fromPosition, FORWARDS, pageSize);
      let last: Position | null = null;
      for (const resolved of page) {
        const position = resolved.event?.position;
        if (position === undefined || !isAfterResumePoint(position, resume)) continue;
        last = position;
        if (!accept(resolved)) continue;
        events.push(toStoredEvent(resolved));
        if (events.length === limit) return events;
      }
      if (page.length < pageSize || last === null) return events;
      resume = { fromPosition: last, after: last };
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): LogSubscription {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    validateCount('batchSize', batchSize);
    if (batchSize === 0) throw new EventStoreUsageError('batchSize must be at least 1');
    const subscription: EsdbLogSubscription = new EsdbLogSubscription(this.client, options, batchSize, () =>
      this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** The position of the last event readAll can return (system and non-JSON events do not count). */
  async headPosition(): Promise<bigint> {
    let from: ReadPosition = END;
    let before: Position | null = null;
    for (;;) {
      const page = await this.readAllPage(from, BACKWARDS, READ_PAGE_SIZE);
      let lowest: Position | null = null;
      for (const resolved of page) {
        const position = resolved.event?.position;
        // A page after the first may begin with the event it was asked to start from.
        if (position === undefined || (before !== null && comparePositions(position, before) >= 0)) continue;
        if (isApplicationEvent(resolved)) return position.prepare;
        lowest = position;
      }
      if (page.length < READ_PAGE_SIZE || lowest === null) return 0n;
      from = lowest;
      before = lowest;
    }
  }

  positionOfCursor(cursor: LogCursor): bigint {
    return positionOfCursor(cursor);
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    await this.client.dispose();
  }

  private async readAllPage(
    fromPosition: ReadPosition,
    direction: Direction,
    maxCount: number,
  ): Promise<AllStreamResolvedEvent[]> {
    const page: AllStreamResolvedEvent[] = [];
    try {
      // The page is read to its end (it is bounded) so that no server call is left open.
      for await (const resolved of this.client.readAll({ fromPosition, direction, maxCount })) page.push(resolved);
    } catch (error) {
      throw toPortError(error);
    }
    return page;
  }

  private async positionOfRevision(stream: string, revision: bigint): Promise<bigint> {
    const [event] = await this.readStream(stream, { fromRevision: revision, maxCount: 1 });
    if (event === undefined || event.streamRevision !== revision) {
      throw new EventStoreUnavailableError(`EventStoreDB did not return event ${revision} of ${stream} just appended`);
    }
    return event.position;
  }
}

function validateCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new EventStoreUsageError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/**
 * A catch-up subscription to $all as batches. Pull-based: a batch is whatever the client's
 * subscription stream has buffered (up to batchSize), so a slow consumer applies backpressure
 * instead of growing a queue.
 *
 * A batch's checkpoint is the furthest position known to be passed over completely: the last
 * event taken from the stream (delivered or dropped here), or, once everything buffered has
 * been taken, the server's latest checkpoint (the client calls the listener in stream order,
 * after buffering every event before it).
 */
class EsdbLogSubscription implements LogSubscription {
  private readonly source: AllStreamSubscription;
  private readonly resume: ResumePoint;
  private readonly accept: (resolved: AllStreamResolvedEvent) => boolean;
  private readonly batchSize: number;
  private lastCheckpoint: Position | null;
  private serverCheckpoint: Position | null = null;
  private closed = false;
  private ended = false;
  private failure: { readonly error: unknown } | null = null;
  private wake: (() => void) | null = null;

  constructor(
    client: EventStoreDBClient,
    options: SubscribeOptions,
    batchSize: number,
    private readonly onClose: () => void,
  ) {
    this.resume = resumeAfter(options.after);
    this.lastCheckpoint = this.resume.after;
    this.accept = logFilterPredicate(options.filter);
    this.batchSize = batchSize;
    const filter = toClientFilter(options.filter, (_subscription, position) => {
      if (this.serverCheckpoint === null || comparePositions(position, this.serverCheckpoint) > 0) {
        this.serverCheckpoint = position;
      }
      this.notify();
    });
    this.source = client.subscribeToAll(
      { fromPosition: this.resume.fromPosition, filter },
      // Lets a batch take up to batchSize events that have arrived, not just Node's default 16.
      { highWaterMark: batchSize },
    );
    this.source.on('readable', () => this.notify());
    this.source.on('end', () => {
      this.ended = true;
      this.notify();
    });
    // Attached at once: an 'error' event without a listener would crash the process.
    this.source.on('error', (error: Error) => {
      this.failure ??= { error };
      this.notify();
    });
  }

  async *[Symbol.asyncIterator](): AsyncIterator<SubscriptionBatch> {
    try {
      for (;;) {
        if (this.closed) return;
        const batch = this.takeBatch();
        if (batch !== null) {
          yield batch;
          continue;
        }
        if (this.failure !== null) throw toPortError(this.failure.error);
        if (this.ended) throw new EventStoreUnavailableError('EventStoreDB ended the subscription to $all');
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.notify();
    this.onClose();
    try {
      await this.source.unsubscribe();
    } catch {
      // The subscription never started (its failure is what the iterator reports); nothing to cancel.
    }
    this.source.destroy();
  }

  /** The next batch, or null when there are no new events and the checkpoint has not moved. */
  private takeBatch(): SubscriptionBatch | null {
    const events: StoredEvent[] = [];
    let reached = this.lastCheckpoint;
    let drained = false;
    while (events.length < this.batchSize) {
      const resolved: AllStreamResolvedEvent | null = this.source.read();
      if (resolved === null) {
        drained = true;
        break;
      }
      const position = resolved.event?.position;
      if (position === undefined) continue;
      reached = later(reached, position);
      if (isAfterResumePoint(position, this.resume) && this.accept(resolved)) events.push(toStoredEvent(resolved));
    }
    if (drained && this.serverCheckpoint !== null) reached = later(reached, this.serverCheckpoint);
    // Nothing taken and no checkpoint yet (no event is taken without its position).
    if (reached === null) return null;
    const moved = this.lastCheckpoint === null || comparePositions(reached, this.lastCheckpoint) > 0;
    if (events.length === 0 && !moved) return null;
    this.lastCheckpoint = reached;
    return { events, checkpoint: cursorOf(reached) };
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

function later(a: Position | null, b: Position): Position {
  return a === null || comparePositions(b, a) > 0 ? b : a;
}
