import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';

/** Where the OpenAPI UI and document are served (API.md, Operations). */
export const OPENAPI_UI_PATH = '/docs';
export const OPENAPI_JSON_PATH = '/docs-json';

/** The name of the bearer scheme: the one `@ApiBearerAuth()` refers to by default. */
export const BEARER_SCHEME = 'bearer';

/**
 * The OpenAPI document of the application, from its controllers and DTOs: every route a
 * controller declares is in it, with what its decorators say.
 */
export function createOpenApiDocument(app: INestApplication, version: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Union study ledger')
    .setDescription(
      'Event-sourced reporting backend for the trade unions’ annual “study and follow” programme. ' +
        'Commands answer `{ id, streamRevision, position }`; views accept `minPosition` to read a command’s own write. ' +
        'Every error is `application/problem+json` (RFC 9457).',
    )
    .setVersion(version)
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'HS256 JWT: sub, role, unit' }, BEARER_SCHEME)
    .addTag('organisation', 'Units and members: commands and views')
    .addTag('operations', 'Health and the projections')
    .build();
  return SwaggerModule.createDocument(app, config);
}

/**
 * Serves the UI at /docs and the document at /docs-json. They are routes of the HTTP
 * adapter, not of a controller: the guard does not see them, so they take no token (a token
 * that does not verify is still refused by the authentication middleware, as on any path).
 * Must run before `app.init()`, which closes the router with the not-found handler.
 *
 * The UI page loads only same-origin scripts and styles (no inline script), which the
 * application's CSP allows; on /docs the CSP does not upgrade requests to https, so that
 * the UI also loads when the service is reached over plain http (the API answers JSON only,
 * where the directive has no effect).
 */
export function serveOpenApi(app: NestExpressApplication, version: string): void {
  app.use(OPENAPI_UI_PATH, helmet.contentSecurityPolicy({ directives: { upgradeInsecureRequests: null } }));
  const document = createOpenApiDocument(app, version);
  SwaggerModule.setup(OPENAPI_UI_PATH, app, document, {
    raw: ['json'],
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    customSiteTitle: 'Union study ledger API',
    // The spec is embedded in the page: nothing is sent to the public validator.
    swaggerOptions: { validatorUrl: null },
  });
}
