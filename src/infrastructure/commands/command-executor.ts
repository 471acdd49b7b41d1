import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '../../events/event-catalogue.js';
import { occurredOn, SCHEMA_VERSIONS } from '../../events/event-catalogue.js';
import type { EventStore, NewEvent, StoredEvent, StreamAppend } from '../event-store/event-store.port.js';
import { WrongExpectedRevisionError } from '../event-store/event-store.errors.js';
import { type CommandContext, type CommandResult, ConcurrencyConflictError, PreconditionFailedError } from './command-context.js';
import { deterministicUuid } from './deterministic-id.js';
import { IdempotencyConflictError } from './idempotency.js';

/** One aggregate's decision: fold its stream, then decide (loading other facts if needed). */
export interface StreamDecision<S, E extends DomainEvent> {
  readonly stream: string;
  readonly id: string;
  readonly initialState: () => S;
  readonly evolve: (state: S, event: E) => S;
  readonly decide: (state: S) => Promise<E[]> | E[];
}

/**
 * Runs commands the event-sourced way: load the stream, fold it, decide, append with the
 * revision that was read; on a concurrent change, start over (bounded) unless the client
 * pinned the revision with If-Match.
 */
export class CommandExecutor {
  constructor(
    private readonly store: EventStore,
    private readonly retries: number,
  ) {}

  async execute<S, E extends DomainEvent>(decision: StreamDecision<S, E>, context: CommandContext): Promise<CommandResult> {
    for (let attempt = 0; ; attempt++) {
      const history = await this.store.readStream(decision.stream);
      const revision = history.length > 0 ? history[history.length - 1]!.streamRevision : null;
      // A replay answers first: its own append is what moved the revision past If-Match.
      const replay = findReplay(history, context);
      if (replay) return { id: decision.id, ...replay };
      if (context.ifMatch !== null && context.ifMatch !== revision) {
        throw new PreconditionFailedError(decision.stream, context.ifMatch, revision);
      }

      let state = decision.initialState();
      for (const event of history) state = decision.evolve(state, event as unknown as E);
      const events = await decision.decide(state);
      try {
        const result = await this.store.appendToStream(
          decision.stream,
          toNewEvents(events, context, decision.stream),
          revision === null ? 'no_stream' : revision,
        );
        return { id: decision.id, ...result };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (context.ifMatch !== null) throw new PreconditionFailedError(decision.stream, context.ifMatch, null);
        if (attempt >= this.retries) throw new ConcurrencyConflictError(decision.stream);
      }
    }
  }

  /** Appends to several streams atomically; the caller has decided already. */
  async appendAll(appends: readonly { stream: string; expectedRevision: StreamAppend['expectedRevision']; events: readonly DomainEvent[] }[], context: CommandContext) {
    return this.store.appendToStreams(
      appends.map((a) => ({ stream: a.stream, expectedRevision: a.expectedRevision, events: toNewEvents(a.events, context, a.stream) })),
    );
  }
}

/**
 * Wraps domain events with their metadata. With an idempotency key, event ids derive from
 * it, so a retry after a lost answer cannot store the same events twice.
 */
export function toNewEvents(events: readonly DomainEvent[], context: CommandContext, stream: string): NewEvent[] {
  return events.map((event, index) => ({
    id: context.idempotencyKey
      ? deterministicUuid('event', context.actor.id, context.idempotencyKey, stream, String(index))
      : randomUUID(),
    type: event.type,
    schemaVersion: SCHEMA_VERSIONS[event.type],
    data: event.data,
    occurredOn: occurredOn(event),
    metadata: {
      actor: context.actor,
      correlationId: context.correlationId,
      causationId: context.causationId,
      idempotencyKey: context.idempotencyKey,
      requestHash: context.requestHash,
    },
  }));
}

/**
 * The events this same request stored before (its answer was lost): the command is not
 * run again; a different request under the same key is a conflict.
 */
function findReplay(history: readonly StoredEvent[], context: CommandContext): Omit<CommandResult, 'id'> | null {
  if (!context.idempotencyKey) return null;
  let found: StoredEvent | null = null;
  for (const event of history) {
    const m = event.metadata;
    if (m.idempotencyKey === context.idempotencyKey && m.actor.id === context.actor.id) {
      if (m.requestHash !== context.requestHash) throw new IdempotencyConflictError(context.idempotencyKey);
      found = event;
    }
  }
  return found ? { streamRevision: found.streamRevision, position: found.position } : null;
}
