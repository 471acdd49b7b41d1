import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './app-config.js';

describe('configuration', () => {
  it('applies defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.EVENT_STORE).toBe('postgres');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.DATA_DIR).toBe('./.data');
  });

  it('reads numbers and names from the environment', () => {
    const config = loadConfig({ PORT: '8080', DATABASE_URL: 'postgres://u:p@db:5432/x', PROJECTION_BATCH_SIZE: '50' });
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_URL).toBe('postgres://u:p@db:5432/x');
    expect(config.PROJECTION_BATCH_SIZE).toBe(50);
  });

  it('refuses bad values, naming each variable and its value', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', EVENT_STORE: 'kafka', PROJECTION_BATCH_SIZE: '0' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/PORT="eighty"/);
    expect(message).toMatch(/DATABASE_URL="mysql:\/\/x": DATABASE_URL must be a postgres:\/\/ connection string/);
    expect(message).toMatch(/EVENT_STORE="kafka"/);
    expect(message).toMatch(/PROJECTION_BATCH_SIZE="0"/);
    expect((error as ConfigError).problems).toHaveLength(4);
  });

  it('requires an EventStoreDB connection string with the EventStoreDB store', () => {
    expect(() => loadConfig({ EVENT_STORE: 'eventstoredb' })).toThrow(/EVENTSTORE_CONNECTION_STRING/);
    expect(loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'esdb://localhost:2113?tls=false' }).EVENT_STORE).toBe(
      'eventstoredb',
    );
  });
});
