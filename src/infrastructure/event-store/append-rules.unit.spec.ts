import { describe, expect, it } from '@jest/globals';
import { validateAppends } from './append-rules.js';
import { EventStoreUsageError } from './event-store.errors.js';
import type { NewEvent, StreamAppend } from './event-store.port.js';

const event: NewEvent = {
  id: '0b0e4e8e-4a4f-4f8e-9a43-2f1f2a6c1d01',
  type: 'Noted',
  schemaVersion: 1,
  data: {},
  occurredOn: null,
  metadata: { actor: { id: 'tester', role: 'admin', scopeUnitId: null }, correlationId: 'c', causationId: null, idempotencyKey: null },
};
const append = (stream: string): StreamAppend => ({ stream, expectedRevision: 'any', events: [event] });

describe('the rules of a multi-stream append', () => {
  it('takes distinct, well-named streams', () => {
    expect(() => validateAppends([append('unit-1'), append('member-1'), append('member-2')])).not.toThrow();
  });

  it('refuses a stream named twice, naming it, whatever lies between', () => {
    const attempt = () => validateAppends([append('unit-1'), append('member-1'), append('unit-1')]);
    expect(attempt).toThrow(EventStoreUsageError);
    expect(attempt).toThrow('stream unit-1 is named twice in one append: give all its events in one entry');
  });

  it('refuses an empty append, and each append that breaks the rules of one stream', () => {
    expect(() => validateAppends([])).toThrow('nothing to append: no streams given');
    expect(() => validateAppends([append('unit-1'), append('nocategory')])).toThrow('stream name "nocategory" is not of the form <category>-<id>');
    expect(() => validateAppends([{ stream: 'unit-1', expectedRevision: 'any', events: [] }])).toThrow(EventStoreUsageError);
  });
});
