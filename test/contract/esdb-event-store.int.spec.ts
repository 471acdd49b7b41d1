import { describe, expect, it } from '@jest/globals';
import { EsdbEventStore } from '../../src/infrastructure/event-store/eventstoredb/esdb-event-store.js';

/**
 * The shared event store contract against EventStoreDB, when EVENTSTORE_CONNECTION_STRING
 * names one (e.g. `esdb://localhost:2113?tls=false`). The contract's streams have random ids,
 * so the server needs no cleaning. Without it the suite is reported as skipped, with the reason.
 */
const connectionString = process.env.EVENTSTORE_CONNECTION_STRING;

describe('EventStoreDB adapter construction', () => {
  it('refuses a connection string that is not an esdb:// address', () => {
    expect(() => new EsdbEventStore('postgres://localhost/db')).toThrow();
  });
});

if (connectionString) {
  // Loaded only here, so that the skipped case does not depend on the contract module.
  const { describeEventStoreContract } = await import('./event-store-contract.js');
  describeEventStoreContract('EventStoreDB', async () => {
    const store = new EsdbEventStore(connectionString);
    return { store, atomicMultiStreamAppend: false, cleanup: () => store.close() };
  });
} else {
  const reason = 'EVENTSTORE_CONNECTION_STRING is not set, so no EventStoreDB server is named';
  console.warn(`EventStoreDB contract suite skipped: ${reason}`);
  const skipped = describe.skip;
  skipped(`EventStoreDB: event store contract (skipped: ${reason})`, () => {
    it('runs the shared event store contract against EventStoreDB', () => {
      expect(connectionString).toBeDefined();
    });
  });
}
