import { decode, type StoredDomainEvent } from '../event-store/domain-events.js';
import type { EventStore } from '../event-store/event-store.port.js';
import type { StreamCache } from './stream-cache.js';

/**
 * What one command reads of the event store: each stream once, decoded (upcast) once,
 * whoever asks for it (the scope check, the rule's context, the command's own stream).
 * Under the command's locks, `changedSince` tells in one round trip which of the streams read
 * before the locks were taken have moved since, so that only those are read again.
 */
export class StreamReading {
  private readonly streams = new Map<string, Promise<readonly StoredDomainEvent[]>>();
  /** The streams taken from the cache rather than the store. */
  private readonly kept = new Set<string>();

  /**
   * `cache`: the streams scope checks walked before, which `walk` may take instead of reading
   * them (never the `fresh` ones: the command's own, whose revision and replays must be read
   * as they are).
   */
  constructor(
    private readonly store: EventStore,
    private readonly cache: StreamCache | null = null,
    private readonly fresh: ReadonlySet<string> = new Set(),
  ) {}

  read(stream: string): Promise<readonly StoredDomainEvent[]> {
    let events = this.streams.get(stream);
    if (!events) {
      events = this.store.readStream(stream).then((stored) => stored.map(decode));
      this.remember(stream, events);
    }
    return events;
  }

  /**
   * A stream a scope check walks through (a unit above the one a command names): taken from
   * the cache when it is kept there, else read and kept for the next command.
   */
  walk(stream: string): Promise<readonly StoredDomainEvent[]> {
    let events = this.streams.get(stream) ?? this.fromCache(stream);
    if (!events) {
      events = this.store.readStream(stream).then((stored) => this.keep(stream, stored.map(decode)));
      this.remember(stream, events);
    }
    return events;
  }

  /** Reads the streams not read yet in one round trip. */
  async prefetch(streams: readonly string[]): Promise<void> {
    const missing = [...new Set(streams)].filter((s) => !this.streams.has(s));
    if (missing.length === 0) return;
    if (missing.length === 1) {
      await this.read(missing[0]!);
      return;
    }
    const read = this.store.readStreams(missing);
    for (const stream of missing) this.remember(stream, read.then((all) => (all.get(stream) ?? []).map(decode)));
    await read;
  }

  /** Whether anything this reading holds came from the cache (a refusal must then be confirmed on fresh reads). */
  get usedCache(): boolean {
    return this.kept.size > 0;
  }

  private fromCache(stream: string): Promise<readonly StoredDomainEvent[]> | undefined {
    if (!this.cache || this.fresh.has(stream)) return undefined;
    const events = this.cache.get(stream);
    if (!events) return undefined;
    const kept = Promise.resolve(events);
    this.streams.set(stream, kept);
    this.kept.add(stream);
    return kept;
  }

  private keep(stream: string, events: readonly StoredDomainEvent[]): readonly StoredDomainEvent[] {
    this.cache?.set(stream, events);
    return events;
  }

  private remember(stream: string, events: Promise<readonly StoredDomainEvent[]>): void {
    this.streams.set(stream, events);
    // A failed read is not kept: the next attempt reads again.
    events.catch(() => this.streams.delete(stream));
  }

  /** The revision each stream read so far was read at (null: absent). */
  async revisions(): Promise<Map<string, bigint | null>> {
    const entries = await Promise.all([...this.streams].map(async ([stream, events]) => [stream, lastRevision(await events)] as const));
    return new Map(entries);
  }

  /** The streams read so far. */
  get names(): string[] {
    return [...this.streams.keys()];
  }

  /**
   * Which of the given streams read so far are no longer at the revision read; those are
   * forgotten, so that the next read of them reads the store again. `revisions`, when given
   * (read with the locks), spares asking the store.
   */
  async changedSince(streams: readonly string[], revisions: ReadonlyMap<string, bigint | null> | null = null): Promise<string[]> {
    const read = streams.filter((s) => this.streams.has(s));
    if (read.length === 0) return [];
    const [current, known] = await Promise.all([
      revisions && read.every((s) => revisions.has(s)) ? revisions : this.store.streamRevisions(read),
      Promise.all(read.map(async (s) => [s, lastRevision(await this.streams.get(s)!)] as const)),
    ]);
    const changed = known.filter(([s, revision]) => current.get(s) !== revision).map(([s]) => s);
    for (const stream of changed) {
      this.streams.delete(stream);
      this.kept.delete(stream);
    }
    this.cache?.forget(changed);
    return changed;
  }
}

const lastRevision = (events: readonly StoredDomainEvent[]): bigint | null => (events.length > 0 ? events[events.length - 1]!.streamRevision : null);
