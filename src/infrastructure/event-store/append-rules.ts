import { EventStoreUsageError } from './event-store.errors.js';
import type { ExpectedRevision, NewEvent } from './event-store.port.js';

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
