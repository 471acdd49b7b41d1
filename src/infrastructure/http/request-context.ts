import { createHash, randomUUID } from 'node:crypto';
import { BadRequestException, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request, Response, NextFunction } from 'express';
import type { AuthenticatedRequest } from '../auth/authenticated-request.js';
import { actorOfPrincipal } from '../auth/principal.js';
import type { CommandContext } from '../commands/command-context.js';
import { deterministicUuid } from '../commands/deterministic-id.js';
import type { ActorMetadata } from '../event-store/event-store.port.js';

export interface ContextualRequest extends AuthenticatedRequest {
  correlationId?: string;
  requestHash?: string;
  /** The keyed seed of the caller's Idempotency-Key (see CommandContext.idempotencySeed). */
  idempotencySeed?: string;
  /** The stored first answer to this request will be replayed (see CommandContext.replaying). */
  idempotentReplay?: boolean;
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Takes X-Correlation-Id from the request (or makes one) and echoes it on the response. */
export function correlationIdMiddleware(req: ContextualRequest, res: Response, next: NextFunction): void {
  const given = req.header('x-correlation-id');
  req.correlationId = given && CORRELATION_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Correlation-Id', req.correlationId);
  next();
}

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Commands take JSON: another media type is refused with 415 before anything reads it. */
export function requireJsonMiddleware(req: Request, res: Response, next: NextFunction): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  const declared = req.headers['content-type'] !== undefined;
  if (WITH_BODY.has(req.method) && hasBody && (declared || Number(req.headers['content-length'] ?? 0) > 0) && !req.is('application/json')) {
    const detail = `request bodies must be application/json, not ${req.headers['content-type'] ?? 'unspecified'}`;
    res
      .status(415)
      .type('application/problem+json')
      .send(
        JSON.stringify({
          type: 'urn:problem:request.unsupported_media_type',
          title: 'Unsupported media type',
          status: 415,
          detail,
          code: 'request.unsupported_media_type',
          errors: [{ field: 'Content-Type', message: detail }],
        }),
      );
    return;
  }
  next();
}

/** The caller the guard authenticated; a command never runs without one. */
export function actorOf(req: ContextualRequest): ActorMetadata {
  if (!req.principal) throw new Error(`${req.method} ${req.path} reached a command without an authenticated caller`);
  return actorOfPrincipal(req.principal);
}

/** Hash of what makes a request the same request: method, path and body. */
export function requestHashOf(req: Request): string {
  return createHash('sha256')
    .update(`${req.method} ${req.path}\n${canonicalJson(req.body ?? null)}`)
    .digest('hex');
}

/** Past this depth the request is refused by validation anyway; the hash need not walk it. */
const HASH_DEPTH = 64;

function canonicalJson(value: unknown, depth = 0): string {
  if (depth > HASH_DEPTH) return JSON.stringify(null);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v, depth + 1)).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function idempotencyKeyOf(req: Request): string | null {
  const key = req.header('idempotency-key');
  if (key === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new BadRequestException({
      field: 'Idempotency-Key',
      message: 'Idempotency-Key must be 1 to 255 visible ASCII characters',
    });
  }
  return key;
}

/** A revision no stream is at: what a weak If-Match tag compares as. */
const WEAK_NEVER_MATCHES = -1n;

/** Parses `If-Match: "3"` (also unquoted) into a stream revision. */
export function ifMatchOf(req: Request): bigint | null {
  const header = req.header('if-match');
  if (header === undefined) return null;
  const match = /^\s*(W\/)?"?(\d{1,18})"?\s*$/.exec(header);
  if (!match) {
    throw new BadRequestException({ field: 'If-Match', message: 'If-Match must be a stream revision such as "3"' });
  }
  // If-Match compares strongly (RFC 9110 §13.1.1): a weak tag never matches.
  return match[1] ? WEAK_NEVER_MATCHES : BigInt(match[2]!);
}

/** The CommandContext of the current request, for a controller parameter. */
export const CommandCtx = createParamDecorator((_: unknown, ctx: ExecutionContext): CommandContext => {
  const req = ctx.switchToHttp().getRequest<ContextualRequest>();
  const idempotencyKey = idempotencyKeyOf(req);
  const actor = actorOf(req);
  return {
    actor,
    correlationId: req.correlationId ?? randomUUID(),
    // The command's own id: the cause of the events it appends (stable across idempotent retries).
    causationId: req.idempotencySeed ? deterministicUuid('command', req.idempotencySeed) : randomUUID(),
    idempotencyKey,
    idempotencySeed: req.idempotencySeed ?? null,
    requestHash: req.requestHash ?? requestHashOf(req),
    ifMatch: ifMatchOf(req),
    replaying: req.idempotentReplay === true,
  };
});
