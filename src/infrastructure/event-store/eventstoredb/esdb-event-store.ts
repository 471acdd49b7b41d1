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
import { DEFAULT_READ_COUNT, validateAppend, validateAppends } from '../append-rules.js';

const DEFAULT_BATCH_SIZE = 500;
/** Events fetched per request when paging through $all. */
const READ_PAGE_SIZE = 500;
/**
 * EventStoreDB cannot count positions without reading the events at them: a reader's lag is
 * counted up to this many (one small page), whatever the limit asked, so that a public
 * health probe never reads much.
 */
export const LAG_COUNT_LIMIT = 100;
/** How long a live subscription with nothing to deliver waits before it looks for the head again. */
const DEFAULT_HEAD_POLL_MS = 250;
/** Not known to be live (catching up, fallen behind, or a server that never tells), the head is checked this many times less often. */
const QUIET_HEAD_POLL_FACTOR = 20;

export interface EsdbEventStoreOptions {
  /**
   * How often (ms) a live subscription with nothing to deliver reads the head of $all, so
   * that its checkpoint follows events its filter leaves out (the server reports them rarely).
   */
  readonly headPollMs?: number;
}

/**
 * The EventStoreDB adapter of the event store port (server 22.6 or later, which gives log
 * positions on stream reads). It cannot append to several streams atomically: that needs the
 * PostgreSQL store.
 */
export class EsdbEventStore extends EventStore {
  private readonly client: EventStoreDBClient;
  private readonly subscriptions = new Set<EsdbLogSubscription>();
  private readonly headPollMs: number;

