import { describe, expect, it } from '@jest/globals';
import type { ArgumentsHost } from '@nestjs/common';
import { BadRequestException, NotFoundException } from '@nestjs/common';
import { NotFound, RuleViolation } from '../../shared/domain-errors.js';
import { ConcurrencyConflictError, PreconditionFailedError } from '../commands/command-context.js';
import { IdempotencyConflictError } from '../commands/idempotency.js';
import {
  EventStoreCapabilityError,
  EventStoreUnavailableError,
  EventStoreUsageError,
  StreamDeletedError,
  WrongExpectedRevisionError,
} from '../event-store/event-store.errors.js';
import { ReadModelBehindError } from '../projections/projection-progress.js';
import { ProblemDetailsFilter } from './problem-details.filter.js';
import { RequestValidationError } from './validation.js';

function answer(error: unknown): { status: number; type: string; body: Record<string, unknown>; headers: Record<string, string> } {
  const out = { status: 0, type: '', body: {} as Record<string, unknown>, headers: {} as Record<string, string> };
  const res = {
    status(code: number) {
      out.status = code;
      return res;
    },
    type(t: string) {
      out.type = t;
      return res;
    },
    send(body: string) {
      out.body = JSON.parse(body) as Record<string, unknown>;
      return res;
    },
    setHeader(name: string, value: string) {
      out.headers[name] = value;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => res }) } as unknown as ArgumentsHost;
  new ProblemDetailsFilter().catch(error, host);
  return out;
}

describe('problem details', () => {
  it.each([
    [new RequestValidationError([{ field: 'name', message: 'name must be a string' }]), 400, 'request.invalid'],
    [new RuleViolation('org_unit.parent_level', 'too low', 'parentId'), 422, 'org_unit.parent_level'],
    [new NotFound('org_unit.not_found', 'no such unit'), 404, 'org_unit.not_found'],
    [new PreconditionFailedError('orgUnit-1', 1n, 2n), 412, 'command.precondition_failed'],
    [new ConcurrencyConflictError('orgUnit-1'), 409, 'command.concurrency_conflict'],
    [new IdempotencyConflictError('k'), 409, 'idempotency.key_reused'],
    [new WrongExpectedRevisionError('s', '0', '1'), 409, 'event_store.wrong_expected_revision'],
    [new ReadModelBehindError(10n, 5n, 1), 503, 'read_model.behind'],
    [new EventStoreUnavailableError('connection refused'), 503, 'event_store.unavailable'],
    [new EventStoreCapabilityError('atomic multi-stream appends need the PostgreSQL event store'), 501, 'event_store.capability'],
    [new StreamDeletedError('member-1'), 410, 'event_store.stream_deleted'],
    [new EventStoreUsageError('stream name "x" is not of the form <category>-<id>'), 500, 'internal'],
    [new NotFoundException('Cannot GET /nowhere'), 404, 'route.not_found'],
    [new BadRequestException({ field: 'If-Match', message: 'bad' }), 400, 'request.invalid'],
  ])('maps %p to %i', (error, status, code) => {
    const out = answer(error);
    expect(out.status).toBe(status);
    expect(out.type).toBe('application/problem+json');
    expect(out.body).toMatchObject({ status, code, type: `urn:problem:${code}` });
    expect(typeof out.body.title).toBe('string');
    expect(typeof out.body.detail).toBe('string');
  });

  it('names the offending fields of invalid input', () => {
    const out = answer(new RequestValidationError([{ field: 'members[1].joinedOn', message: 'must be a date' }]));
    expect(out.body.errors).toEqual([{ field: 'members[1].joinedOn', message: 'must be a date' }]);
  });

  it('answers an unexpected failure with 500 and no internals', () => {
    const out = answer(new Error('relation "secret_table" does not exist at /srv/app.js:12'));
    expect(out.status).toBe(500);
    expect(JSON.stringify(out.body)).not.toMatch(/secret_table|app\.js/);
  });

  it('sends Retry-After with 503 answers', () => {
    expect(answer(new ReadModelBehindError(10n, 5n, 1)).headers['Retry-After']).toBe('1');
    expect(answer(new EventStoreUnavailableError('down')).headers['Retry-After']).toBe('5');
  });

  it('answers 503 when the database cannot be reached or cancelled a statement on timeout', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const cancelled = Object.assign(new Error('query failed'), { driverError: Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }) });
    const stalled = new Error('Query read timeout');
    for (const error of [refused, cancelled, stalled]) {
      const out = answer(error);
      expect(out.status).toBe(503);
      expect(out.body.code).toBe('database.unavailable');
      expect(out.headers['Retry-After']).toBe('5');
    }
  });

  it('treats a database failure as the service\'s fault, not the client\'s', () => {
    const pgError = Object.assign(new Error('could not serialize access'), { code: '40001' });
    expect(answer(pgError).status).toBe(500);
  });
});
