import { applyDecorators, HttpCode, Post, type Type, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiHeader, ApiOperation, ApiParam, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { Access } from '../auth/access-policy.js';
import { CommandResponseInterceptor } from './command-response.interceptor.js';

/** What a command answers (API.md): the thing it addressed, its stream revision and the log position. */
export class CommandAnswer {
  @ApiProperty({ format: 'uuid', description: 'The id of the thing the command created or changed' })
  id!: string;

  @ApiProperty({ description: 'Revision of its stream after the command; also the ETag' })
  streamRevision!: number;

  @ApiProperty({ description: 'Position in the global log; pass it as minPosition to read your own write', example: '4096' })
  position!: string;
}

/** What a command touching many streams answers (an import): it has no single revision or ETag. */
export class BatchCommandAnswer {
  @ApiProperty() count!: number;
  @ApiProperty({ type: String, format: 'uuid', isArray: true }) ids!: string[];
  @ApiProperty({ example: '4096' }) position!: string;
}

/** An RFC 9457 problem: every error of the API. */
export class ProblemField {
  @ApiProperty() field!: string;
  @ApiProperty() message!: string;
}

export class Problem {
  @ApiProperty({ example: 'urn:problem:request.invalid' }) type!: string;
  @ApiProperty({ example: 'Invalid request' }) title!: string;
  @ApiProperty({ example: 400 }) status!: number;
  @ApiProperty() detail!: string;
  @ApiProperty({ description: 'Stable code of the error', example: 'request.invalid' }) code!: string;
  @ApiProperty({ type: ProblemField, isArray: true, required: false }) errors?: ProblemField[];
}

const PROBLEMS: Record<number, string> = {
  400: 'Malformed or invalid input; every offending field is named',
  401: 'No token, or a token that does not verify',
  403: 'The role may not do this, or the target is outside the caller’s scope',
  404: 'No such thing',
  409: 'Concurrent change, or an Idempotency-Key reused with another request',
  410: 'The stream the command acts on was deleted for good (EventStoreDB tombstone)',
  412: 'If-Match names a revision the stream is no longer at',
  413: 'The request body is larger than the route allows',
  415: 'The request body is not application/json',
  422: 'Well-formed, but not allowed by the rules',
  429: 'Too many failed authentications from this client; see Retry-After',
  503: 'The database or the event store is unavailable, the units are busy, or the views did not reach minPosition in time; retry',
};

/** The headers that come with a problem (ProblemDetailsFilter). */
const PROBLEM_HEADERS: Record<number, Record<string, { description: string; schema: { type: 'string' | 'integer' } }>> = {
  401: { 'WWW-Authenticate': { description: 'Bearer realm="union-study-ledger", with error="invalid_token" when a token was shown', schema: { type: 'string' } } },
  429: { 'Retry-After': { description: 'Seconds until one more failure is within the limit', schema: { type: 'integer' } } },
  503: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } },
};

/** The problem+json answers of a route. */
export const ProblemResponses = (...statuses: number[]): MethodDecorator =>
  applyDecorators(
    ApiExtraModels(Problem),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEMS[status],
        headers: PROBLEM_HEADERS[status],
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(Problem) } } },
      }),
    ),
  );

/** The `:name` parameters of a route path. */
export function pathParamsOf(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!);
}

/**
 * Documents the path parameters of a route that are ids (`:id`, `:unitId` …) as UUIDs;
 * other parameters keep what the explorer infers (a required string).
 */
export const IdPathParams = (path: string): MethodDecorator =>
  applyDecorators(
    ...pathParamsOf(path)
      .filter((name) => name === 'id' || name.endsWith('Id'))
      .map((name) => ApiParam({ name, type: String, format: 'uuid', required: true })),
  );

/**
 * A command route: for officers within their scope, POST, answered by the command response
 * interceptor (`{ id, streamRevision, position }`, ETag, Idempotency-Key replay), documented.
 */
export function CommandRoute(
  path: string,
  options: {
    readonly status: 200 | 201;
    readonly summary: string;
    readonly batch?: boolean;
    /** Who may give it: officers within their subtree unless said otherwise. */
    readonly access?: () => MethodDecorator & ClassDecorator;
    /** The answer, when it says more than `{ id, streamRevision, position }`. */
    readonly answer?: Type<unknown>;
    readonly description?: string;
  },
): MethodDecorator {
  // A command on many streams (an import) has no single revision: no ETag, no If-Match.
  const single = !options.batch;
  const headers = {
    ...(single ? { ETag: { description: 'The stream revision after the command ("3"), for If-Match', schema: { type: 'string' } } } : {}),
    'Idempotent-Replayed': { description: '"true" when this is the first answer to the same Idempotency-Key and request', schema: { type: 'string' } },
    'X-Correlation-Id': { description: 'The request’s correlation id (given or generated), recorded in the events', schema: { type: 'string' } },
  };
  return applyDecorators(
    (options.access ?? Access.write)(),
    Post(path),
    HttpCode(options.status),
    UseInterceptors(CommandResponseInterceptor),
    ApiOperation({ summary: options.summary, description: options.description }),
    ApiBearerAuth(),
    IdPathParams(path),
    ApiHeader({ name: 'Idempotency-Key', required: false, description: 'The same key with the same request answers the first answer and appends nothing' }),
    ...(single ? [ApiHeader({ name: 'If-Match', required: false, description: 'The stream revision the command requires ("3"); 412 when stale' })] : []),
    ApiResponse({ status: options.status, type: options.answer ?? (single ? CommandAnswer : BatchCommandAnswer), description: options.status === 201 ? 'Created' : 'Done', headers }),
    ProblemResponses(400, 401, 403, 404, 409, 410, ...(single ? [412] : []), 413, 415, 422, 429, 503),
  );
}
