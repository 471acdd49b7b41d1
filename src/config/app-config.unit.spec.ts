import { describe, expect, it } from '@jest/globals';
import { ConfigError, corsOrigins, loadConfig, trustProxy } from './app-config.js';

const SECRET = 'a-secret-of-forty-characters-0123456789';

describe('configuration', () => {
  it('applies defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.EVENT_STORE).toBe('postgres');
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.DATA_DIR).toBe('./.data');
  });

  it('reads numbers and names from the environment', () => {
    const config = loadConfig({ PORT: '8080', DATABASE_URL: 'postgres://u:p@db:5432/x', PROJECTION_BATCH_SIZE: '50', AUTH_JWT_SECRET: SECRET });
    expect(config.PORT).toBe(8080);
    expect(config.DATABASE_URL).toBe('postgres://u:p@db:5432/x');
    expect(config.PROJECTION_BATCH_SIZE).toBe(50);
  });

  it('refuses bad values, naming each variable and its value', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', EVENT_STORE: 'kafka', PROJECTION_BATCH_SIZE: '0', AUTH_JWT_SECRET: SECRET });
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

  it('gives one reason per bad variable, the first rule it breaks', () => {
    expect(() => loadConfig({ PORT: 'abc' })).toThrow(/^invalid configuration:\n  - PORT="abc": PORT must be an integer number$/);
  });

  it('requires an EventStoreDB connection string with the EventStoreDB store', () => {
    expect(() => loadConfig({ EVENT_STORE: 'eventstoredb' })).toThrow(/EVENTSTORE_CONNECTION_STRING/);
    expect(loadConfig({ EVENT_STORE: 'eventstoredb', EVENTSTORE_CONNECTION_STRING: 'esdb://localhost:2113?tls=false' }).EVENT_STORE).toBe(
      'eventstoredb',
    );
  });

  it('requires a signing secret of at least 32 characters outside the embedded mode, and never prints it', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u:p@db/x' })).toThrow(
      /AUTH_JWT_SECRET=unset: AUTH_JWT_SECRET is required when DATABASE_URL is set \(only the embedded mode generates one\)$/,
    );
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'postgres://u:p@db/x', AUTH_JWT_SECRET: 'too-short-secret' });
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems).toEqual(['AUTH_JWT_SECRET=(hidden): AUTH_JWT_SECRET must be at least 32 characters (256 bits for HS256)']);
    expect((error as ConfigError).message).not.toContain('too-short-secret');
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db/x', AUTH_JWT_SECRET: SECRET }).AUTH_JWT_SECRET).toBe(SECRET);
    // The embedded mode generates its own when none is given.
    expect(loadConfig({}).AUTH_JWT_SECRET).toBeUndefined();
  });

  it('takes the open-transaction age of /health in whole seconds from 1 to 86400, 60 by default', () => {
    expect(loadConfig({}).HEALTH_OPEN_TRANSACTION_SECONDS).toBe(60);
    expect(loadConfig({ HEALTH_OPEN_TRANSACTION_SECONDS: '5' }).HEALTH_OPEN_TRANSACTION_SECONDS).toBe(5);
    expect(() => loadConfig({ HEALTH_OPEN_TRANSACTION_SECONDS: '0' })).toThrow(
      /^invalid configuration:\n  - HEALTH_OPEN_TRANSACTION_SECONDS="0": HEALTH_OPEN_TRANSACTION_SECONDS must not be less than 1$/,
    );
    expect(() => loadConfig({ HEALTH_OPEN_TRANSACTION_SECONDS: '86401' })).toThrow(/HEALTH_OPEN_TRANSACTION_SECONDS="86401": .*must not be greater than 86400/);
    expect(() => loadConfig({ HEALTH_OPEN_TRANSACTION_SECONDS: '1.5' })).toThrow(/HEALTH_OPEN_TRANSACTION_SECONDS="1.5": .*must be an integer number/);
  });

  it('takes CORS origins and proxy trust only in their documented forms', () => {
    expect(corsOrigins(loadConfig({}))).toEqual([]);
    expect(corsOrigins(loadConfig({ CORS_ORIGINS: 'https://a.example.vn, http://localhost:5173' }))).toEqual([
      'https://a.example.vn',
      'http://localhost:5173',
    ]);
    expect(() => loadConfig({ CORS_ORIGINS: '*' })).toThrow(/CORS_ORIGINS="\*"/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://a.example.vn/path' })).toThrow(/CORS_ORIGINS/);
    expect(trustProxy(loadConfig({}))).toBe(false);
    expect(trustProxy(loadConfig({ TRUST_PROXY: '1' }))).toBe(1);
    expect(trustProxy(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }))).toBe('loopback, 10.0.0.0/8');
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY="true"/);
    expect(() => loadConfig({ TRUST_PROXY: 'loopback; rm' })).toThrow(/TRUST_PROXY/);
  });
});
