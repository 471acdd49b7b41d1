/** A stream was not at the revision the writer expected; nothing was written. */
export class WrongExpectedRevisionError extends Error {
  readonly code = 'event_store.wrong_expected_revision';

  constructor(
    readonly stream: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`stream ${stream} is at revision ${actual}, expected ${expected}`);
    this.name = 'WrongExpectedRevisionError';
  }
}

/** An event id was stored already; nothing was written. */
export class DuplicateEventIdError extends Error {
  readonly code = 'event_store.duplicate_event_id';

  constructor(readonly eventId: string) {
    super(`an event with id ${eventId} is stored already`);
    this.name = 'DuplicateEventIdError';
  }
}

/**
 * The stream was deleted for good (an EventStoreDB tombstone): it can be neither read nor
 * appended to again, and reading it as empty would let a command start it over.
 */
export class StreamDeletedError extends Error {
  readonly code = 'event_store.stream_deleted';

  constructor(readonly stream: string) {
    super(`stream ${stream} has been deleted for good; it can be neither read nor appended to`);
    this.name = 'StreamDeletedError';
  }
}

/** The request cannot be served by this event store (bad argument or missing capability). */
export class EventStoreUsageError extends Error {
  readonly code: string = 'event_store.usage';

  constructor(message: string) {
    super(message);
    this.name = 'EventStoreUsageError';
  }
}

/** The configured event store lacks a capability the request needs (501, not the caller's fault). */
export class EventStoreCapabilityError extends EventStoreUsageError {
  override readonly code = 'event_store.capability';

  constructor(message: string) {
    super(message);
    this.name = 'EventStoreCapabilityError';
  }
}

/** The backing store failed or could not be reached. */
export class EventStoreUnavailableError extends Error {
  readonly code = 'event_store.unavailable';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EventStoreUnavailableError';
  }
}

/** Streams a guarded append was conditioned on have moved since they were read; nothing was written. */
export class ReadStreamsMovedError extends Error {
  readonly code = 'event_store.read_streams_moved';

  constructor(readonly streams: readonly string[]) {
    super(`streams read before the append have moved on: ${streams.join(', ')}`);
    this.name = 'ReadStreamsMovedError';
  }
}

/** A lock a guarded append needs is held alone by another; nothing was written (it does not wait). */
export class AppendLocksBusyError extends Error {
  readonly code = 'event_store.locks_busy';

  constructor() {
    super('a lock this append needs is held alone by another command');
    this.name = 'AppendLocksBusyError';
  }
}

/**
 * A transaction open since before the time asked about may still record events by then: an
 * answer as known at that time could change when it ends (503, retry).
 */
export class RecordingOpenError extends Error {
  readonly code = 'event_store.recording_open';
  readonly retryAfterSeconds = 1;

  constructor(readonly at: Date) {
    super(`a transaction open since before ${at.toISOString()} may still record events by then; retry once it has ended`);
    this.name = 'RecordingOpenError';
  }
}
