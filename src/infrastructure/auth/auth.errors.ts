/** No usable credentials (401): missing, malformed, expired, or wrongly signed. */
export class AuthenticationError extends Error {
  constructor(
    readonly code: 'auth.token_missing' | 'auth.token_invalid' | 'auth.token_expired',
    message: string,
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** Too many failed authentications from one client (429); `retryAfterSeconds` until it may try again. */
export class TooManyFailedAuthenticationsError extends Error {
  readonly code = 'auth.too_many_failures';

  constructor(readonly retryAfterSeconds: number) {
    super(`too many failed authentications from this client; retry in ${retryAfterSeconds} s`);
    this.name = 'TooManyFailedAuthenticationsError';
  }
}

/** The caller is known but may not do this (403). */
export class AccessDeniedError extends Error {
  constructor(
    readonly code: 'auth.role_forbidden' | 'auth.out_of_scope' | 'auth.no_policy',
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'AccessDeniedError';
  }
}
