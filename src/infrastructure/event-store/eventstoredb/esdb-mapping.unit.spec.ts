import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  AccessDeniedError,
  ANY,
  CancelledError,
  DeadlineExceededError,
  EVENT_TYPE,
  EventStoreDBClient,
  NO_STREAM,
  NotLeaderError,
  START,
  STREAM_EXISTS,
  STREAM_NAME,
  StreamDeletedError,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  convertToCommandError,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventData,
  type Position,
  type ReadAllOptions,
  type ResolvedEvent,
  type RegexFilter,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import { convertGrpcEvent } from '@eventstore/db-client/dist/utils/convertGrpcEvent.js';
import { createStreamIdentifier } from '@eventstore/db-client/dist/utils/grpcStreamIdentifier.js';
import { createUUID } from '@eventstore/db-client/dist/utils/grpcUUID.js';
import { ReadStream } from '@eventstore/db-client/dist/streams/utils/ReadStream.js';
import { Subscription } from '@eventstore/db-client/dist/streams/utils/Subscription.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
// The client's own gRPC library (a dependency of @eventstore/db-client), to build its errors as it receives them.
import { Metadata, status as GrpcStatus, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import {
  EventStoreUnavailableError,
  EventStoreUsageError,
  StreamDeletedError as PortStreamDeletedError,
  WrongExpectedRevisionError,
} from '../event-store.errors.js';
import type { NewEvent, StoredEvent, SubscriptionBatch } from '../event-store.port.js';
import { EsdbEventStore, type EsdbEventStoreOptions, LAG_COUNT_LIMIT } from './esdb-event-store.js';
import {
  CHECKPOINT_INTERVAL_MULTIPLIER,
  UnreadableEventError,
  comparePositions,
  cursorOf,
  escapeRegex,
  eventTypesRegex,
  isAfterResumePoint,
  isApplicationEvent,
  isSystemEventType,
  logFilterPredicate,
  parseCursor,
  positionOfCursor,
  resumeAfter,
  revisionToString,
  streamCategoriesRegex,
  toClientExpectedRevision,
  toClientFilter,
  toEsdbMetadata,
  toEventData,
  toPortError,
  toStoredEvent,
} from './esdb-mapping.js';

type ReadResp = InstanceType<typeof streamsPb.ReadResp>;

// ---------------------------------------------------------------------------------------------
// Inputs built the way the client builds them: gRPC messages through its own converters.
// ---------------------------------------------------------------------------------------------

const EVENT_ID = '6f1c2a52-8a0e-4d5e-9a43-1b2c3d4e5f60';
const CREATED = new Date('2024-05-01T08:30:15.123Z');

function newEvent(overrides: Partial<NewEvent> = {}, metadata: Partial<NewEvent['metadata']> = {}): NewEvent {
  return {
    id: EVENT_ID,
    type: 'UnitNamed',
    schemaVersion: 2,
    data: { name: 'Công đoàn cơ sở A', nested: { k: [1, 2] } },
    occurredOn: '2024-05-01',
    ...overrides,
    metadata: {
      actor: { id: 'user-7', role: 'unit_admin', scopeUnitId: 'unit-3' },
      correlationId: 'corr-1',
      causationId: 'cause-1',
      idempotencyKey: 'idem-1',
      requestHash: 'hash-1',
      ...metadata,
    },
  };
}

interface RecordSpec {
  readonly stream?: string;
  readonly id?: string;
  readonly revision?: bigint;
  readonly type?: string;
  readonly contentType?: string;
  /** Raw bytes or text of the event's data as stored. */
  readonly data?: string | Uint8Array;
  /** Raw text of the custom metadata; absent stores none. */
  readonly metadata?: string;
  readonly position?: Position;
  /** Whether the event comes from $all (the read event then carries the commit position). */
  readonly fromAll?: boolean;
}

function grpcReadEvent(spec: RecordSpec = {}): InstanceType<typeof streamsPb.ReadResp.ReadEvent> {
  const position = spec.position ?? { commit: 1200n, prepare: 1200n };
  const record = new streamsPb.ReadResp.ReadEvent.RecordedEvent();
  record.setId(createUUID(spec.id ?? EVENT_ID));
  record.setStreamIdentifier(createStreamIdentifier(spec.stream ?? 'unit-42'));
  record.setStreamRevision((spec.revision ?? 3n).toString());
  record.setCommitPosition(position.commit.toString());
  record.setPreparePosition(position.prepare.toString());
  record
    .getMetadataMap()
    .set('type', spec.type ?? 'UnitNamed')
    .set('content-type', spec.contentType ?? 'application/json')
    // .NET ticks (100 ns) since the Unix epoch, as the server sends them.
    .set('created', (BigInt(CREATED.getTime()) * 10_000n).toString());
  const data = spec.data ?? JSON.stringify({ name: 'x' });
  record.setData(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  if (spec.metadata !== undefined) record.setCustomMetadata(Buffer.from(spec.metadata, 'utf8'));
  const readEvent = new streamsPb.ReadResp.ReadEvent();
  readEvent.setEvent(record);
  if (spec.fromAll) readEvent.setCommitPosition(position.commit.toString());
  else readEvent.setNoPosition(new sharedPb.Empty());
  return readEvent;
}

function resolvedFrom(spec: RecordSpec = {}): ResolvedEvent {
  return convertGrpcEvent(grpcReadEvent(spec));
}

function allResolvedFrom(spec: RecordSpec = {}): AllStreamResolvedEvent {
  // The client hands $all events out through the same converter.
  return convertGrpcEvent(grpcReadEvent({ ...spec, fromAll: true })) as AllStreamResolvedEvent;
}

/** An application event as stored by toEventData: data and metadata JSON as the client sends them. */
function storedSpec(event: NewEvent, spec: RecordSpec = {}): RecordSpec {
  const data: EventData = toEventData(event);
  return {
    id: data.id,
    type: data.type,
    contentType: data.contentType,
    data: JSON.stringify(data.data),
    metadata: JSON.stringify(data.metadata),
    ...spec,
  };
}

function serviceError(code: GrpcStatus, details: string, trailers: Record<string, string> = {}): ServiceError {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(trailers)) metadata.set(key, value);
  return Object.assign(new Error(`${code} ${GrpcStatus[code]}: ${details}`), { code, details, metadata });
}

// ---------------------------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------------------------

describe('toEventData', () => {
  it('builds a JSON event with the id, type, data and the metadata object', () => {
    const data = toEventData(newEvent());
    expect(data).toEqual({
      id: EVENT_ID,
      contentType: 'application/json',
      type: 'UnitNamed',
      data: { name: 'Công đoàn cơ sở A', nested: { k: [1, 2] } },
      metadata: {
        schemaVersion: 2,
        occurredOn: '2024-05-01',
        actor: { id: 'user-7', role: 'unit_admin', scopeUnitId: 'unit-3' },
        $correlationId: 'corr-1',
        $causationId: 'cause-1',
        idempotencyKey: 'idem-1',
        requestHash: 'hash-1',
      },
    });
  });

  it('omits $causationId when the event has no cause, and requestHash when none was given', () => {
    const metadata = toEsdbMetadata(newEvent({}, { causationId: null, requestHash: undefined }));
    expect(Object.keys(metadata).sort()).toEqual(
      ['$correlationId', 'actor', 'idempotencyKey', 'occurredOn', 'schemaVersion'].sort(),
    );
  });

  it('keeps a null request hash, idempotency key, occurredOn and scope', () => {
    const metadata = toEsdbMetadata(
      newEvent({ occurredOn: null }, { requestHash: null, idempotencyKey: null, actor: { id: 'system', role: 'system', scopeUnitId: null } }),
    );
    expect(metadata).toMatchObject({ requestHash: null, idempotencyKey: null, occurredOn: null });
    expect(metadata.actor.scopeUnitId).toBeNull();
  });
});

describe('toStoredEvent', () => {
  it('round-trips every field of an event through the client as read from a stream', () => {
    const event = newEvent();
    const stored = toStoredEvent(resolvedFrom(storedSpec(event, { stream: 'unit-42', revision: 3n, position: { commit: 1200n, prepare: 1200n } })));
    expect(stored).toEqual({
      ...event,
      stream: 'unit-42',
      streamRevision: 3n,
      position: 1200n,
      logCursor: '1200/1200',
      recordedAt: CREATED,
      transaction: '1200',
    });
  });

  it('round-trips optional metadata exactly: no cause reads as null, an absent request hash stays absent', () => {
    const event = newEvent({ occurredOn: null }, { causationId: null, requestHash: undefined, idempotencyKey: null });
    const stored = toStoredEvent(resolvedFrom(storedSpec(event)));
    expect(stored.metadata).toStrictEqual({
      actor: { id: 'user-7', role: 'unit_admin', scopeUnitId: 'unit-3' },
      correlationId: 'corr-1',
      causationId: null,
      idempotencyKey: null,
    });
    expect(stored.occurredOn).toBeNull();
    const withNullHash = toStoredEvent(resolvedFrom(storedSpec(newEvent({}, { requestHash: null }))));
    expect(withNullHash.metadata.requestHash).toBeNull();
  });

  it('uses the prepare position as the position and both positions in the cursor (read from $all)', () => {
    const stored = toStoredEvent(allResolvedFrom(storedSpec(newEvent(), { position: { commit: 5000n, prepare: 4870n } })));
    expect(stored.position).toBe(4870n);
    expect(stored.logCursor).toBe('5000/4870');
    expect(positionOfCursor(stored.logCursor)).toBe(stored.position);
  });

  it('rejects an event that is not JSON', () => {
    const binary = resolvedFrom({ ...storedSpec(newEvent()), contentType: 'application/octet-stream', data: new Uint8Array([1, 2, 3]) });
    expect(() => toStoredEvent(binary)).toThrow(UnreadableEventError);
    expect(() => toStoredEvent(binary)).toThrow(/not JSON/);
  });

  it('rejects JSON data that is not an object (including malformed JSON, which the client hands over as text)', () => {
    expect(() => toStoredEvent(resolvedFrom({ ...storedSpec(newEvent()), data: '"just text"' }))).toThrow(/not a JSON object/);
    expect(() => toStoredEvent(resolvedFrom({ ...storedSpec(newEvent()), data: '{"broken": ' }))).toThrow(/not a JSON object/);
  });

  it('rejects an event without a position, or with the unknown-position filler of old servers', () => {
    const resolved = resolvedFrom(storedSpec(newEvent()));
    const withoutPosition: ResolvedEvent = { event: { ...resolved.event!, position: undefined } as ResolvedEvent['event'] };
    expect(() => toStoredEvent(withoutPosition)).toThrow(/no log position/);
    const max = 2n ** 64n - 1n;
    expect(() => toStoredEvent(resolvedFrom(storedSpec(newEvent(), { position: { commit: max, prepare: max } })))).toThrow(
      /no log position/,
    );
  });

  it('rejects missing or malformed metadata, naming the field', () => {
    const spec = storedSpec(newEvent());
    const { metadata: _dropped, ...withoutMetadata } = spec;
    expect(() => toStoredEvent(resolvedFrom(withoutMetadata))).toThrow(/metadata is not a JSON object/);
    const metadata = JSON.parse(spec.metadata!) as Record<string, unknown>;
    delete metadata.actor;
    expect(() => toStoredEvent(resolvedFrom({ ...spec, metadata: JSON.stringify(metadata) }))).toThrow(/field actor/);
    expect(() =>
      toStoredEvent(resolvedFrom({ ...spec, metadata: JSON.stringify({ ...JSON.parse(spec.metadata!), schemaVersion: '2' }) })),
    ).toThrow(/field schemaVersion/);
  });

  it('rejects a resolved link whose event is gone', () => {
    const link = resolvedFrom({ type: '$>', stream: '$ce-unit' }).event!;
    expect(() => toStoredEvent({ link: link as ResolvedEvent['link'] })).toThrow(/link points to no event/);
  });
});

describe('system and application events', () => {
  it('tells system event types by their leading $', () => {
    expect(isSystemEventType('$metadata')).toBe(true);
    expect(isSystemEventType('$>')).toBe(true);
    expect(isSystemEventType('UnitNamed')).toBe(false);
    expect(isSystemEventType('Unit$Named')).toBe(false);
  });

  it('hands out only JSON events of application types', () => {
    expect(isApplicationEvent(allResolvedFrom(storedSpec(newEvent())))).toBe(true);
    expect(isApplicationEvent(allResolvedFrom({ type: '$statsCollected' }))).toBe(false);
    expect(isApplicationEvent(allResolvedFrom({ contentType: 'application/octet-stream', data: new Uint8Array([0]) }))).toBe(false);
    expect(isApplicationEvent({})).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Expected revisions
// ---------------------------------------------------------------------------------------------

describe('expected revisions', () => {
  it('maps each port value to the client constant or revision', () => {
    expect(toClientExpectedRevision('any')).toBe(ANY);
    expect(toClientExpectedRevision('no_stream')).toBe(NO_STREAM);
    expect(toClientExpectedRevision('stream_exists')).toBe(STREAM_EXISTS);
    expect(toClientExpectedRevision(0n)).toBe(0n);
    expect(toClientExpectedRevision(41n)).toBe(41n);
  });

  it('refuses a negative revision', () => {
    expect(() => toClientExpectedRevision(-1n)).toThrow(EventStoreUsageError);
  });

  it("states client revisions in the port's words, legacy numbers included", () => {
    expect(revisionToString(7n)).toBe('7');
    expect(revisionToString('no_stream')).toBe('no_stream');
    expect(revisionToString('stream_exists')).toBe('stream_exists');
    expect(revisionToString(-1n)).toBe('no_stream');
    expect(revisionToString(-2n)).toBe('any');
    expect(revisionToString(-4n)).toBe('stream_exists');
  });
});

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

describe('toPortError', () => {
  it('turns a wrong expected version raised on append into WrongExpectedRevisionError', () => {
    const error = new WrongExpectedVersionError(undefined, { streamName: 'unit-1', expected: 0n, current: 1n });
    const mapped = toPortError(error);
    expect(mapped).toBeInstanceOf(WrongExpectedRevisionError);
    expect(mapped).toMatchObject({ stream: 'unit-1', expected: '0', actual: '1' });
  });

  it('states no_stream and stream_exists expectations and a missing stream', () => {
    expect(toPortError(new WrongExpectedVersionError(undefined, { streamName: 's-1', expected: 'no_stream', current: 4n }))).toMatchObject({
      expected: 'no_stream',
      actual: '4',
    });
    expect(
      toPortError(new WrongExpectedVersionError(undefined, { streamName: 's-1', expected: 'stream_exists', current: 'no_stream' })),
    ).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
  });

  it('maps a wrong expected version that arrives as a raw gRPC error (trailers with legacy numbers)', () => {
    const raw = serviceError(GrpcStatus.FAILED_PRECONDITION, 'WrongExpectedVersion', {
      exception: 'wrong-expected-version',
      'stream-name': 'unit-9',
      'expected-version': '-1',
      'actual-version': '2',
    });
    expect(convertToCommandError(raw)).toBeInstanceOf(WrongExpectedVersionError);
    expect(toPortError(raw)).toMatchObject({ name: 'WrongExpectedRevisionError', stream: 'unit-9', expected: 'no_stream', actual: '2' });
  });

  it.each([
    ['UnavailableError', serviceError(GrpcStatus.UNAVAILABLE, 'No connection established'), UnavailableError],
    ['DeadlineExceededError', serviceError(GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded'), DeadlineExceededError],
    ['TimeoutError', serviceError(GrpcStatus.ABORTED, 'Operation timed out'), TimeoutError],
    ['CancelledError (by the server)', serviceError(GrpcStatus.CANCELLED, 'Cancelled'), CancelledError],
    [
      'NotLeaderError',
      serviceError(GrpcStatus.NOT_FOUND, 'Leader info available', {
        exception: 'not-leader',
        'leader-endpoint-host': 'node2',
        'leader-endpoint-port': '2113',
      }),
      NotLeaderError,
    ],
  ])('maps %s to EventStoreUnavailableError, raw or converted', (_name, raw, clientClass) => {
    const converted = convertToCommandError(raw);
    expect(converted).toBeInstanceOf(clientClass);
    for (const error of [raw, converted]) {
      const mapped = toPortError(error);
      expect(mapped).toBeInstanceOf(EventStoreUnavailableError);
      expect((mapped as EventStoreUnavailableError).cause).toBe(error);
      expect((mapped as Error).message).toContain(raw.details);
    }
  });

  it('maps a failed cluster discovery to EventStoreUnavailableError', () => {
    expect(toPortError(new Error('Failed to discover after 10 attempts.'))).toBeInstanceOf(EventStoreUnavailableError);
  });

  it('maps a tombstoned stream to StreamDeletedError naming it, raw or converted', () => {
    const raw = serviceError(GrpcStatus.FAILED_PRECONDITION, 'Event stream unit-1 is deleted.', {
      exception: 'stream-deleted',
      'stream-name': 'unit-1',
    });
    expect(convertToCommandError(raw)).toBeInstanceOf(StreamDeletedError);
    for (const error of [raw, convertToCommandError(raw), StreamDeletedError.fromStreamName('unit-1')]) {
      const mapped = toPortError(error, 'unit-other');
      expect(mapped).toBeInstanceOf(PortStreamDeletedError);
      expect(mapped).toMatchObject({ code: 'event_store.stream_deleted', stream: 'unit-1' });
      expect((mapped as Error).message).toContain('unit-1');
    }
  });

  it("names the caller's stream when the client's deleted-stream error names none", () => {
    expect(toPortError(StreamDeletedError.fromStreamName(''), 'unit-2')).toMatchObject({ stream: 'unit-2' });
  });

  it('returns anything else unchanged', () => {
    const others: unknown[] = [
      new StreamNotFoundError(undefined, 'unit-1'),
      convertToCommandError(serviceError(GrpcStatus.UNAUTHENTICATED, 'Bad credentials')),
      new TypeError('boom'),
      'a string',
    ];
    expect(others[1]).toBeInstanceOf(AccessDeniedError);
    for (const error of others) expect(toPortError(error)).toBe(error);
  });
});

// ---------------------------------------------------------------------------------------------
// Cursors and resuming
// ---------------------------------------------------------------------------------------------

describe('log cursors', () => {
  it('writes and parses "<commit>/<prepare>"', () => {
    expect(cursorOf({ commit: 5000n, prepare: 4870n })).toBe('5000/4870');
    expect(parseCursor('5000/4870')).toEqual({ commit: 5000n, prepare: 4870n });
    expect(parseCursor('0/0')).toEqual({ commit: 0n, prepare: 0n });
    expect(parseCursor('18446744073709551615/18446744073709551615')).toEqual({
      commit: 2n ** 64n - 1n,
      prepare: 2n ** 64n - 1n,
    });
  });

  it.each(['', 'not-a-cursor', '1200', '1/2/3', '-1/2', '01/2', '1/ 2', '1.5/2', '0x10/2', '18446744073709551616/0'])(
    'refuses the malformed cursor %j, naming it',
    (cursor) => {
      expect(() => parseCursor(cursor)).toThrow(EventStoreUsageError);
      expect(() => parseCursor(cursor)).toThrow(`"${cursor}"`);
    },
  );

  it('gives the prepare position of an event cursor, and X - 1 for a server checkpoint X/0', () => {
    expect(positionOfCursor('5000/4870')).toBe(4870n);
    expect(positionOfCursor('1200/1200')).toBe(1200n);
    expect(positionOfCursor('9000/0')).toBe(8999n);
    expect(positionOfCursor('0/0')).toBe(0n);
  });

  it('orders positions by commit, then prepare', () => {
    expect(comparePositions({ commit: 10n, prepare: 10n }, { commit: 10n, prepare: 10n })).toBe(0);
    expect(comparePositions({ commit: 10n, prepare: 5n }, { commit: 10n, prepare: 8n })).toBe(-1);
    expect(comparePositions({ commit: 20n, prepare: 1n }, { commit: 10n, prepare: 8n })).toBe(1);
  });
});

describe('resuming after a cursor', () => {
  it('starts from the start without a cursor and drops nothing', () => {
    for (const cursor of [null, undefined]) {
      const resume = resumeAfter(cursor);
      expect(resume).toEqual({ fromPosition: START, after: null });
      expect(isAfterResumePoint({ commit: 0n, prepare: 0n }, resume)).toBe(true);
    }
  });

  it("starts at the cursor's exact position", () => {
    expect(resumeAfter('300/250')).toEqual({ fromPosition: { commit: 300n, prepare: 250n }, after: { commit: 300n, prepare: 250n } });
  });

  it('refuses a malformed cursor', () => {
    expect(() => resumeAfter('12')).toThrow(EventStoreUsageError);
  });

  it('neither redelivers the last handled event nor skips the rest of its commit', () => {
    // A legacy transaction of three events sharing commit 300, then a later event.
    const log: Position[] = [
      { commit: 100n, prepare: 100n },
      { commit: 300n, prepare: 200n },
      { commit: 300n, prepare: 250n },
      { commit: 300n, prepare: 280n },
      { commit: 400n, prepare: 400n },
    ];
    const resume = resumeAfter(cursorOf(log[2]!));
    // Whatever the server returns from the start position (inclusive or not, whole commit or not):
    expect(log.filter((p) => isAfterResumePoint(p, resume))).toEqual([log[3], log[4]]);
  });

  it('keeps the event that starts right at a server checkpoint X/0', () => {
    expect(isAfterResumePoint({ commit: 900n, prepare: 900n }, resumeAfter('900/0'))).toBe(true);
    expect(isAfterResumePoint({ commit: 899n, prepare: 899n }, resumeAfter('900/0'))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// Filters
// ---------------------------------------------------------------------------------------------

describe('filters', () => {
  it('matches event types exactly', () => {
    expect(eventTypesRegex(['UnitNamed', 'UnitMoved'])).toBe('^(?:UnitNamed|UnitMoved)$');
    const regex = new RegExp(eventTypesRegex(['UnitNamed', 'UnitMoved']));
    expect(regex.test('UnitNamed')).toBe(true);
    expect(regex.test('UnitMoved')).toBe(true);
    expect(regex.test('UnitNamedAgain')).toBe(false);
    expect(regex.test('OldUnitNamed')).toBe(false);
    expect(new RegExp(eventTypesRegex([])).test('UnitNamed')).toBe(false);
  });

  it('escapes regex metacharacters', () => {
    expect(escapeRegex('a.b*c+d?e^f$g|h(i)j[k]l{m}n\\o')).toBe('a\\.b\\*c\\+d\\?e\\^f\\$g\\|h\\(i\\)j\\[k\\]l\\{m\\}n\\\\o');
    const regex = new RegExp(eventTypesRegex(['Fee.Paid', 'Price(USD)+']));
    expect(regex.test('Fee.Paid')).toBe(true);
    expect(regex.test('FeeXPaid')).toBe(false);
    expect(regex.test('Price(USD)+')).toBe(true);
    expect(regex.test('PriceUSD')).toBe(false);
  });

  it('matches streams of the categories', () => {
    expect(streamCategoriesRegex(['unit', 'member'])).toBe('^(?:unit|member)-');
    const regex = new RegExp(streamCategoriesRegex(['unit', 'member']));
    expect(regex.test('unit-42')).toBe(true);
    expect(regex.test('member-7-x')).toBe(true);
    expect(regex.test('units-42')).toBe(false);
    expect(regex.test('subunit-42')).toBe(false);
    expect(regex.test('unit')).toBe(false);
    expect(new RegExp(streamCategoriesRegex(['a.b'])).test('aXb-1')).toBe(false);
  });

  it('builds the client filter: event types, stream categories, or no system events', () => {
    const byType = toClientFilter({ eventTypes: ['UnitNamed'] }) as RegexFilter;
    expect(byType).toMatchObject({ filterOn: EVENT_TYPE, regex: '^(?:UnitNamed)$', checkpointInterval: CHECKPOINT_INTERVAL_MULTIPLIER });
    const byCategory = toClientFilter({ streamCategories: ['unit'] }) as RegexFilter;
    expect(byCategory).toMatchObject({ filterOn: STREAM_NAME, regex: '^(?:unit)-' });
    const none = toClientFilter(undefined) as RegexFilter;
    expect(none.filterOn).toBe(EVENT_TYPE);
    expect(new RegExp(none.regex).test('$metadata')).toBe(false);
    expect(new RegExp(none.regex).test('UnitNamed')).toBe(true);
  });

  it('passes the checkpoint listener to the client filter', () => {
    const listener = (): void => undefined;
    expect(toClientFilter({ eventTypes: ['A'] }, listener).checkpointReached).toBe(listener);
    expect(toClientFilter(undefined, listener).checkpointReached).toBe(listener);
    expect(toClientFilter(undefined).checkpointReached).toBeUndefined();
  });

  it('selects on the client side as the server does, and always drops system and non-JSON events', () => {
    const app = (type: string, stream: string): AllStreamResolvedEvent => allResolvedFrom({ type, stream });
    const byType = logFilterPredicate({ eventTypes: ['UnitNamed', '$metadata'] });
    expect(byType(app('UnitNamed', 'unit-1'))).toBe(true);
    expect(byType(app('UnitMoved', 'unit-1'))).toBe(false);
    expect(byType(app('$metadata', '$$unit-1'))).toBe(false);
    const byCategory = logFilterPredicate({ streamCategories: ['unit'] });
    expect(byCategory(app('Anything', 'unit-1'))).toBe(true);
    expect(byCategory(app('Anything', 'member-1'))).toBe(false);
    expect(byCategory(app('$>', 'unit-1'))).toBe(false);
    const all = logFilterPredicate(undefined);
    expect(all(app('UnitNamed', 'unit-1'))).toBe(true);
    expect(all(app('$statsCollected', '$stats-node'))).toBe(false);
    expect(all(allResolvedFrom({ contentType: 'application/octet-stream', data: new Uint8Array([1]) }))).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The adapter over a faked transport: the client's own read and subscription streams, fed
// with gRPC messages, in place of a server.
// ---------------------------------------------------------------------------------------------

type FakeGrpcStream = PassThrough & { cancel(): void };

function fakeGrpcStream(): FakeGrpcStream {
  const stream = new PassThrough({ objectMode: true }) as FakeGrpcStream;
  stream.cancel = () => {
    stream.end();
  };
  return stream;
}

function asClientStream(stream: FakeGrpcStream): ClientReadableStream<ReadResp> {
  return stream as unknown as ClientReadableStream<ReadResp>;
}

function eventResp(spec: RecordSpec): ReadResp {
  return new streamsPb.ReadResp().setEvent(grpcReadEvent({ ...spec, fromAll: true }));
}

function checkpointResp(position: Position): ReadResp {
  const checkpoint = new streamsPb.ReadResp.Checkpoint()
    .setCommitPosition(position.commit.toString())
    .setPreparePosition(position.prepare.toString());
  return new streamsPb.ReadResp().setCheckpoint(checkpoint);
}

function confirmationResp(): ReadResp {
  return new streamsPb.ReadResp().setConfirmation(new streamsPb.ReadResp.SubscriptionConfirmation().setSubscriptionId('sub-1'));
}

/** The server's notice that a subscription has turned live (it carries no position). */
function caughtUpResp(): ReadResp {
  return new streamsPb.ReadResp().setCaughtUp(new streamsPb.ReadResp.CaughtUp());
}

/** The server's notice that a live subscription has fallen behind and catches up again. */
function fellBehindResp(): ReadResp {
  return new streamsPb.ReadResp().setFellBehind(new streamsPb.ReadResp.FellBehind());
}

const convertAll = (readEvent: InstanceType<typeof streamsPb.ReadResp.ReadEvent>): AllStreamResolvedEvent =>
  convertGrpcEvent(readEvent) as AllStreamResolvedEvent;

function readStreamOf(responses: readonly ReadResp[]): ReadStream<AllStreamResolvedEvent> {
  const grpc = fakeGrpcStream();
  for (const response of responses) grpc.write(response);
  grpc.end();
  return new ReadStream<AllStreamResolvedEvent>(() => Promise.resolve(asClientStream(grpc)), convertAll, {});
}

/** An application event at a position (commit = prepare, as the server writes them today). */
function at(position: bigint, spec: Omit<RecordSpec, 'position'> = {}): RecordSpec {
  return storedSpec(newEvent({ id: `00000000-0000-4000-8000-${position.toString().padStart(12, '0')}` }), {
    position: { commit: position, prepare: position },
    ...spec,
  });
}

function idsOf(events: readonly StoredEvent[]): bigint[] {
  return events.map((e) => e.position);
}

function summary(batch: SubscriptionBatch): { positions: bigint[]; checkpoint: string } {
  return { positions: idsOf(batch.events), checkpoint: batch.checkpoint };
}

/** Lets the event loop turn until the fake streams have nothing left to do (no clock involved). */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Reads a subscription's batches, telling "nothing for now" apart from a batch. */
class BatchReader {
  /** Every batch read so far, in order. */
  readonly batches: SubscriptionBatch[] = [];
  private pending: Promise<IteratorResult<SubscriptionBatch>> | null = null;

  constructor(private readonly iterator: AsyncIterator<SubscriptionBatch>) {}

  /** The next batch, or null when none has come once the event loop has settled. */
  async next(): Promise<SubscriptionBatch | null> {
    const result = await Promise.race([this.pendingResult(), settle().then(() => null)]);
    if (result === null) return null;
    this.pending = null;
    if (result.done === true) throw new Error('the subscription ended');
    this.batches.push(result.value);
    return result.value;
  }

  /** The batches that come until none does. */
  async drain(): Promise<SubscriptionBatch[]> {
    const taken: SubscriptionBatch[] = [];
    for (let batch = await this.next(); batch !== null; batch = await this.next()) taken.push(batch);
    return taken;
  }

  /** The iterator's answer that is awaited (asked for now if none is). */
  pendingResult(): Promise<IteratorResult<SubscriptionBatch>> {
    this.pending ??= this.iterator.next();
    return this.pending;
  }
}

/**
 * Checks the batches of a subscription against the log: checkpoints strictly increasing, events
 * in log order, and no checkpoint past a matching event that this batch or an earlier one has
 * not delivered.
 */
function expectFaithful(batches: readonly SubscriptionBatch[], log: readonly RecordSpec[], matches: (r: RecordSpec) => boolean): void {
  const delivered: bigint[] = [];
  let previous: Position | null = null;
  for (const batch of batches) {
    delivered.push(...idsOf(batch.events));
    const checkpoint = parseCursor(batch.checkpoint);
    if (previous !== null) expect({ checkpoint: batch.checkpoint, order: comparePositions(checkpoint, previous) }).toEqual({ checkpoint: batch.checkpoint, order: 1 });
    previous = checkpoint;
    const undelivered = log
      .filter((r) => matches(r) && comparePositions(r.position!, checkpoint) <= 0)
      .map((r) => r.position!.prepare)
      .filter((p) => !delivered.includes(p));
    expect({ checkpoint: batch.checkpoint, undelivered }).toEqual({ checkpoint: batch.checkpoint, undelivered: [] });
  }
  expect([...delivered].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(delivered);
  expect(new Set(delivered).size).toBe(delivered.length);
}

function storeUnderTest(options?: EsdbEventStoreOptions): EsdbEventStore {
  return new EsdbEventStore('esdb://localhost:2113?tls=false', options);
}

/** A read the server fails, as gRPC reports it: an error on the call's stream once it has begun. */
function failedReadOf(error: ServiceError): ReadStream<AllStreamResolvedEvent> {
  const grpc = fakeGrpcStream();
  setImmediate(() => grpc.emit('error', error));
  return new ReadStream<AllStreamResolvedEvent>(() => Promise.resolve(asClientStream(grpc)), convertAll, {});
}

/** The trailers with which the server refuses a call on a tombstoned stream. */
function streamDeletedServiceError(stream: string): ServiceError {
  return serviceError(GrpcStatus.FAILED_PRECONDITION, `Event stream '${stream}' is deleted.`, {
    exception: 'stream-deleted',
    'stream-name': stream,
  });
}

/**
 * $all as a fake server holds it, for the store's own reads: forwards or backwards from a
 * position, that position included, as the server reads $all. Events pushed onto the log
 * later are read too. Returns the requests made.
 */
function fakeLog(log: readonly RecordSpec[]): ReadAllOptions[] {
  const reads: ReadAllOptions[] = [];
  jest.spyOn(EventStoreDBClient.prototype, 'readAll').mockImplementation((options: ReadAllOptions = {}) => {
    reads.push(options);
    const from = typeof options.fromPosition === 'object' ? options.fromPosition : null;
    const backwards = options.direction === 'backwards';
    const page = (backwards ? [...log].reverse() : log).filter((r) => {
      if (from === null) return true;
      const order = comparePositions(r.position!, from);
      return backwards ? order <= 0 : order >= 0;
    });
    return readStreamOf(page.slice(0, Number(options.maxCount ?? Number.MAX_SAFE_INTEGER)).map(eventResp));
  });
  return reads;
}

describe('EsdbEventStore over a faked transport', () => {
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('refuses several appends at once, naming the PostgreSQL store, without writing anything', async () => {
    const append = jest.spyOn(EventStoreDBClient.prototype, 'appendToStream');
    const store = storeUnderTest();
    const attempt = store.appendToStreams([
      { stream: 'unit-1', expectedRevision: 'no_stream', events: [newEvent()] },
      { stream: 'unit-2', expectedRevision: 'no_stream', events: [newEvent()] },
    ]);
    await expect(attempt).rejects.toBeInstanceOf(EventStoreUsageError);
    await expect(attempt).rejects.toThrow(/PostgreSQL event store/);
    expect(append).not.toHaveBeenCalled();
    await store.close();
  });

  it('appends one event with the mapped expected revision and returns its position', async () => {
    const append = jest
      .spyOn(EventStoreDBClient.prototype, 'appendToStream')
      .mockResolvedValue({ success: true, nextExpectedRevision: 4n, position: { commit: 7000n, prepare: 7000n } });
    const store = storeUnderTest();
    await expect(store.appendToStream('unit-1', [newEvent()], 3n)).resolves.toEqual({ streamRevision: 4n, position: 7000n });
    const [stream, events, options] = append.mock.calls[0]!;
    expect(stream).toBe('unit-1');
    expect(events).toEqual([toEventData(newEvent())]);
    expect(options).toEqual({ expectedRevision: 3n });
    await store.close();
  });

  it('reads back the position of the last event of a several-event append', async () => {
    jest
      .spyOn(EventStoreDBClient.prototype, 'appendToStream')
      .mockResolvedValue({ success: true, nextExpectedRevision: 1n, position: { commit: 7000n, prepare: 7000n } });
    const read = jest
      .spyOn(EventStoreDBClient.prototype, 'readStream')
      .mockImplementation(() => readStreamOf([eventResp(at(7300n, { stream: 'unit-1', revision: 1n }))]));
    const store = storeUnderTest();
    await expect(store.appendToStream('unit-1', [newEvent(), newEvent()], 'no_stream')).resolves.toEqual({
      streamRevision: 1n,
      position: 7300n,
    });
    expect(read.mock.calls[0]![1]).toMatchObject({ fromRevision: 1n, maxCount: 1 });
    await store.close();
  });

  it('maps a rejected append to WrongExpectedRevisionError and refuses bad appends', async () => {
    jest
      .spyOn(EventStoreDBClient.prototype, 'appendToStream')
      .mockRejectedValue(new WrongExpectedVersionError(undefined, { streamName: 'unit-1', expected: 'no_stream', current: 0n }));
    const store = storeUnderTest();
    await expect(store.appendToStream('unit-1', [newEvent()], 'no_stream')).rejects.toMatchObject({
      name: 'WrongExpectedRevisionError',
      expected: 'no_stream',
      actual: '0',
    });
    await expect(store.appendToStream('unit-1', [], 'any')).rejects.toBeInstanceOf(EventStoreUsageError);
    await expect(store.appendToStream('$system', [newEvent()], 'any')).rejects.toBeInstanceOf(EventStoreUsageError);
    await store.close();
  });

  it('refuses to read a tombstoned stream with StreamDeletedError, alone or among others', async () => {
    jest.spyOn(EventStoreDBClient.prototype, 'readStream').mockImplementation((stream: string) =>
      stream === 'unit-gone'
        ? failedReadOf(streamDeletedServiceError(stream))
        : readStreamOf([eventResp(at(100n, { stream, revision: 0n }))]),
    );
    const store = storeUnderTest();
    for (const read of [
      () => store.readStream('unit-gone'),
      () => store.readStream('unit-gone', { direction: 'backwards', maxCount: 1 }),
      () => store.readStreams(['unit-1', 'unit-gone']),
      () => store.streamRevisions(['unit-gone']),
    ]) {
      const attempt = read();
      await expect(attempt).rejects.toBeInstanceOf(PortStreamDeletedError);
      await expect(attempt).rejects.toMatchObject({ code: 'event_store.stream_deleted', stream: 'unit-gone' });
    }
    await expect(store.readStream('unit-1')).resolves.toHaveLength(1);
    await store.close();
  });

  it('refuses an append to a tombstoned stream with StreamDeletedError, whichever way the client reports it', async () => {
    jest
      .spyOn(EventStoreDBClient.prototype, 'appendToStream')
      .mockRejectedValueOnce(StreamDeletedError.fromStreamName('unit-gone'))
      .mockRejectedValueOnce(streamDeletedServiceError('unit-gone'));
    const store = storeUnderTest();
    for (let i = 0; i < 2; i++) {
      const attempt = store.appendToStream('unit-gone', [newEvent()], 'any');
      await expect(attempt).rejects.toBeInstanceOf(PortStreamDeletedError);
      await expect(attempt).rejects.toMatchObject({ code: 'event_store.stream_deleted', stream: 'unit-gone' });
    }
    await store.close();
  });

  it('refuses a head poll interval that is not a positive whole number of milliseconds, naming it', () => {
    for (const headPollMs of [0, -5, 1.5, Number.NaN]) {
      expect(() => storeUnderTest({ headPollMs })).toThrow(EventStoreUsageError);
      expect(() => storeUnderTest({ headPollMs })).toThrow(/headPollMs/);
    }
  });

  it('reads an absent stream as empty', async () => {
    jest.spyOn(EventStoreDBClient.prototype, 'readStream').mockImplementation((stream: string) => {
      const notFound = new streamsPb.ReadResp.StreamNotFound().setStreamIdentifier(createStreamIdentifier(stream));
      return readStreamOf([new streamsPb.ReadResp().setStreamNotFound(notFound)]);
    });
    const store = storeUnderTest();
    await expect(store.readStream('unit-404')).resolves.toEqual([]);
    await store.close();
  });

  it('reads $all in pages after a cursor, leaving out the cursor event, system, non-JSON and filtered-out events', async () => {
    const log: RecordSpec[] = [
      at(100n, { type: 'Alpha' }),
      at(200n, { type: 'Alpha' }),
      at(300n, { type: '$metadata', stream: '$$unit-1' }),
      at(400n, { type: 'Beta' }),
      at(500n, { type: 'Alpha', contentType: 'application/octet-stream', data: new Uint8Array([1]) }),
      ...Array.from({ length: 600 }, (_, i) => at(1000n + BigInt(i), { type: i % 2 === 0 ? 'Alpha' : 'Beta' })),
    ];
    const requests: ReadAllOptions[] = [];
    jest.spyOn(EventStoreDBClient.prototype, 'readAll').mockImplementation((options: ReadAllOptions = {}) => {
      requests.push(options);
      const from = options.fromPosition === undefined || options.fromPosition === 'start' || options.fromPosition === 'end' ? null : options.fromPosition;
      // Inclusive of the start position, as the server reads $all.
      const page = log.filter((r) => from === null || comparePositions(r.position!, from) >= 0).slice(0, Number(options.maxCount));
      return readStreamOf(page.map(eventResp));
    });
    const store = storeUnderTest();

    const afterFirst = await store.readAll({ after: '100/100', maxCount: 3 });
    expect(idsOf(afterFirst)).toEqual([200n, 400n, 1000n]);
    // Pages of maxCount + 1, each continuing from the last position of the one before.
    expect(requests.map((r) => [r.fromPosition, r.maxCount, r.direction])).toEqual([
      [{ commit: 100n, prepare: 100n }, 4, 'forwards'],
      [{ commit: 400n, prepare: 400n }, 4, 'forwards'],
    ]);

    requests.length = 0;
    const alphas = await store.readAll({ after: '100/100', filter: { eventTypes: ['Alpha'] } });
    expect(alphas).toHaveLength(1 + 300);
    expect(alphas[0]!.position).toBe(200n);
    expect(alphas.every((e) => e.type === 'Alpha')).toBe(true);
    expect(requests.map((r) => r.fromPosition)).toEqual([
      { commit: 100n, prepare: 100n },
      log[499]!.position,
    ]);
    await store.close();
  });

  it('counts a reader’s lag from one small page of the log, whatever the limit asked', async () => {
    const log = Array.from({ length: 3000 }, (_, i) => at(1000n + BigInt(i), { type: 'Alpha' }));
    const requests: ReadAllOptions[] = [];
    jest.spyOn(EventStoreDBClient.prototype, 'readAll').mockImplementation((options: ReadAllOptions = {}) => {
      requests.push(options);
      const from = options.fromPosition === undefined || options.fromPosition === 'start' || options.fromPosition === 'end' ? null : options.fromPosition;
      return readStreamOf(log.filter((r) => from === null || comparePositions(r.position!, from) >= 0).slice(0, Number(options.maxCount)).map(eventResp));
    });
    const store = storeUnderTest();
    await expect(store.countEventsAfter('1000/1000', 1000)).resolves.toBe(LAG_COUNT_LIMIT);
    expect(requests.map((r) => r.maxCount)).toEqual([LAG_COUNT_LIMIT + 1]);
    await expect(store.countEventsAfter('3990/3990', 1000)).resolves.toBe(9);
    await store.close();
  });

  it('refuses a malformed cursor on readAll, naming it', async () => {
    const store = storeUnderTest();
    await expect(store.readAll({ after: 'not-a-cursor' })).rejects.toThrow(/not-a-cursor/);
    await store.close();
  });

  it('reports the head as the last application event, 0n when there is none', async () => {
    let log: RecordSpec[] = [at(100n), at(200n), at(300n, { type: '$statsCollected', stream: '$stats-1' })];
    jest.spyOn(EventStoreDBClient.prototype, 'readAll').mockImplementation((options: ReadAllOptions = {}) => {
      expect(options.direction).toBe('backwards');
      const from = options.fromPosition === 'end' ? null : (options.fromPosition as Position);
      const page = [...log].reverse().filter((r) => from === null || comparePositions(r.position!, from) <= 0);
      return readStreamOf(page.slice(0, Number(options.maxCount)).map(eventResp));
    });
    const store = storeUnderTest();
    await expect(store.headPosition()).resolves.toBe(200n);
    log = [at(300n, { type: '$statsCollected', stream: '$stats-1' })];
    await expect(store.headPosition()).resolves.toBe(0n);
    await store.close();
  });

  describe('subscribeToAll', () => {
    /** @param highWaterMark overrides the store's, to let more than a batch arrive before it is taken */
    function fakeSubscription(highWaterMark?: number): { grpc: FakeGrpcStream; requests: SubscribeToAllOptions[] } {
      const grpc = fakeGrpcStream();
      const requests: SubscribeToAllOptions[] = [];
      jest.spyOn(EventStoreDBClient.prototype, 'subscribeToAll').mockImplementation((options = {}, readableOptions = {}) => {
        requests.push(options);
        const subscription: AllStreamSubscription = new Subscription<AllStreamResolvedEvent>(
          () => Promise.resolve(asClientStream(grpc)),
          convertAll,
          highWaterMark === undefined ? readableOptions : { ...readableOptions, highWaterMark },
          options.filter?.checkpointReached,
        );
        return subscription;
      });
      return { grpc, requests };
    }

    async function take(iterator: AsyncIterator<SubscriptionBatch>, until: (batches: SubscriptionBatch[]) => boolean): Promise<SubscriptionBatch[]> {
      const batches: SubscriptionBatch[] = [];
      while (!until(batches)) {
        const next = await iterator.next();
        if (next.done) break;
        batches.push(next.value);
      }
      return batches;
    }

    it('resumes after the cursor with the server-side filter and delivers batches in order', async () => {
      const { grpc, requests } = fakeSubscription();
      const store = storeUnderTest();
      const subscription = store.subscribeToAll({ after: '100/100', filter: { eventTypes: ['Alpha'] }, batchSize: 2 });
      expect(requests[0]!.fromPosition).toEqual({ commit: 100n, prepare: 100n });
      expect((requests[0]!.filter as RegexFilter).regex).toBe('^(?:Alpha)$');

      // The cursor's own event is sent again, as a server including the start position would.
      for (const p of [100n, 200n, 300n, 400n]) grpc.write(eventResp(at(p, { type: 'Alpha' })));
      grpc.write(checkpointResp({ commit: 500n, prepare: 0n }));
      const iterator = subscription[Symbol.asyncIterator]();
      const batches = await take(iterator, (b) => b.at(-1)?.checkpoint === '500/0');

      expect(batches.flatMap((b) => idsOf(b.events))).toEqual([200n, 300n, 400n]);
      for (const batch of batches) {
        expect(batch.events.length).toBeLessThanOrEqual(2);
        const last = batch.events.at(-1);
        if (last) expect(positionOfCursor(batch.checkpoint)).toBeGreaterThanOrEqual(last.position);
      }
      const checkpoints = batches.map((b) => positionOfCursor(b.checkpoint));
      expect([...checkpoints].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(checkpoints);
      expect(new Set(checkpoints).size).toBe(checkpoints.length);
      expect(positionOfCursor(batches.at(-1)!.checkpoint)).toBe(499n);

      await subscription.close();
      await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
      expect(grpc.writableEnded).toBe(true);
      await store.close();
    });

    it('does not move the checkpoint past events that have arrived but are left for the next batch', async () => {
      const { grpc } = fakeSubscription(100);
      const store = storeUnderTest();
      const subscription = store.subscribeToAll({ after: '100/100', batchSize: 2 });
      for (const p of [100n, 200n, 300n, 400n]) grpc.write(eventResp(at(p)));
      grpc.write(checkpointResp({ commit: 500n, prepare: 0n }));
      // Let the client's stream take in everything, the server's checkpoint included.
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      const batches = await take(subscription[Symbol.asyncIterator](), (b) => b.length === 2);
      expect(batches.map((b) => ({ positions: idsOf(b.events), checkpoint: b.checkpoint }))).toEqual([
        { positions: [200n, 300n], checkpoint: '300/300' },
        { positions: [400n], checkpoint: '500/0' },
      ]);
      await subscription.close();
      await store.close();
    });

    it('moves the checkpoint over events it does not deliver', async () => {
      const { grpc } = fakeSubscription();
      const store = storeUnderTest();
      const subscription = store.subscribeToAll({ filter: { streamCategories: ['unit'] } });
      const iterator = subscription[Symbol.asyncIterator]();
      // A system event in a matching stream passes the server's stream-name filter.
      grpc.write(eventResp(at(700n, { type: '$metadata', stream: 'unit-1' })));
      const [batch] = await take(iterator, (b) => b.length === 1);
      expect(batch).toEqual({ events: [], checkpoint: '700/700' });
      grpc.write(checkpointResp({ commit: 900n, prepare: 0n }));
      const [next] = await take(iterator, (b) => b.length === 1);
      expect(next).toEqual({ events: [], checkpoint: '900/0' });
      await subscription.close();
      await store.close();
    });

    it('surfaces a failure of the subscription from the iterator as EventStoreUnavailableError', async () => {
      const { grpc } = fakeSubscription();
      const store = storeUnderTest();
      const subscription = store.subscribeToAll();
      const iterator = subscription[Symbol.asyncIterator]();
      const pending = iterator.next();
      await new Promise((resolve) => setImmediate(resolve));
      grpc.emit('error', serviceError(GrpcStatus.UNAVAILABLE, 'Connection dropped'));
      await expect(pending).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await store.close();
    });

    it('closes the subscriptions it opened when the store closes', async () => {
      const { grpc } = fakeSubscription();
      const store = storeUnderTest();
      const subscription = store.subscribeToAll();
      const pending = subscription[Symbol.asyncIterator]().next();
      await store.close();
      await expect(pending).resolves.toEqual({ done: true, value: undefined });
      expect(grpc.writableEnded).toBe(true);
    });

    describe('reaching the head of the log', () => {
      const isAlpha = (record: RecordSpec): boolean => record.type === 'Alpha';
      const alpha = (position: bigint): RecordSpec => at(position, { type: 'Alpha' });
      const beta = (position: bigint): RecordSpec => at(position, { type: 'Beta' });

      const opened: EsdbEventStore[] = [];

      afterEach(async () => {
        jest.useRealTimers();
        // Closes what a failed test left open (closing twice is harmless).
        await Promise.all(opened.splice(0).map((store) => store.close()));
      });

      function openStore(options: EsdbEventStoreOptions): EsdbEventStore {
        const store = storeUnderTest(options);
        opened.push(store);
        return store;
      }

      /** Fake timers for the head polls; the fake streams run on setImmediate and microtasks. */
      function fakePollTimers(): void {
        jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
      }

      it('reaches the head of a quiet log once caught up, though the server sends no checkpoint then', async () => {
        const log = [alpha(100n), beta(200n), beta(300n)];
        fakeLog(log);
        const { grpc } = fakeSubscription();
        const store = openStore({ headPollMs: 3_600_000 });
        const subscription = store.subscribeToAll({ filter: { eventTypes: ['Alpha'] } });
        const reader = new BatchReader(subscription[Symbol.asyncIterator]());
        // Fewer events than the server's checkpoint interval: it sends the match, then only caughtUp.
        grpc.write(confirmationResp());
        grpc.write(eventResp(log[0]!));
        grpc.write(caughtUpResp());

        expect((await reader.drain()).map(summary)).toEqual([
          { positions: [100n], checkpoint: '100/100' },
          { positions: [], checkpoint: '300/300' },
        ]);
        expect(store.positionOfCursor(reader.batches.at(-1)!.checkpoint)).toBe(await store.headPosition());
        await subscription.close();
        await store.close();
      });

      it('holds the head back until a matching event the head read saw has come through the subscription', async () => {
        // 300 and 400 are appended after the server said caught up: the head read sees them
        // before the subscription receives 300.
        const log = [alpha(100n), beta(200n), alpha(300n), beta(400n)];
        fakeLog(log);
        const { grpc } = fakeSubscription();
        const store = openStore({ headPollMs: 3_600_000 });
        const subscription = store.subscribeToAll({ filter: { eventTypes: ['Alpha'] } });
        const reader = new BatchReader(subscription[Symbol.asyncIterator]());
        grpc.write(eventResp(log[0]!));
        grpc.write(caughtUpResp());
        expect((await reader.drain()).map(summary)).toEqual([{ positions: [100n], checkpoint: '100/100' }]);

        grpc.write(eventResp(log[2]!));
        expect((await reader.drain()).map(summary)).toEqual([{ positions: [300n], checkpoint: '400/400' }]);
        expectFaithful(reader.batches, log, isAlpha);
        await subscription.close();
        await store.close();
      });

      it('follows the head while live with nothing to deliver, not while catching up or fallen behind', async () => {
        fakePollTimers();
        const log = [alpha(100n)];
        const reads = fakeLog(log);
        const { grpc } = fakeSubscription();
        const store = openStore({ headPollMs: 1000 });
        const subscription = store.subscribeToAll({ filter: { eventTypes: ['Alpha'] } });
        const reader = new BatchReader(subscription[Symbol.asyncIterator]());
        grpc.write(eventResp(log[0]!));
        expect((await reader.drain()).map(summary)).toEqual([{ positions: [100n], checkpoint: '100/100' }]);

        // Catching up: the server's checkpoints lead the way; the log is not read.
        log.push(beta(200n));
        await jest.advanceTimersByTimeAsync(5000);
        expect(await reader.drain()).toEqual([]);
        expect(reads).toHaveLength(0);

        grpc.write(caughtUpResp());
        expect((await reader.drain()).map(summary)).toEqual([{ positions: [], checkpoint: '200/200' }]);

        // Live, events of other types appended: the server sends nothing for them.
        log.push(beta(300n), beta(400n));
        expect(await reader.drain()).toEqual([]);
        await jest.advanceTimersByTimeAsync(1000);
        expect((await reader.drain()).map(summary)).toEqual([{ positions: [], checkpoint: '400/400' }]);

        // Quiet: the polls go on and hand over nothing.
        const readsBefore = reads.length;
        await jest.advanceTimersByTimeAsync(3000);
        expect(await reader.drain()).toEqual([]);
        expect(reads.length).toBe(readsBefore + 3);

        grpc.write(fellBehindResp());
        await reader.drain();
        log.push(beta(500n));
        const readsWhenBehind = reads.length;
        await jest.advanceTimersByTimeAsync(5000);
        expect(await reader.drain()).toEqual([]);
        expect(reads).toHaveLength(readsWhenBehind);

        grpc.write(caughtUpResp());
        expect((await reader.drain()).map(summary)).toEqual([{ positions: [], checkpoint: '500/500' }]);
        await subscription.close();
        await store.close();
      });

      it('reaches the head of a quiet log after a long quiet, from a server that never says it has caught up (before 23.10)', async () => {
        fakePollTimers();
        const log = [alpha(100n), beta(200n), beta(300n)];
        const reads = fakeLog(log);
        const { grpc } = fakeSubscription();
        const store = openStore({ headPollMs: 1000 });
        const subscription = store.subscribeToAll({ filter: { eventTypes: ['Alpha'] } });
        const reader = new BatchReader(subscription[Symbol.asyncIterator]());
        grpc.write(eventResp(log[0]!));
        expect((await reader.drain()).map(summary)).toEqual([{ positions: [100n], checkpoint: '100/100' }]);
        await jest.advanceTimersByTimeAsync(19_000);
        expect(reads).toHaveLength(0);
        await jest.advanceTimersByTimeAsync(1_000);
        expect((await reader.drain()).map(summary)).toEqual([{ positions: [], checkpoint: '300/300' }]);
        await subscription.close();
        await store.close();
      });

      it("takes the server's live checkpoints in order, and a late one behind the checkpoint moves nothing", async () => {
        const log = [alpha(100n), beta(200n), beta(300n)];
        fakeLog(log);
        const { grpc } = fakeSubscription();
        const store = openStore({ headPollMs: 3_600_000 });
        const subscription = store.subscribeToAll({ filter: { eventTypes: ['Alpha'] } });
        const reader = new BatchReader(subscription[Symbol.asyncIterator]());
        grpc.write(eventResp(log[0]!));
        grpc.write(caughtUpResp());
        expect((await reader.drain()).map((b) => b.checkpoint)).toEqual(['100/100', '300/300']);

        // Live: 320 events of other types later, the server says how far it has searched.
        for (let i = 0n; i < 320n; i++) log.push(beta(1000n + i));
        grpc.write(checkpointResp({ commit: 1320n, prepare: 0n }));
        expect((await reader.drain()).map(summary)).toEqual([{ positions: [], checkpoint: '1320/0' }]);
        expect(store.positionOfCursor('1320/0')).toBe(1319n);

        grpc.write(checkpointResp({ commit: 250n, prepare: 0n }));
        expect(await reader.drain()).toEqual([]);

        log.push(alpha(1400n));
        grpc.write(eventResp(log.at(-1)!));
        expect((await reader.drain()).map(summary)).toEqual([{ positions: [1400n], checkpoint: '1400/1400' }]);
        expectFaithful(reader.batches, log, isAlpha);
        await subscription.close();
        await store.close();
      });

      it('reads the log for the head a page at a time, handing over how far each page got', async () => {
        // A filter that matches nothing, and no checkpoint from the server: the reads do all the work.
        const log = Array.from({ length: 1100 }, (_, i) => beta(1000n + BigInt(i)));
        const reads = fakeLog(log);
        const { grpc } = fakeSubscription();
        const store = openStore({ headPollMs: 3_600_000 });
        const subscription = store.subscribeToAll({ filter: { eventTypes: ['Alpha'] } });
        const reader = new BatchReader(subscription[Symbol.asyncIterator]());
        grpc.write(caughtUpResp());

        expect((await reader.drain()).map(summary)).toEqual([
          { positions: [], checkpoint: '1499/1499' },
          { positions: [], checkpoint: '1998/1998' },
          { positions: [], checkpoint: '2099/2099' },
        ]);
        expect(reads.map((r) => [r.fromPosition, r.maxCount, r.direction])).toEqual([
          [START, 500, 'forwards'],
          [{ commit: 1499n, prepare: 1499n }, 500, 'forwards'],
          [{ commit: 1998n, prepare: 1998n }, 500, 'forwards'],
        ]);
        await subscription.close();
        await store.close();
      });

      it("reads the head from the subscription's cursor, and never hands over the cursor's own event", async () => {
        const log = [alpha(100n), alpha(200n), beta(300n)];
        const reads = fakeLog(log);
        const { grpc } = fakeSubscription();
        const store = openStore({ headPollMs: 3_600_000 });
        const subscription = store.subscribeToAll({ after: '200/200', filter: { eventTypes: ['Alpha'] } });
        const reader = new BatchReader(subscription[Symbol.asyncIterator]());
        grpc.write(eventResp(log[1]!));
        grpc.write(caughtUpResp());

        expect((await reader.drain()).map(summary)).toEqual([{ positions: [], checkpoint: '300/300' }]);
        expect(reads[0]!.fromPosition).toEqual({ commit: 200n, prepare: 200n });
        await subscription.close();
        await store.close();
      });

      it(
        'over catch-up with checkpoints every 320 events, caught up without one, then live appends racing the head ' +
          'reads: delivers each match once in order, never checkpoints past an undelivered one, and ends at the head',
        async () => {
          fakePollTimers();
          const record = (i: number): RecordSpec => (i % 37 === 0 ? alpha : beta)(1000n + 10n * BigInt(i));
          const log: RecordSpec[] = Array.from({ length: 700 }, (_, i) => record(i));
          fakeLog(log);
          const { grpc } = fakeSubscription();
          const store = openStore({ headPollMs: 1000 });
          const subscription = store.subscribeToAll({ filter: { eventTypes: ['Alpha'] }, batchSize: 5 });
          const reader = new BatchReader(subscription[Symbol.asyncIterator]());
          let considered = 0;
          /** What the server sends for events it reaches: the matches, and a checkpoint every 320 events. */
          const serve = (records: readonly RecordSpec[]): void => {
            for (const r of records) {
              if (isAlpha(r)) grpc.write(eventResp(r));
              considered += 1;
              if (considered % 320 === 0) grpc.write(checkpointResp(r.position!));
            }
          };

          grpc.write(confirmationResp());
          serve(log);
          grpc.write(caughtUpResp());
          await reader.drain();
          expect(reader.batches.at(-1)!.checkpoint).toBe(cursorOf(log.at(-1)!.position!));

          for (let round = 0; round < 6; round++) {
            // Stored first, sent on by the server later: a head poll in between reads them first.
            const appended = Array.from({ length: 50 }, (_, k) => record(700 + round * 50 + k));
            log.push(...appended);
            await jest.advanceTimersByTimeAsync(1000);
            await reader.drain();
            serve(appended);
            await reader.drain();
          }
          await jest.advanceTimersByTimeAsync(1000);
          await reader.drain();

          expectFaithful(reader.batches, log, isAlpha);
          expect(reader.batches.flatMap((b) => idsOf(b.events))).toEqual(log.filter(isAlpha).map((r) => r.position!.prepare));
          expect(reader.batches.at(-1)!.checkpoint).toBe(cursorOf(log.at(-1)!.position!));
          await subscription.close();
          await store.close();
        },
      );

      it('ends with EventStoreUnavailableError when the head read fails', async () => {
        jest
          .spyOn(EventStoreDBClient.prototype, 'readAll')
          .mockImplementation(() => failedReadOf(serviceError(GrpcStatus.UNAVAILABLE, 'Connection dropped')));
        const { grpc } = fakeSubscription();
        const store = openStore({ headPollMs: 3_600_000 });
        const subscription = store.subscribeToAll({ filter: { eventTypes: ['Alpha'] } });
        const reader = new BatchReader(subscription[Symbol.asyncIterator]());
        grpc.write(caughtUpResp());
        await expect(reader.next()).rejects.toBeInstanceOf(EventStoreUnavailableError);
        await store.close();
      });

      it('closes at once while a head read is still under way', async () => {
        const unanswered = fakeGrpcStream();
        const read = jest
          .spyOn(EventStoreDBClient.prototype, 'readAll')
          .mockImplementation(() => new ReadStream<AllStreamResolvedEvent>(() => Promise.resolve(asClientStream(unanswered)), convertAll, {}));
        const { grpc } = fakeSubscription();
        const store = openStore({ headPollMs: 3_600_000 });
        const subscription = store.subscribeToAll({ filter: { eventTypes: ['Alpha'] } });
        const reader = new BatchReader(subscription[Symbol.asyncIterator]());
        grpc.write(caughtUpResp());
        expect(await reader.drain()).toEqual([]);
        expect(read).toHaveBeenCalledTimes(1);
        const done = reader.pendingResult();
        await subscription.close();
        await expect(Promise.race([done, settle().then(() => 'still waiting')])).resolves.toEqual({ done: true, value: undefined });
        unanswered.end();
        await store.close();
      });
    });
  });
});
