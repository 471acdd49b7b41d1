import { randomUUID } from 'node:crypto';
import { deterministicUuid } from './deterministic-id.js';
import type { CommandContext } from './command-context.js';

/**
 * The id of a thing a command creates: the client's, else one derived from the keyed seed of
 * the Idempotency-Key (so a retry addresses the same thing, and no one else can compute it),
 * else a new one.
 */
export function newId(given: string | undefined, kind: string, context: CommandContext, index = 0): string {
  if (given) return given;
  if (context.idempotencySeed) return deterministicUuid(kind, context.idempotencySeed, String(index));
  return randomUUID();
}
