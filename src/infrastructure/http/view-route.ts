import { applyDecorators, Get, type Type } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { Access } from '../auth/access-policy.js';
import { IdPathParams, ProblemResponses } from './command-route.js';

/**
 * A view route: GET, for every role within its subtree, answered from the read models
 * (eventually consistent: `minPosition` may make it wait, then 503), documented with its
 * answer, its problem+json errors and bearer auth. The query parameters are documented by
 * the query class the handler takes (`@Query() query: AsOfQuery`).
 */
export function ViewRoute(
  path: string,
  options: {
    readonly summary: string;
    readonly description?: string;
    /** A JSON answer, or the media types of a file (a spreadsheet) the route streams instead. */
    readonly answer: Type<unknown> | { readonly files: readonly string[] };
  },
): MethodDecorator {
  const answer = options.answer;
  const ok =
    'files' in answer
      ? ApiOkResponse({
          description: 'The file, with the log position it reflects in X-Position',
          content: Object.fromEntries(answer.files.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
        })
      : ApiOkResponse({ type: answer, description: 'The view, with the log position it reflects' });
  return applyDecorators(
    Access.read(),
    Get(path),
    ApiOperation({ summary: options.summary, description: options.description }),
    ApiBearerAuth(),
    IdPathParams(path),
    ok,
    ProblemResponses(400, 401, 403, 404, 429, 503),
  );
}
