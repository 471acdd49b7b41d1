/**
 * Pure translations between the event store port and @eventstore/db-client 6.2.1: events,
 * expected revisions, log cursors, errors and server-side filters. No I/O here.
 */
import {
  ANY,
  CancelledError,
  DeadlineExceededError,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS,
  StreamDeletedError as ClientStreamDeletedError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  convertToCommandError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type CurrentRevision,
  type EventData,
  type Filter,
  type JSONType,
  type Position,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import {
  EventStoreUnavailableError,
  EventStoreUsageError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '../event-store.errors.js';
import type {
  ActorMetadata,
  EventMetadata,
  ExpectedRevision,
  LogCursor,
  LogFilter,
  NewEvent,
  StoredEvent,
} from '../event-store.port.js';

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

/**
 * The metadata JSON object stored with each event. `$correlationId` and `$causationId` are the
 * names EventStoreDB's own projections understand.
 */
export interface EsdbEventMetadata {
  readonly schemaVersion: number;
  readonly occurredOn: string | null;
  readonly actor: ActorMetadata;
  readonly $correlationId: string;
  /** Absent when the event has no cause. */
  readonly $causationId?: string;
  readonly idempotencyKey: string | null;
  /** Absent when the writer gave none, so that a round trip keeps it absent. */
  readonly requestHash?: string | null;
}

/** A recorded event that cannot be turned into a port event (not JSON, no position, bad metadata). */
export class UnreadableEventError extends Error {
  constructor(
    readonly stream: string,
    readonly eventId: string,
    reason: string,
  ) {
    super(`EventStoreDB event ${eventId} in stream ${stream} cannot be read: ${reason}`);
    this.name = 'UnreadableEventError';
  }
}

export function toEsdbMetadata(event: NewEvent): EsdbEventMetadata {
  const { metadata } = event;
  return {
    schemaVersion: event.schemaVersion,
    occurredOn: event.occurredOn,
    actor: { id: metadata.actor.id, role: metadata.actor.role, scopeUnitId: metadata.actor.scopeUnitId },
    $correlationId: metadata.correlationId,
    ...(metadata.causationId === null ? {} : { $causationId: metadata.causationId }),
    idempotencyKey: metadata.idempotencyKey,
    ...(metadata.requestHash === undefined ? {} : { requestHash: metadata.requestHash }),
  };
}

export function toEventData(event: NewEvent): EventData {
  return jsonEvent({
    id: event.id,
    type: event.type,
    // NewEvent.data is a JSON-serialisable object by the port's contract.
    data: event.data as Record<string, unknown>,
    metadata: toEsdbMetadata(event),
  });
}

type AnyResolvedEvent = ResolvedEvent | AllStreamResolvedEvent;

/** The largest unsigned 64-bit number; as a position, it is how servers fill an unknown one (-1). */
const MAX_UINT64 = 2n ** 64n - 1n;

/** True for EventStoreDB's own events ($metadata, $>, $statsCollected, ...). */
export function isSystemEventType(type: string): boolean {
  return type.startsWith('$');
}

/** Whether a resolved event is an application event this adapter hands out (JSON, not a system event). */
export function isApplicationEvent(resolved: AnyResolvedEvent): boolean {
  const recorded = resolved.event;
  return recorded !== undefined && recorded.isJson && !isSystemEventType(recorded.type);
}

/** A resolved event (read from a stream or from $all, or delivered by a subscription) as a port event. */
export function toStoredEvent(resolved: AnyResolvedEvent): StoredEvent {
  const recorded = resolved.event;
  if (recorded === undefined) {
    const link = resolved.link;
    throw new UnreadableEventError(link?.streamId ?? '?', link?.id ?? '?', 'the link points to no event');
  }
  const unreadable = (reason: string): UnreadableEventError =>
    new UnreadableEventError(recorded.streamId, recorded.id, reason);
  if (!recorded.isJson) throw unreadable(`it is not JSON (type ${recorded.type})`);
  const data: JSONType = recorded.data;
  if (typeof data !== 'object' || data === null) throw unreadable('its data is not a JSON object');
  const position = recorded.position;
  if (position === undefined || position.commit === MAX_UINT64 || position.prepare === MAX_UINT64) {
    throw unreadable('it has no log position (EventStoreDB older than 22.6 gives none on stream reads)');
  }
  const stored = fromEsdbMetadata(recorded.metadata, unreadable);
  return {
    id: recorded.id,
    type: recorded.type,
    schemaVersion: stored.schemaVersion,
    data,
    metadata: stored.metadata,
    occurredOn: stored.occurredOn,
    stream: recorded.streamId,
    streamRevision: recorded.revision,
    position: position.prepare,
    logCursor: cursorOf(position),
    recordedAt: recorded.created,
    transaction: position.commit.toString(),
  };
}

interface RebuiltMetadata {
  readonly schemaVersion: number;
  readonly occurredOn: string | null;
  readonly metadata: EventMetadata;
}

function fromEsdbMetadata(raw: unknown, unreadable: (reason: string) => Error): RebuiltMetadata {
  if (!isRecord(raw)) throw unreadable('its metadata is not a JSON object');
  const field = (name: string, ok: boolean): void => {
    if (!ok) throw unreadable(`its metadata field ${name} is missing or malformed`);
  };
  const { schemaVersion, occurredOn, actor, $correlationId, $causationId, idempotencyKey, requestHash } = raw;
  field('schemaVersion', typeof schemaVersion === 'number' && Number.isInteger(schemaVersion));
  field('occurredOn', occurredOn === null || typeof occurredOn === 'string');
  field('actor', isActor(actor));
  field('$correlationId', typeof $correlationId === 'string');
  field('$causationId', $causationId === undefined || $causationId === null || typeof $causationId === 'string');
  field('idempotencyKey', idempotencyKey === null || typeof idempotencyKey === 'string');
  field('requestHash', requestHash === undefined || requestHash === null || typeof requestHash === 'string');
  // The checks above narrow nothing for the compiler; these assertions restate them.
  const checkedActor = actor as ActorMetadata;
  const metadata: EventMetadata = {
    actor: { id: checkedActor.id, role: checkedActor.role, scopeUnitId: checkedActor.scopeUnitId },
    correlationId: $correlationId as string,
    causationId: ($causationId as string | null | undefined) ?? null,
    idempotencyKey: idempotencyKey as string | null,
    ...(requestHash === undefined ? {} : { requestHash: requestHash as string | null }),
  };
  return { schemaVersion: schemaVersion as number, occurredOn: occurredOn as string | null, metadata };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isActor(value: unknown): value is ActorMetadata {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    typeof value.role === 'string' &&
    (value.scopeUnitId === null || typeof value.scopeUnitId === 'string')
  );
}

// ---------------------------------------------------------------------------------------------
// Expected revisions
// ---------------------------------------------------------------------------------------------

export function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (expected < 0n) throw new EventStoreUsageError(`expected revision ${expected} is negative`);
      return expected;
  }
}

