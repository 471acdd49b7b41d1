import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';

export interface FailedAuthLimits {
  /** Failed authentications a client may make in one window; the next ones are refused. */
  readonly limit: number;
  readonly windowSeconds: number;
  /** How often an instance learns of clients blocked through other instances. */
  readonly refreshMs?: number;
}

/**
 * Counts failed authentications per client in fixed windows, in PostgreSQL so that every
 * instance counts the same failures. A client over the limit is refused (429) until its
 * window ends, whatever token it shows: a blocked client cannot tell a good guess from a bad one.
 * Each instance keeps the blocked clients it knows of, refreshed from the table every second.
 */
export class FailedAuthLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('auth');
  private blocked = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly limits: FailedAuthLimits,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.refresh(), this.limits.refreshMs ?? 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Seconds until the client may try again, or null when it is not blocked. */
  blockedFor(client: string, now = Date.now()): number | null {
    const until = this.blocked.get(client);
    if (until === undefined) return null;
    if (until <= now) {
      this.blocked.delete(client);
      return null;
    }
    return Math.max(1, Math.ceil((until - now) / 1000));
  }

  /** Records one failure; answers the seconds to wait when the client is now over the limit. */
  async recordFailure(client: string): Promise<number | null> {
    const [row]: { failures: number; until_ms: string }[] = await this.dataSource.query(
      `INSERT INTO auth_failures (client, window_start, failures)
       VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
       ON CONFLICT (client, window_start) DO UPDATE SET failures = auth_failures.failures + 1
       RETURNING failures, (extract(epoch FROM window_start) * 1000 + $2 * 1000)::bigint::text AS until_ms`,
      [client, this.limits.windowSeconds],
    );
    if (!row || row.failures <= this.limits.limit) return null;
    const until = Number(row.until_ms);
    if (!this.blocked.has(client)) this.logger.warn(`client ${client} blocked after ${this.limits.limit} failed authentications`);
    this.blocked.set(client, until);
    return this.blockedFor(client);
  }

  private async refresh(): Promise<void> {
    try {
      const rows: { client: string; until_ms: string }[] = await this.dataSource.query(
        `SELECT client, (extract(epoch FROM window_start) * 1000 + $2 * 1000)::bigint::text AS until_ms
           FROM auth_failures
          WHERE failures > $1 AND window_start > now() - make_interval(secs => $2)`,
        [this.limits.limit, this.limits.windowSeconds],
      );
      this.blocked = new Map(rows.map((r) => [r.client, Number(r.until_ms)]));
      if (Math.random() < 0.01) {
        await this.dataSource.query(`DELETE FROM auth_failures WHERE window_start < now() - interval '1 day'`);
      }
    } catch (error) {
      this.logger.debug(`could not refresh blocked clients: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
