import type { EntityManager } from 'typeorm';
import type { DomainEventType, EventOfType } from '../../events/event-catalogue.js';
import type { StoredDomainEvent } from '../event-store/domain-events.js';

/**
 * A read model fed from the global log. `apply` runs inside the transaction that also
 * moves the checkpoint, so a batch takes effect exactly once.
 */
export interface Projection<T extends DomainEventType = DomainEventType> {
  /** Stable name: the key of its checkpoint and of its lock. */
  readonly name: string;
  /** The event types it reads (the log is filtered on the server by them); its events' payload types follow. */
  readonly handles: readonly T[];
  /**
   * The tables it writes, in `public`, and nothing else: its whole state. A rebuild builds
   * copies of them from the start of the log while these keep serving, then switches them in.
   */
  readonly tables: readonly string[];
  /**
   * Applies events in log order. Every event is after the stored checkpoint. Its SQL names
   * its tables unqualified: a rebuild runs it with its rebuild schema first on the search
   * path, so the same statements write the copies.
   */
  apply(events: readonly StoredDomainEvent<EventOfType<T>>[], manager: EntityManager): Promise<void>;
}