/**
 * A client revision in the port's words. Errors built from gRPC trailers carry the legacy
 * ExpectedVersion numbers (-1 no stream, -2 any, -4 stream exists) rather than the constants.
 */
export function revisionToString(revision: AppendExpectedRevision | CurrentRevision): string {
  if (typeof revision !== 'bigint') return revision;
  if (revision === -1n) return 'no_stream';
  if (revision === -2n) return 'any';
  if (revision === -4n) return 'stream_exists';
  return revision.toString();
}

// ---------------------------------------------------------------------------------------------
// Log cursors
// ---------------------------------------------------------------------------------------------

const CURSOR_PATTERN = /^(0|[1-9][0-9]*)\/(0|[1-9][0-9]*)$/;

/** `"<commit>/<prepare>"`, both decimal. */
export function cursorOf(position: Position): LogCursor {
  return `${position.commit.toString()}/${position.prepare.toString()}`;
}

export function parseCursor(cursor: LogCursor): Position {
  const match = CURSOR_PATTERN.exec(cursor);
  if (match === null) {
    throw new EventStoreUsageError(
      `log cursor "${cursor}" is not an EventStoreDB cursor: expected "<commit>/<prepare>" in decimal`,
    );
  }
  const commit = BigInt(match[1]!);
  const prepare = BigInt(match[2]!);
  if (commit > MAX_UINT64 || prepare > MAX_UINT64) {
    throw new EventStoreUsageError(`log cursor "${cursor}" is out of the range of EventStoreDB log positions`);
  }
  return { commit, prepare };
}

/**
 * The position a cursor stands for, comparable with `StoredEvent.position` (a prepare position).
 * An event's cursor stands for its prepare position. A checkpoint the server reports while
 * passing over filtered-out events can be `<X>/0`, the start of the next log record: it stands
 * for "everything before log position X", so for X - 1. (No event is at prepare position 0: the
 * log starts with the server's first epoch record.)
 */
export function positionOfCursor(cursor: LogCursor): bigint {
  const { commit, prepare } = parseCursor(cursor);
  return prepare === 0n && commit > 0n ? commit - 1n : prepare;
}

/** Log order of $all: by commit position, then by prepare position within one commit. */
export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/**
 * Where to resume reading $all after a cursor.
 *
 * A read of $all from a position includes the event at that position, a subscription from it
 * does not, and events of one legacy (TCP) transaction share a commit position and differ by
 * prepare position: resuming from the commit position alone, or one past the cursor, could
 * skip or redeliver events. So both start at the cursor's exact position and every event at or
 * before it in log order is dropped here (`isAfterResumePoint`): the last handled event is
 * never redelivered, and nothing after it is skipped, whatever the server's inclusiveness.
 */
