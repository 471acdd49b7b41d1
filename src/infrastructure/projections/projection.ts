import type { EntityManager } from 'typeorm';
import type { LogFilter, StoredEvent } from '../event-store/event-store.port.js';

/**
 * A read model fed from the global log. `apply` runs inside the transaction that also
 * moves the checkpoint, so a batch takes effect exactly once.
 */
export interface Projection {
  /** Stable name: the key of its checkpoint and of its lock. */
  readonly name: string;
  /** The events it reads; the log is filtered on the server by it. */
  readonly filter: LogFilter;
  /** Applies events in log order. Every event is after the stored checkpoint. */
  apply(events: readonly StoredEvent[], manager: EntityManager): Promise<void>;
  /** Removes everything the projection wrote, before a rebuild from the start of the log. */
  reset(manager: EntityManager): Promise<void>;
}
