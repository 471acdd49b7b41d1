import type { ActorMetadata } from '../event-store/event-store.port.js';

/** Who asks, and the request's correlation, idempotency and precondition headers. */
export interface CommandContext {
  readonly actor: ActorMetadata;
  readonly correlationId: string;
  /** The id of the command (or message) that caused the events. */
  readonly causationId: string | null;
  readonly idempotencyKey: string | null;
  /**
   * With an idempotency key: the keyed hash of the caller and the key (CommandIds) that the
   * ids a retry must find again derive from. Absent, those ids are random.
   */
  readonly idempotencySeed?: string | null;
  readonly requestHash: string | null;
  /** The stream revision `If-Match` requires, if any. */
  readonly ifMatch: bigint | null;
  /**
   * The first answer to this request (same caller, key and body) is stored and will be sent
   * again: the command only confirms that the caller may still run it (scope), and decides
   * and appends nothing.
   */
  readonly replaying?: boolean;
}

/** What every command answers. */
export interface CommandResult {
  readonly id: string;
  readonly streamRevision: bigint;
  readonly position: bigint;
}

/** `If-Match` named a revision the stream is no longer at (412). */
export class PreconditionFailedError extends Error {
  readonly code = 'command.precondition_failed';

  constructor(
    readonly stream: string,
    readonly expected: bigint,
    readonly actual: bigint | null,
  ) {
    super(
      expected < 0n
        ? `a weak If-Match tag never matches (${stream} is at ${actual === null ? 'no revision' : `revision ${actual}`})`
        : `If-Match requires revision ${expected} of ${stream}, but it is at ${actual === null ? 'no revision (absent)' : actual}`,
    );
    this.name = 'PreconditionFailedError';
  }
}

/** The stream kept moving under the command beyond its retries (409). */
export class ConcurrencyConflictError extends Error {
  readonly code = 'command.concurrency_conflict';

  constructor(readonly stream: string) {
    super(`${stream} was changed concurrently; retry the command`);
    this.name = 'ConcurrencyConflictError';
  }
}
