import type { NextFunction, RequestHandler, Response } from 'express';
import { AuthenticationError } from './auth.errors.js';
import type { AuthenticatedRequest } from './auth.guard.js';
import { actorOfPrincipal } from './principal.js';
import type { TokenVerifier } from './token-verifier.js';

/** RFC 6750 b64token. */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Verifies the bearer token before anything reads the request body: the caller it finds (or
 * why its token was refused) is left on the request for the guard, which decides by the
 * route's policy. Bodies of requests without a verified caller are never parsed.
 */
export function authenticationMiddleware(verifier: TokenVerifier): RequestHandler {
  return (req: AuthenticatedRequest, _res: Response, next: NextFunction): void => {
    const header = req.header('authorization');
    if (header === undefined || header.trim() === '') {
      next();
      return;
    }
    const match = BEARER.exec(header);
    if (!match) {
      req.authenticationError = new AuthenticationError('auth.token_invalid', 'the Authorization header must be "Bearer <token>"');
      next();
      return;
    }
    verifier.verify(match[1]!).then(
      (principal) => {
        req.principal = principal;
        req.actor = actorOfPrincipal(principal);
        next();
      },
      (error: unknown) => {
        if (error instanceof AuthenticationError) {
          req.authenticationError = error;
          next();
        } else {
          next(error);
        }
      },
    );
  };
}

/** Runs `handler` (a body parser) only for requests whose caller was verified. */
export function whenAuthenticated(handler: RequestHandler): RequestHandler {
  return (req: AuthenticatedRequest, res: Response, next: NextFunction) => (req.principal ? handler(req, res, next) : next());
}
