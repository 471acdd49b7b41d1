import { type DomainEvent, type DomainEventType, type EventOfType, schemaVersionOf, upcast } from '../../events/event-catalogue.js';
import type { StoredEvent } from './event-store.port.js';

/** A stored event read as a domain event: its payload type follows from its type string. */
export type StoredDomainEvent<E extends DomainEvent = DomainEvent> = E extends DomainEvent ? Omit<StoredEvent, 'type' | 'data'> & E : never;

/**
 * The one way a stored event becomes a domain event (commands, loaders and projections all
 * read through it): upcast from the version it was stored at to the current one.
 */
export function decode(stored: StoredEvent): StoredDomainEvent {
  const event = upcast(stored.type, stored.schemaVersion, stored.data);
  return { ...stored, type: event.type, data: event.data, schemaVersion: schemaVersionOf(event.type) } as StoredDomainEvent;
}

/** A type guard for events of the given types. */
export function isOfType<T extends DomainEventType>(types: readonly T[]): (event: StoredDomainEvent) => event is StoredDomainEvent<EventOfType<T>> {
  const set = new Set<string>(types);
  return (event): event is StoredDomainEvent<EventOfType<T>> => set.has(event.type);
}
