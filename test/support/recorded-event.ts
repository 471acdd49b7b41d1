import { randomUUID } from 'node:crypto';
import { type DomainEventType, type EventOfType, schemaVersionOf } from '../../src/events/event-catalogue.js';
import type { NewEvent } from '../../src/infrastructure/event-store/event-store.port.js';

/** An event as a command would append it, for appending straight to the store (several commands' events in one transaction, bulk data, races). */
export const recorded = <T extends DomainEventType>(type: T, data: EventOfType<T>['data'], occurredOn: string): NewEvent => ({
  id: randomUUID(),
  type,
  schemaVersion: schemaVersionOf(type),
  data,
  occurredOn,
  metadata: { actor: { id: 'test', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
});
