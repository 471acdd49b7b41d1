import { EventStoreUsageError } from './event-store.errors.js';
import type { ExpectedRevision, NewEvent, StreamAppend } from './event-store.port.js';

/** `<category>-<id>`: the category is what subscriptions filter on; it also keeps out `$` system streams. */
const STREAM_NAME = /^[A-Za-z][A-Za-z0-9]*-\S+$/;

/** What readAll returns when the caller gives no maxCount, whatever the store. */
export const DEFAULT_READ_COUNT = 1000;

/** The rules of an append that every adapter enforces before writing anything. */
export function validateAppend(stream: string, events: readonly NewEvent[], expectedRevision: ExpectedRevision): void {
  if (!STREAM_NAME.test(stream)) {
    throw new EventStoreUsageError(`stream name "${stream}" is not of the form <category>-<id>`);
  }
  if (events.length === 0) throw new EventStoreUsageError(`append to ${stream} has no events`);
  if (typeof expectedRevision === 'bigint' && expectedRevision < 0n) {
    throw new EventStoreUsageError(`expected revision ${expectedRevision} of ${stream} is negative`);
  }
}

/**
 * The rules of an atomic append to several streams, checked before anything is written:
 * at least one stream, each append valid, and no stream named twice (its events go in one
 * entry, in their order).
 */
export function validateAppends(appends: readonly StreamAppend[]): void {
  if (appends.length === 0) throw new EventStoreUsageError('nothing to append: no streams given');
  const named = new Set<string>();
  for (const append of appends) {
    validateAppend(append.stream, append.events, append.expectedRevision);
    if (named.has(append.stream)) {
      throw new EventStoreUsageError(`stream ${append.stream} is named twice in one append: give all its events in one entry`);
    }
    named.add(append.stream);
  }
}
