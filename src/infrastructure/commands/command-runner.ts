import { randomUUID } from 'node:crypto';
import { assertWellFormed, type DomainEvent, occurredOn, schemaVersionOf } from '../../events/event-catalogue.js';
import type { StoredDomainEvent } from '../event-store/domain-events.js';
import { WrongExpectedRevisionError } from '../event-store/event-store.errors.js';
import type { AppendResult, EventStore, NewEvent, StreamAppend } from '../event-store/event-store.port.js';
import { type AccessReference, CommandAccess, memberLockKey, type ScopeCheck } from './command-access.js';
import { type CommandContext, type CommandResult, ConcurrencyConflictError, PreconditionFailedError } from './command-context.js';
import { deterministicUuid } from './deterministic-id.js';
import { IdempotencyConflictError } from './idempotency.js';
import type { StreamReading } from './stream-reading.js';
import { StreamReading as Reading } from './stream-reading.js';
import type { UnitLocks } from './unit-locks.js';

/** The locks a command holds from its scope check to its append. */
export interface CommandLocks {
  /** Units the command moves or ends: held alone. */
  readonly exclusive: readonly string[];
  /** Units its rule reads: shared with other readers, held against movers. */
  readonly shared: readonly string[];
}

/** How one command runs on one aggregate's stream; everything else is the runner's. */
export interface CommandPlan<S, E extends DomainEvent> {
  readonly stream: string;
  /** The id the answer names (the aggregate's). */
  readonly id: string;
  readonly initialState: () => S;
  readonly evolve: (state: S, event: E) => S;
  /** What the caller must hold within its scope, and on which dates. */
  readonly scope: readonly AccessReference[];
  /** Other streams the command will read, fetched with its own in one round trip. */
  readonly prefetch?: readonly string[];
  readonly locks: (reading: StreamReading) => Promise<CommandLocks> | CommandLocks;
  readonly decide: (state: S, reading: StreamReading) => Promise<readonly E[]> | readonly E[];
}

const UNCHECKED: ScopeCheck = { walked: [], refusal: null };

/**
 * Runs every command the same way: check the caller's scope (reading each stream once), take
 * the locks of the units involved, make sure nothing read before the locks has moved, answer a
 * replay or refuse a stale If-Match, fold the stream, decide, append with the revision read;
 * on a concurrent change start over (bounded) unless If-Match pinned the revision.
 */
export class CommandRunner {
  constructor(
    private readonly store: EventStore,
    private readonly access: CommandAccess,
    private readonly unitLocks: UnitLocks,
    private readonly retries: number,
  ) {}