export interface ResumePoint {
  readonly fromPosition: ReadPosition;
  /** Events at or before this position are dropped; null drops none. */
  readonly after: Position | null;
}

export function resumeAfter(cursor: LogCursor | null | undefined): ResumePoint {
  if (cursor === null || cursor === undefined) return { fromPosition: START, after: null };
  const after = parseCursor(cursor);
  return { fromPosition: after, after };
}

export function isAfterResumePoint(position: Position, resume: ResumePoint): boolean {
  return resume.after === null || comparePositions(position, resume.after) > 0;
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

// Thrown as a plain Error by the client's cluster discovery when no node answers.
const DISCOVERY_FAILURE = /^Failed to discover after \d+ attempts\.$/;

function isUnavailable(error: Error): boolean {
  return (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof TimeoutError ||
    error instanceof NotLeaderError ||
    // Cancellations by the client itself never reach here (the client swallows them); one by
    // the server means the node went away.
    error instanceof CancelledError ||
    DISCOVERY_FAILURE.test(error.message)
  );
}

/**
 * The error to throw for one raised by the client: a wrong expected version becomes
 * `WrongExpectedRevisionError`, a tombstoned stream `StreamDeletedError`, connection trouble
 * `EventStoreUnavailableError`; anything else is returned unchanged.
 *
 * @param stream the stream the failed call was about, named when the client's error names none
 */
export function toPortError(error: unknown, stream?: string): unknown {
  if (!(error instanceof Error)) return error;
  // Some client paths reject with the raw gRPC error rather than its command error.
  const converted = convertToCommandError(error);
  if (converted instanceof WrongExpectedVersionError) {
    return new WrongExpectedRevisionError(
      converted.streamName,
      revisionToString(converted.expectedVersion),
      revisionToString(converted.actualVersion),
    );
  }
  if (converted instanceof ClientStreamDeletedError) {
    // The client takes the name from the server's answer; the caller's covers an answer without one.
    return new StreamDeletedError(converted.streamName || stream || '(unnamed stream)');
  }
  if (isUnavailable(converted)) {
    return new EventStoreUnavailableError(`EventStoreDB is unavailable: ${converted.message}`, { cause: error });
  }
  return error;
}

// ---------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------

/** Escapes regex metacharacters; the result means the same in .NET (the server) and JavaScript. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** Matches exactly one of the event types. */
export function eventTypesRegex(eventTypes: readonly string[]): string {
  return `^(?:${eventTypes.map(escapeRegex).join('|')})$`;
}

/** Matches the streams `<category>-...` of the categories. */
export function streamCategoriesRegex(categories: readonly string[]): string {
  return `^(?:${categories.map(escapeRegex).join('|')})-`;
}

/** Called with the position up to which the server has searched the log (filtered-out events included). */
export type CheckpointListener = (subscription: AllStreamSubscription, position: Position) => void;

/**
 * The server reports a checkpoint every this many search windows (its read batch by default) of
 * considered events: often enough for a filtered subscription to move its checkpoint over long
 * runs of other events, rarely enough not to flood it with empty batches.
 */
export const CHECKPOINT_INTERVAL_MULTIPLIER = 10;

/**
 * The server-side filter of a subscription to $all. The server filters on event types or on
 * stream names, not both: an exact list of types keeps system types (`$...`) out unless one is
 * listed, a stream-name filter cannot keep them out, and with no filter `excludeSystemEvents`
 * does. `logFilterPredicate` drops system events on the client side in every case.
 */
export function toClientFilter(filter: LogFilter | undefined, checkpointReached?: CheckpointListener): Filter {
  const options = { checkpointInterval: CHECKPOINT_INTERVAL_MULTIPLIER, ...(checkpointReached ? { checkpointReached } : {}) };
  if (filter === undefined) return excludeSystemEvents(options);
  if ('eventTypes' in filter) return eventTypeFilter({ ...options, regex: eventTypesRegex(filter.eventTypes) });
  return streamNameFilter({ ...options, regex: streamCategoriesRegex(filter.streamCategories) });
}

/**
 * The same selection as `toClientFilter` plus the exclusion of system and non-JSON events, on
 * the client side: the client's readAll takes no server-side filter, and a stream-name filter
 * cannot exclude system event types on the server.
 */
export function logFilterPredicate(filter: LogFilter | undefined): (resolved: AnyResolvedEvent) => boolean {
  const pattern =
    filter === undefined
      ? null
      : 'eventTypes' in filter
        ? { on: 'type' as const, regex: new RegExp(eventTypesRegex(filter.eventTypes)) }
        : { on: 'stream' as const, regex: new RegExp(streamCategoriesRegex(filter.streamCategories)) };
  return (resolved) => {
    const recorded = resolved.event;
    if (recorded === undefined || !isApplicationEvent(resolved)) return false;
    return pattern === null || pattern.regex.test(pattern.on === 'type' ? recorded.type : recorded.streamId);
  };
}
