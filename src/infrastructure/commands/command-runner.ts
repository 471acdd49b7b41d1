import { randomUUID } from 'node:crypto';
import { assertWellFormed, type DomainEvent, occurredOn, schemaVersionOf } from '../../events/event-catalogue.js';
import type { StoredDomainEvent } from '../event-store/domain-events.js';
import { AppendLocksBusyError, EventStoreCapabilityError, ReadStreamsMovedError, WrongExpectedRevisionError } from '../event-store/event-store.errors.js';
import type { AppendResult, EventStore, NewEvent, StreamAppend } from '../event-store/event-store.port.js';
import { type AccessReference, CommandAccess, memberLockKey, type ScopeCheck } from './command-access.js';
import { type CommandContext, type CommandResult, ConcurrencyConflictError, PreconditionFailedError } from './command-context.js';
import { deterministicUuid } from './deterministic-id.js';
import { IdempotencyConflictError } from './idempotency.js';
import { NotFound, RuleViolation } from '../../shared/domain-errors.js';
import { AccessDeniedError } from '../auth/auth.errors.js';
import { StreamCache } from './stream-cache.js';
import type { StreamReading } from './stream-reading.js';
import { StreamReading as Reading } from './stream-reading.js';
import { UNIT_LOCK_CLASS, type UnitLocks } from './unit-locks.js';

/** The units a command's rule reads, found through its reading: held shared, against commands moving them. */
export type SharedLocks = (reading: StreamReading) => Promise<readonly string[]> | readonly string[];

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
  /** Units the command moves or ends, held alone from its first read to its append (known before reading). */
  readonly exclusive?: readonly string[];
  readonly shared: SharedLocks;
  readonly decide: (state: S, reading: StreamReading) => Promise<readonly E[]> | readonly E[];
  /**
   * What the decision also writes to other streams read through `reading` (a reservation:
   * the place of a member's one pledge), appended at the revisions read, atomically with the
   * command's own events where the store can, else before them. Only for a command that
   * holds something alone (`exclusive`), so that nothing else writes those streams meanwhile.
   */
  readonly alongside?: (events: readonly E[], reading: StreamReading) => Promise<readonly { readonly stream: string; readonly events: readonly DomainEvent[] }[]>;
}

const UNCHECKED: ScopeCheck = { walked: [], refusal: null };

/** What a command answers a caller with when the rules or the scope say no (not a failure to retry). */
const isRefusal = (error: unknown): boolean => error instanceof RuleViolation || error instanceof NotFound || error instanceof AccessDeniedError;

/** What a command holds alone: the units it moves, and the members it acts on. */
const exclusiveLocks = (scope: readonly AccessReference[], units: readonly string[] = []): string[] => [
  ...units,
  ...scope.flatMap((ref) => ('memberId' in ref && !ref.ifExists ? [memberLockKey(ref.memberId)] : [])),
];

/**
 * Runs every command the same way: check the caller's scope (reading each stream once), take
 * the locks of the units involved, make sure nothing read before the locks has moved, answer a
 * replay or refuse a stale If-Match, fold the stream, decide, append with the revision read;
 * on a concurrent change start over (bounded) unless If-Match pinned the revision.
 */
export class CommandRunner {
  private readonly cache = new StreamCache();

  constructor(
    private readonly store: EventStore,
    private readonly access: CommandAccess,
    private readonly unitLocks: UnitLocks,
    private readonly retries: number,
  ) {}

  async run<S, E extends DomainEvent>(plan: CommandPlan<S, E>, context: CommandContext): Promise<CommandResult> {
    let cached = true;
    // After a guarded append found what it read moved, or a unit it read held by a command
    // moving it, the command holds its locks instead: a stream that keeps changing (a unit
    // renamed again and again) cannot wear out its retries, and waiting for a unit happens on
    // the lock connections, never holding one of the store's.
    const exclusive = exclusiveLocks(plan.scope, plan.exclusive);
    if (plan.alongside && (plan.exclusive ?? []).length === 0) throw new Error(`a command writing beside ${plan.stream} must hold what it reserves alone (exclusive)`);
    // A command that holds something alone is decided under its locks from the start.
    let guardedAppend = this.store.supportsGuardedAppend && exclusive.length === 0;
    for (let attempt = 0; ; attempt++) {
      // Kept units are used by guarded appends only, which check everything they read.
      const reading = new Reading(this.store, guardedAppend && cached ? this.cache : null, new Set([plan.stream]));
      const prefetch = [plan.stream, ...(plan.prefetch ?? [])];
      let outcome: CommandResult | null;
      try {
        outcome = guardedAppend
          ? await this.runGuarded(plan, context, reading, prefetch)
          : await this.guarded(context, plan.scope, reading, prefetch, { exclusive, shared: plan.shared }, () => this.decideAndAppend(plan, context, reading, null));
        if (outcome === null) guardedAppend = false;
      } catch (error) {
        // A refusal decided on kept streams is confirmed on fresh reads before it is given.
        if (reading.usedCache && isRefusal(error)) {
          cached = false;
          attempt--;
          continue;
        }
        throw error;
      }
      if (outcome !== null) {
        this.cache.forget([plan.stream]);
        return outcome;
      }
      if (attempt >= this.retries) throw new ConcurrencyConflictError(plan.stream);
    }
  }

