import type { StoredDomainEvent } from '../event-store/domain-events.js';

/**
 * Streams that commands of this instance have read, kept to spare reading them again (the
 * units a scope check walks, the unit a member joins). Never trusted: a guess at what a
 * stream holds. A command that uses one has it checked against the store before its decision
 * takes effect (the revision check under its locks, or its guarded append), reads afresh what
 * has moved, and confirms on fresh reads any refusal decided on kept ones. Instances may hold
 * different guesses; they never decide differently. Least recently used entries go first.
 */
export class StreamCache {
  private readonly entries = new Map<string, readonly StoredDomainEvent[]>();

  constructor(private readonly capacity = 20_000) {}

  get(stream: string): readonly StoredDomainEvent[] | undefined {
    const events = this.entries.get(stream);
    if (events) {
      this.entries.delete(stream);
      this.entries.set(stream, events);
    }
    return events;
  }

  /** Keeps what a stream was read as; an absent stream is not kept (it may appear any time). */
  set(stream: string, events: readonly StoredDomainEvent[]): void {
    this.entries.delete(stream);
    if (events.length === 0) return;
    this.entries.set(stream, events);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  forget(streams: Iterable<string>): void {
    for (const stream of streams) this.entries.delete(stream);
  }
}
