import { randomUUID } from 'node:crypto';
import { deterministicUuid } from './deterministic-id.js';
import type { CommandContext } from './command-context.js';

/**
 * The id of a thing a command creates: the client's, else one derived from the
 * Idempotency-Key (so a retry addresses the same thing), else a new one.
 */
export function newId(given: string | undefined, kind: string, context: CommandContext, index = 0): string {
  if (given) return given;
  if (context.idempotencyKey) return deterministicUuid(kind, context.actor.id, context.idempotencyKey, String(index));
  return randomUUID();
}
