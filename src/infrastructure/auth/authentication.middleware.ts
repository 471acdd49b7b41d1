import type { NextFunction, RequestHandler, Response } from 'express';
import { AuthenticationError } from './auth.errors.js';
import type { AuthenticatedRequest } from './authenticated-request.js';
import { clientOf, type FailedAuthLimiter } from './failed-auth-limiter.js';
import type { TokenVerifier } from './token-verifier.js';

/** RFC 6750 b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Verifies the bearer token before anything reads the request body. A verified caller is
 * left on the request for the guard, which decides by the route's policy; a token that does
 * not verify is refused at once, on any path (401, or 429 past the failure limit), so that no
 * answer tells a good token from a bad one but that. Without a token the guard decides:
 * public routes need none. Bodies of requests without a verified caller are never parsed.
 */
export function authenticationMiddleware(verifier: TokenVerifier, limiter: FailedAuthLimiter): RequestHandler {
  return (req: AuthenticatedRequest, _res: Response, next: NextFunction): void => {
    const header = req.header('authorization');
    if (header === undefined || header.trim() === '') {
      next();
      return;
    }
    const match = BEARER.exec(header);
    const verified = match
      ? verifier.verify(match[1]!)
      : Promise.reject(new AuthenticationError('auth.token_invalid', 'the Authorization header must be "Bearer <token>"'));
    verified.then(
      (principal) => {
        req.principal = principal;
        next();
      },
      async (error: unknown) => {
        if (!(error instanceof AuthenticationError)) {
          next(error);
          return;
        }
        next(await limiter.refusal(clientOf(req), error));
      },
    );
  };
}

/** Runs `handler` (a body parser) only for requests whose caller was verified. */
export function whenAuthenticated(handler: RequestHandler): RequestHandler {
  return (req: AuthenticatedRequest, res: Response, next: NextFunction) => (req.principal ? handler(req, res, next) : next());
}
