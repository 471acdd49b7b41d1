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
  /** Applies events in log order. Every event is after the stored checkpoint. */
  apply(events: readonly StoredDomainEvent<EventOfType<T>>[], manager: EntityManager): Promise<void>;
  /** Removes everything the projection wrote, before a rebuild from the start of the log. */
  reset(manager: EntityManager): Promise<void>;
}
