import type { Request } from 'express';
import type { ActorMetadata } from '../event-store/event-store.port.js';
import type { Principal } from './principal.js';

export interface AuthenticatedRequest extends Request {
  /** The caller whose bearer token was verified. */
  principal?: Principal;
  /** What the events a command appends record of that caller. */
  actor?: ActorMetadata;
}
