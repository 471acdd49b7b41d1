import pg from 'pg';
import { keepaliveOptions } from './connection-options.js';

/**
 * One LISTEN connection shared by every subscription of a store. It counts notifications;
 * a waiter compares the count it saw before reading with the current one, so a notification
 * that arrives between a read and the wait is never lost. When the connection fails, waiters
 * fall back to their poll interval while it reconnects.
 */
export class PgNotifier {
  private client: pg.Client | null = null;
  private connecting: Promise<void> | null = null;
  private closed = false;
  private counter = 0;
  private readonly waiters = new Set<() => void>();
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly connectionString: string,
    private readonly channel: string,
  ) {}

  get generation(): number {
    this.ensureListening();
    return this.counter;
  }

  /**
   * Resolves true when a notification came after `generation`, false on timeout or close.
   */
  waitForChange(generation: number, timeoutMs: number, registerClose: (wake: () => void) => void): Promise<boolean> {
    if (this.counter !== generation) return Promise.resolve(true);
    return new Promise((resolve) => {
      let done = false;
      const finish = (notified: boolean): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        this.waiters.delete(onNotify);
        resolve(notified);
      };
      const onNotify = (): void => finish(true);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.waiters.add(onNotify);
      registerClose(() => finish(false));
    });
  }

  /** Wakes this process's waiters at once, without a round trip to the database. */
  wakeLocal(): void {
    this.counter += 1;
    [...this.waiters].forEach((wake) => wake());
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
    this.waiters.forEach((wake) => wake());
  }

  private ensureListening(): void {
    if (this.closed || this.client || this.connecting) return;
    this.connecting = this.listen().finally(() => {
      this.connecting = null;
    });
  }

  private async listen(): Promise<void> {
    // Keepalive: a connection lost silently is noticed, dropped and replaced, rather than
    // leaving subscriptions on their poll interval for hours.
    const client = new pg.Client(keepaliveOptions(this.connectionString));
    client.on('notification', () => this.wakeLocal());
    const drop = (): void => {
      if (this.client === client) this.client = null;
      client.end().catch(() => undefined);
      this.scheduleRetry();
    };
    client.on('error', drop);
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      if (this.closed) {
        await client.end();
        return;
      }
      this.client = client;
      client.on('end', () => {
        if (this.client === client) {
          this.client = null;
          this.scheduleRetry();
        }
      });
      // Events may have been appended while no one listened.
      this.wakeLocal();
    } catch {
      drop();
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.ensureListening();
    }, 1000);
    this.retryTimer.unref();
  }
}