  async run<S, E extends DomainEvent>(plan: CommandPlan<S, E>, context: CommandContext): Promise<CommandResult> {
    for (let attempt = 0; ; attempt++) {
      const reading = new Reading(this.store);
      const outcome = await this.guarded(context, plan.scope, reading, [plan.stream, ...(plan.prefetch ?? [])], plan.locks, async () => {
        const history = await reading.read(plan.stream);
        const revision = history.length > 0 ? history[history.length - 1]!.streamRevision : null;
        // A replay answers before If-Match: its own append is what moved the revision on.
        const replay = findReplay(history, context);
        if (replay) return { id: plan.id, ...replay };
        if (context.ifMatch !== null && context.ifMatch !== revision) throw new PreconditionFailedError(plan.stream, context.ifMatch, revision);
        let state = plan.initialState();
        for (const event of history) state = plan.evolve(state, event as StoredDomainEvent<E>);
        const events = await plan.decide(state, reading);
        try {
          const result = await this.store.appendToStream(plan.stream, toNewEvents(events, context, plan.stream), revision ?? 'no_stream');
          return { id: plan.id, ...result };
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError)) throw error;
          if (context.ifMatch !== null) throw new PreconditionFailedError(plan.stream, context.ifMatch, null);
          return null;
        }
      });
      if (outcome !== null) return outcome;
      if (attempt >= this.retries) throw new ConcurrencyConflictError(plan.stream);
    }
  }

  /**
   * Runs `work` once the caller's scope is checked and the units involved are locked, with
   * everything read before the locks still as read. Answers null when the hierarchy moved
   * under the check beyond its locks (the caller starts over with a new reading).
   */
  async guarded<T>(
    context: CommandContext,
    scope: readonly AccessReference[],
    reading: StreamReading,
    prefetch: readonly string[],
    locksOf: CommandPlan<unknown, DomainEvent>['locks'],
    work: () => Promise<T | null>,
  ): Promise<T | null> {
    const unrestricted = this.access.isUnrestricted(context.actor);
    await reading.prefetch(prefetch);
    // A first look without locks finds what to lock; under the locks, only what has moved
    // since is read again, and only a look under the locks decides.
    const hint = unrestricted ? UNCHECKED : await this.access.check(context.actor, scope, reading);
    const locks = await locksOf(reading);
    const members = scope.flatMap((ref) => ('memberId' in ref ? [memberLockKey(ref.memberId)] : []));
    const exclusive = [...locks.exclusive, ...members];
    const shared = [...hint.walked, ...locks.shared];
    const held = new Set([...exclusive, ...shared]);
    const read = reading.names;
    return this.unitLocks.withLocks(
      exclusive,
      async (revisions) => {
        // Which streams moved since they were read (the command's own too: the scope check
        // may have read it), told with the locks or in one round trip; only those are read again.
        const changed = await reading.changedSince(read, revisions);
        let check = hint;
        if (!unrestricted && (changed.length > 0 || hint.refusal !== null)) check = await this.access.check(context.actor, scope, reading);
        if (!check.walked.every((key) => held.has(key))) return null;
        if (check.refusal) throw check.refusal;
        if (changed.length > 0) {
          const now = await locksOf(reading);
          if (![...now.exclusive, ...now.shared].every((key) => held.has(key))) return null;
        }
        return work();
      },
      shared,
      read,
    );
  }

  /** Appends to several streams atomically, after `guarded` has let the command through. */
  async appendAll(appends: readonly { stream: string; expectedRevision: StreamAppend['expectedRevision']; events: readonly DomainEvent[] }[], context: CommandContext): Promise<AppendResult[]> {
    return this.store.appendToStreams(
      appends.map((a) => ({ stream: a.stream, expectedRevision: a.expectedRevision, events: toNewEvents(a.events, context, a.stream) })),
    );
  }
}

/**
 * Wraps domain events with their metadata, after checking each payload against its schema.
 * With an idempotency key, event ids derive from it, so a retry after a lost answer cannot
 * store the same events twice.
 */
export function toNewEvents(events: readonly DomainEvent[], context: CommandContext, stream: string): NewEvent[] {
  return events.map((event, index) => {
    assertWellFormed(event);
    return {
      id: context.idempotencyKey ? deterministicUuid('event', context.actor.id, context.idempotencyKey, stream, String(index)) : randomUUID(),
      type: event.type,
      schemaVersion: schemaVersionOf(event.type),
      data: event.data,
      occurredOn: occurredOn(event),
      metadata: {
        actor: context.actor,
        correlationId: context.correlationId,
        causationId: context.causationId,
        idempotencyKey: context.idempotencyKey,
        requestHash: context.requestHash,
      },
    };
  });
}

/**
 * The events this same request stored before (its answer was lost): the command is not
 * run again; a different request under the same key is a conflict.
 */
function findReplay(history: readonly StoredDomainEvent[], context: CommandContext): Omit<CommandResult, 'id'> | null {
  if (!context.idempotencyKey) return null;
  let found: StoredDomainEvent | null = null;
  for (const event of history) {
    const m = event.metadata;
    if (m.idempotencyKey === context.idempotencyKey && m.actor.id === context.actor.id) {
      if (m.requestHash !== context.requestHash) throw new IdempotencyConflictError(context.idempotencyKey);
      found = event;
    }
  }
  return found ? { streamRevision: found.streamRevision, position: found.position } : null;
}