  /** @param connectionString an `esdb://` or `esdb+discover://` connection string. */
  constructor(connectionString: string, options: EsdbEventStoreOptions = {}) {
    super();
    const headPollMs = options.headPollMs ?? DEFAULT_HEAD_POLL_MS;
    if (!Number.isSafeInteger(headPollMs) || headPollMs < 1) {
      throw new EventStoreUsageError(`headPollMs must be a positive whole number of milliseconds, got ${headPollMs}`);
    }
    this.headPollMs = headPollMs;
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
      throw toPortError(error, stream);
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
    // The same rules as the PostgreSQL store, before the capability: misuse is misuse on both.
    validateAppends(appends);
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
      throw toPortError(error, stream);
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

  /** Counted up to LAG_COUNT_LIMIT: beyond it, the figure reads "that many or more". */
  override async countEventsAfter(cursor: LogCursor | null, limit: number): Promise<number> {
    return (await this.readAll({ after: cursor, maxCount: Math.min(limit, LAG_COUNT_LIMIT) })).length;
  }

  subscribeToAll(options: SubscribeOptions = {}): LogSubscription {
    const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
    validateCount('batchSize', batchSize);
    if (batchSize === 0) throw new EventStoreUsageError('batchSize must be at least 1');
    const settings = {
      batchSize,
      headPollMs: this.headPollMs,
      pageSize: READ_PAGE_SIZE,
      readPage: (from: ReadPosition) => this.readAllPage(from, FORWARDS, READ_PAGE_SIZE),
    };
    const subscription: EsdbLogSubscription = new EsdbLogSubscription(this.client, options, settings, () =>
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

/** How far a subscription has read $all for itself, and the last event there it has to deliver. */
interface CheckedLog {
  readonly upTo: Position;
  readonly lastMatch: Position | null;
}

interface SubscriptionSettings {
  readonly batchSize: number;
  readonly headPollMs: number;
  readonly pageSize: number;
  /** Reads up to pageSize events of $all forwards from a position (inclusive). */
  readonly readPage: (from: ReadPosition) => Promise<AllStreamResolvedEvent[]>;
}

/**
 * A catch-up subscription to $all as batches. Pull-based: a batch is whatever the client's
 * subscription stream has buffered (up to batchSize), so a slow consumer applies backpressure
 * instead of growing a queue.
 *
 * A batch's checkpoint is the furthest position known to be passed over completely: the last
 * event taken from the stream (delivered or dropped here), or, once everything buffered has
 * been taken, the server's latest checkpoint (the client calls the listener in stream order,
 * after buffering every event before it) or the head of the log as this subscription checked
 * it.
 *
 * The head. The server sends no checkpoint when a filtered subscription turns live, and while
 * live only one per CHECKPOINT_INTERVAL_MULTIPLIER × 32 events it leaves out, so a subscription
 * whose filter leaves out the newest events would stay below the head of a quiet log (and
 * `minPosition` waits on it would time out). So when the client reports the subscription caught
 * up, and whenever it is live with nothing to take for headPollMs, the subscription reads $all
 * forwards from its checkpoint, a page at a time, and notes how far it read (`upTo`) and the
 * last event there that it delivers (`lastMatch`). `upTo` becomes the checkpoint once the stream
 * has passed `lastMatch`. That never passes an event not yet delivered, however the read races
 * with live events: $all only grows at its end, so the read saw every event up to `upTo`. Of
 * those this subscription delivers, the ones up to the checkpoint have been delivered, and the
 * others, up to `lastMatch`, come through the stream in log order, whether the server sent them
 * before the read or they are still on their way, so once the stream has passed `lastMatch` it
 * has passed all of them. An event committed after the read lies beyond `upTo`: the next check
 * or the stream covers it. The stream's "passed" is its own: an event taken, a server
 * checkpoint (in stream order), or an earlier `upTo` (reported under the same rule).
 */
class EsdbLogSubscription implements LogSubscription {
  private readonly source: AllStreamSubscription;
  private readonly resume: ResumePoint;
  private readonly accept: (resolved: AllStreamResolvedEvent) => boolean;
  private lastCheckpoint: Position | null;
  private serverCheckpoint: Position | null = null;
  private checked: CheckedLog | null = null;
  /** Between the client's caughtUp and fellBehind notices (servers from 23.10 send them; older ones never do). */
  private live = false;
  /** The head is to be checked at the next moment with nothing to take. */
  private headDue = false;
  private closed = false;
  private ended = false;
  private failure: { readonly error: unknown } | null = null;
  private wake: (() => void) | null = null;
  private markClosed: () => void = () => undefined;
  /** Settles when the subscription is closed, so that a head read in flight does not hold the iterator. */
  private readonly whenClosed = new Promise<void>((resolve) => {
    this.markClosed = resolve;
  });

  constructor(
    client: EventStoreDBClient,
    options: SubscribeOptions,
    private readonly settings: SubscriptionSettings,
    private readonly onClose: () => void,
  ) {
    this.resume = resumeAfter(options.after);
    this.lastCheckpoint = this.resume.after;
    this.accept = logFilterPredicate(options.filter);
    const filter = toClientFilter(options.filter, (_subscription, position) => {
      if (this.serverCheckpoint === null || comparePositions(position, this.serverCheckpoint) > 0) {
        this.serverCheckpoint = position;
      }
      this.notify();
    });
    this.source = client.subscribeToAll(
      { fromPosition: this.resume.fromPosition, filter },
      // Lets a batch take up to batchSize events that have arrived, not just Node's default 16.
      { highWaterMark: settings.batchSize },
    );
    this.source.on('readable', () => this.notify());
    this.source.on('caughtUp', () => {
      this.live = true;
      this.headDue = true;
      this.notify();
    });
    this.source.on('fellBehind', () => {
      this.live = false;
      // Ends a wait that would check the head: catching up, the server's checkpoints lead the way.
      this.notify();
    });
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
        if (this.headDue) {
          this.headDue = false;
          await this.checkHead();
          continue;
        }
        // Live, the head is followed every headPollMs. Otherwise the server's checkpoints lead
        // the way, and the head is looked at only after a long quiet: a server before 23.10
        // never says it has caught up, and a quiet log would otherwise never be passed.
        await this.waitForNews(this.live ? this.settings.headPollMs : this.settings.headPollMs * QUIET_HEAD_POLL_FACTOR);
      }
    } finally {
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.markClosed();
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
    while (events.length < this.settings.batchSize) {
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
    const checked = this.checked;
    if (drained && checked !== null && (checked.lastMatch === null || (reached !== null && comparePositions(reached, checked.lastMatch) >= 0))) {
      reached = later(reached, checked.upTo);
    }
    // Nothing taken and no checkpoint yet (no event is taken without its position).
    if (reached === null) return null;
    const moved = this.lastCheckpoint === null || comparePositions(reached, this.lastCheckpoint) > 0;
    if (events.length === 0 && !moved) return null;
    this.lastCheckpoint = reached;
    return { events, checkpoint: cursorOf(reached) };
  }

  /** Reads the next page of $all after what is passed or checked already (see the class comment). */
  private async checkHead(): Promise<void> {
    const previous = this.checked;
    const from = previous === null ? this.lastCheckpoint : later(this.lastCheckpoint, previous.upTo);
    const read = this.settings.readPage(from ?? START);
    // Once closed, the read's outcome (the client may be disposed of under it) is of no interest.
    read.catch(() => undefined);
    const page = await Promise.race([read, this.whenClosed.then(() => null)]);
    if (page === null || this.closed) return;
    let upTo = previous?.upTo ?? null;
    let lastMatch = previous?.lastMatch ?? null;
    for (const resolved of page) {
      const position = resolved.event?.position;
      // The read includes its start position.
      if (position === undefined || (from !== null && comparePositions(position, from) <= 0)) continue;
      upTo = position;
      if (this.accept(resolved)) lastMatch = position;
    }
    if (upTo !== null) this.checked = { upTo, lastMatch };
    // A full page: the log goes on; read on at the next moment with nothing to take.
    if (page.length >= this.settings.pageSize) this.headDue = true;
  }

  /** Waits for the stream or a close; while live, for at most headPollMs, after which the head is due. */
  private waitForNews(pollMs: number | null): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer =
        pollMs === null
          ? null
          : setTimeout(() => {
              this.headDue = true;
              this.notify();
            }, pollMs);
      // A poll alone does not keep the process running.
      timer?.unref();
      this.wake = () => {
        if (timer !== null) clearTimeout(timer);
        resolve();
      };
    });
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
