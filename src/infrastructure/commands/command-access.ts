import type { ActorMetadata } from '../event-store/event-store.port.js';
import type { StreamReading } from './stream-reading.js';

/**
 * What a command touches, the business date from which it touches it, and the request field
 * naming it.
 * - `ifExists`: an id the caller chose for something the command creates; when it already
 *   exists, the caller must hold it like any other target (so that an id outside the scope
 *   answers as out of scope, not as taken).
 * - `receives`: a unit the command places something in (a member, a child unit), which
 *   follows the unit through its later mergers: the caller must hold where it goes.
 * - `ends`: the command ends the target (a leaving, a termination, a merger), which then
 *   stays where its last day, the day before, puts it: the span starts on that day.
 * - `exact`: only the unit itself acts (the receiver of a report): the caller's own unit must
 *   be it (through its mergers, with `receives`), not merely above it.
 * - `above`: the unit is judged from above (its grade, an inspection): the caller's unit must
 *   lie above it, not be the unit itself.
 */
export type AccessReference = (
  | {
      readonly unitId: string;
      readonly on: string;
      readonly field: string;
      readonly receives?: boolean;
      readonly exact?: boolean;
      readonly above?: boolean;
    }
  | { readonly memberId: string; readonly on: string; readonly field: string }
) & { readonly ifExists?: boolean; readonly ends?: boolean };

export interface ScopeCheck {
  /** The lock keys of the units the check read: they must not move before the command appends. */
  readonly walked: readonly string[];
  /** Why the caller may not run the command, if it may not. */
  readonly refusal: Error | null;
}

/**
 * The scope rule of commands (which callers may touch which units and members on which
 * dates). The runner asks it; the organisation's hierarchy answers it.
 */
export abstract class CommandAccess {
  /** Whether the actor acts on everything (no scope to check). */
  abstract isUnrestricted(actor: ActorMetadata): boolean;

  /** Checks every reference against the actor's scope, reading what it needs through `reading`. */
  abstract check(actor: ActorMetadata, references: readonly AccessReference[], reading: StreamReading): Promise<ScopeCheck>;
}

/** The lock key of a member's commands (unit locks are keyed by the unit's id). */
export const memberLockKey = (memberId: string): string => `member-${memberId}`;
