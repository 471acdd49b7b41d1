import type { Request } from 'express';
import type { Principal } from './principal.js';

export interface AuthenticatedRequest extends Request {
  /** The caller whose bearer token was verified. */
  principal?: Principal;
}
