import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { NotFound, RuleViolation } from '../../shared/domain-errors.js';
import { AccessDeniedError, AuthenticationError, TooManyFailedAuthenticationsError } from '../auth/auth.errors.js';
import { ConcurrencyConflictError, PreconditionFailedError } from '../commands/command-context.js';
import { IdempotencyConflictError, IdempotencyInProgressError } from '../commands/idempotency.js';
import { UnitsBusyError } from '../commands/unit-locks.js';
import { EventStoreCapabilityError, EventStoreUnavailableError, RecordingOpenError, StreamDeletedError, WrongExpectedRevisionError } from '../event-store/event-store.errors.js';
import { ReadModelBehindError } from '../projections/projection-progress.js';
import { type FieldError, RequestValidationError } from './validation.js';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code?: string;
  readonly errors?: readonly FieldError[];
}

const TITLES: Record<number, string> = {
  400: 'Invalid request',
  401: 'Not authenticated',
  403: 'Forbidden',
  404: 'Not found',
  405: 'Method not allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition failed',
  413: 'Request too large',
  415: 'Unsupported media type',
  422: 'Not allowed by the rules',
  429: 'Too many requests',
  501: 'Not supported by this deployment',
  503: 'Service unavailable',
};

function problem(status: number, code: string, detail: string, errors?: readonly FieldError[]): Problem {
  return {
    type: `urn:problem:${code}`,
    title: TITLES[status] ?? (status >= 500 ? 'Internal error' : 'Request refused'),
    status,
    detail,
    code,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

const UNAVAILABLE_CODES = new Set([
  '57014',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/** A failure to reach the database, or a statement it cancelled on timeout. */
function isDatabaseUnavailable(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_CODES.has(code))) return true;
    if (typeof message === 'string' && /timeout|Connection terminated|not queryable/i.test(message)) return true;
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The one place where errors become HTTP answers (RFC 9457 problem+json). Whatever is not
 * a known client error is a 5xx with no internals in the body.
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(error: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const body = this.toProblem(error, res);
    if (body.status === 500) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    else if (body.status > 500) this.logger.warn(error instanceof Error ? error.message : String(error));
    res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
  }

  private toProblem(error: unknown, res: Response): Problem {
    if (error instanceof RequestValidationError) return problem(400, 'request.invalid', error.message, error.errors);
    if (error instanceof AuthenticationError) {
      // RFC 6750 §3: say which scheme is expected, and whether the token given was the fault.
      res.setHeader(
        'WWW-Authenticate',
        error.code === 'auth.token_missing' ? 'Bearer realm="union-study-ledger"' : 'Bearer realm="union-study-ledger", error="invalid_token"',
      );
      return problem(401, error.code, error.message);
    }
    if (error instanceof TooManyFailedAuthenticationsError) {
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
      return problem(429, error.code, error.message);
    }
    if (error instanceof AccessDeniedError) {
      return problem(403, error.code, error.message, error.field ? [{ field: error.field, message: error.message }] : undefined);
    }
    if (error instanceof RuleViolation) {
      return problem(422, error.code, error.message, error.field ? [{ field: error.field, message: error.message }] : undefined);
    }
    if (error instanceof NotFound) return problem(404, error.code, error.message);
    if (error instanceof PreconditionFailedError) return problem(412, error.code, error.message, [{ field: 'If-Match', message: error.message }]);
    if (error instanceof ConcurrencyConflictError || error instanceof IdempotencyConflictError || error instanceof IdempotencyInProgressError) {
      return problem(409, error.code, error.message);
    }
    if (error instanceof WrongExpectedRevisionError) return problem(409, error.code, error.message);
    if (error instanceof ReadModelBehindError || error instanceof RecordingOpenError) {
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
      return problem(503, error.code, error.message);
    }
    if (error instanceof EventStoreUnavailableError) {
      res.setHeader('Retry-After', '5');
      return problem(503, error.code, 'the event store is unavailable; retry later');
    }
    if (error instanceof UnitsBusyError) {
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
      return problem(503, error.code, error.message);
    }
    if (error instanceof EventStoreCapabilityError) return problem(501, error.code, error.message);
    // A stream tombstoned in EventStoreDB: what it recorded is gone for good, and nothing can be added to it.
    if (error instanceof StreamDeletedError) return problem(410, error.code, error.message);
    if (error instanceof HttpException) return this.fromHttpException(error);
    if (isDatabaseUnavailable(error)) {
      res.setHeader('Retry-After', '5');
      return problem(503, 'database.unavailable', 'the database is unavailable or too slow; retry later');
    }
    return problem(500, 'internal', 'the service failed to handle the request; it has been logged');
  }

  private fromHttpException(error: HttpException): Problem {
    const status = error.getStatus();
    const response = error.getResponse();
    if (status >= 500) return problem(status, 'internal', 'the service failed to handle the request; it has been logged');
    if (typeof response === 'object' && response !== null && 'field' in response && 'message' in response) {
      const r = response as FieldError;
      return problem(status, 'request.invalid', `${r.field}: ${r.message}`, [{ field: r.field, message: r.message }]);
    }
    const message = typeof response === 'object' && response !== null && 'message' in response ? (response as { message: unknown }).message : error.message;
    const detail = Array.isArray(message) ? message.join('; ') : String(message);
    const code = status === 404 ? 'route.not_found' : status === 413 ? 'request.too_large' : 'request.invalid';
    return problem(status, code, detail);
  }
}