  /**
   * With a store that appends under the command locks (PostgreSQL), a command that holds
   * nothing alone takes no lock of its own: its append holds the units it read, shared, and
   * goes through only if nothing it read has moved (one round trip). One that the first look
   * refuses is decided again under its locks, on fresh reads.
   */
  private async runGuarded<S, E extends DomainEvent>(
    plan: CommandPlan<S, E>,
    context: CommandContext,
    reading: StreamReading,
    prefetch: readonly string[],
  ): Promise<CommandResult | null> {
    await reading.prefetch(prefetch);
    const check = this.access.isUnrestricted(context.actor) ? UNCHECKED : await this.access.check(context.actor, plan.scope, reading);
    if (check.refusal !== null) {
      const fresh = new Reading(this.store, null, new Set([plan.stream]));
      return this.guarded(context, plan.scope, fresh, prefetch, { exclusive: [], shared: plan.shared }, () => this.decideAndAppend(plan, context, fresh, null));
    }
    return this.decideAndAppend(plan, context, reading, [...check.walked, ...(await plan.shared(reading))]);
  }

  /**
   * Replays, checks If-Match, folds, decides and appends. `sharedLocks` non-null: a guarded
   * append that holds them and requires every stream read to be as read; null: the caller
   * holds the locks already.
   */
  private async decideAndAppend<S, E extends DomainEvent>(
    plan: CommandPlan<S, E>,
    context: CommandContext,
    reading: StreamReading,
    sharedLocks: readonly string[] | null,
  ): Promise<CommandResult | null> {
    const history = await reading.read(plan.stream);
    const revision = history.length > 0 ? history[history.length - 1]!.streamRevision : null;
    // A replay answers before If-Match: its own append is what moved the revision on.
    const replay = findReplay(history, context);
    if (replay || context.replaying) {
      // A replay appends nothing, so no guarded append checks what the scope check read: one
      // that read kept units is answered only after a check under the locks, on fresh reads.
      if (sharedLocks !== null && reading.usedCache) return null;
      // With `replaying`, the stored answer goes out: the caller's scope has been checked.
      return { id: plan.id, ...(replay ?? { streamRevision: revision ?? -1n, position: -1n }) };
    }
    if (context.ifMatch !== null && context.ifMatch !== revision) throw new PreconditionFailedError(plan.stream, context.ifMatch, revision);
    let state = plan.initialState();
    for (const event of history) state = plan.evolve(state, event as StoredDomainEvent<E>);
    const decided = await plan.decide(state, reading);
    const events = toNewEvents(decided, context, plan.stream);
    const beside = plan.alongside ? await plan.alongside(decided, reading) : [];
    try {
      if (beside.length > 0) {
        const read = await reading.revisions();
        const appends = [
          ...beside.map((b) => ({ stream: b.stream, expectedRevision: read.get(b.stream) ?? ('no_stream' as const), events: toNewEvents(b.events, context, b.stream) })),
          { stream: plan.stream, expectedRevision: revision ?? ('no_stream' as const), events },
        ];
        const results = await this.appendTogether(appends);
        return { id: plan.id, ...results[results.length - 1]! };
      }
      if (sharedLocks === null) return { id: plan.id, ...(await this.store.appendToStream(plan.stream, events, revision ?? 'no_stream')) };
      const unchanged = await reading.revisions();
      // The command's own stream is checked by its expected revision.
      unchanged.delete(plan.stream);
      const guard = { lockClass: UNIT_LOCK_CLASS, sharedLocks, unchanged };
      return { id: plan.id, ...(await this.store.appendGuarded(plan.stream, events, revision ?? 'no_stream', guard)) };
    } catch (error) {
      // A unit it read is held by a command moving it: decide again under the locks, waiting
      // for them on a connection of their own (not one of the store's).
      if (error instanceof AppendLocksBusyError) return null;
      if (error instanceof ReadStreamsMovedError) {
        this.cache.forget(error.streams);
        return null;
      }
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      if (context.ifMatch !== null) throw new PreconditionFailedError(plan.stream, context.ifMatch, null);
      return null;
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
    locks: { readonly exclusive: readonly string[]; readonly shared: SharedLocks },
    work: () => Promise<T | null>,
  ): Promise<T | null> {
    const unrestricted = this.access.isUnrestricted(context.actor);
    await reading.prefetch(prefetch);
    // A first look without locks finds what to lock; under the locks, only what has moved
    // since is read again, and only a look under the locks decides.
    const hint = unrestricted ? UNCHECKED : await this.access.check(context.actor, scope, reading);
    const exclusive = locks.exclusive;
    const shared = [...hint.walked, ...(await locks.shared(reading))];
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
          if (!(await locks.shared(reading)).every((key) => held.has(key))) return null;
        }
        return work();
      },
      shared,
      read,
    );
  }

  /**
   * Appends to several streams atomically; a store that cannot (EventStoreDB) appends them one
   * after the other, in order, under the command's locks: a reservation first, so that a
   * failure between them leaves a reservation without its thing, which the rules treat as free.
   */
  private async appendTogether(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    try {
      return await this.store.appendToStreams(appends);
    } catch (error) {
      if (!(error instanceof EventStoreCapabilityError)) throw error;
      const results: AppendResult[] = [];
      for (const a of appends) results.push(await this.store.appendToStream(a.stream, a.events, a.expectedRevision));
      return results;
    }
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
 * With an idempotency key, event ids derive from its keyed seed, so a retry after a lost
 * answer cannot store the same events twice.
 */
export function toNewEvents(events: readonly DomainEvent[], context: CommandContext, stream: string): NewEvent[] {
  return events.map((event, index) => {
    assertWellFormed(event);
    return {
      id: context.idempotencySeed ? deterministicUuid('event', context.idempotencySeed, stream, String(index)) : randomUUID(),
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
