import { isIPv6 } from 'node:net';
import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { type AuthenticationError, TooManyFailedAuthenticationsError } from './auth.errors.js';
import type { AuthenticatedRequest } from './authenticated-request.js';

export interface FailedAuthLimits {
  /** Failed authentications a client may make in one window; the next ones are refused. */
  readonly limit: number;
  readonly windowSeconds: number;
  /** How often an instance learns of clients blocked through other instances. */
  readonly refreshMs?: number;
}

/**
 * The client failures are counted against: its address as Express sees it (TRUST_PROXY),
 * an IPv6 address by its /64, the block one subscriber holds.
 */
export function clientOf(req: AuthenticatedRequest): string {
  const address = (req.ip ?? req.socket.remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!isIPv6(address)) return address;
  const groups = expandIPv6(address);
  return `${groups.slice(0, 4).join(':')}::/64`;
}

function expandIPv6(address: string): string[] {
  const [head, tail = ''] = address.split('%')[0]!.split('::') as [string, string?];
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const middle = address.includes('::') ? Array(8 - left.length - right.length).fill('0') : [];
  return [...left, ...middle, ...right].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** Failure counts are kept at least this long, whatever the window. */
const RETENTION_FLOOR_SECONDS = 2 * 3600;

/**
 * Milliseconds from now until one more failure would stay within the limit, were there no
 * other: the sliding count is this window's failures plus the previous window's weighted by
 * the part of it still within one window from now.
 */
export function msUntilAllowed(current: number, previous: number, elapsedMs: number, windowMs: number, limit: number): number {
  const allowed = limit - 1;
  if (current > allowed) {
    // Not before this window has become the previous one and weighs little enough.
    return windowMs - elapsedMs + windowMs * (1 - allowed / current);
  }
  if (previous === 0) return 0;
  return Math.max(0, windowMs * (1 - (allowed - current) / previous) - elapsedMs);
}

/**
 * Counts failed authentications per client in fixed windows, in PostgreSQL so that every
 * instance counts the same failures. Past the limit, a client's failures are answered 429
 * until its window ends; a request whose token verifies always passes (a blocked address
 * may be a shared one). Each instance keeps the blocked clients it knows of, refreshed from
 * the table every second, so a blocked client's failures cost no database write.
 */
export class FailedAuthLimiter implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('auth');
  private blocked = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private lastCleanup = 0;
  private refreshing = false;

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

  /** Seconds until the client's failures are answered 401 again, or null when it is not blocked. */
  blockedFor(client: string, now = Date.now()): number | null {
    const until = this.blocked.get(client);
    if (until === undefined) return null;
    if (until <= now) {
      this.blocked.delete(client);
      return null;
    }
    return Math.max(1, Math.ceil((until - now) / 1000));
  }

  /**
   * Counts a failed authentication and answers the error to send: the failure itself, or a
   * 429 once the client is over the limit. A failure to count is logged, never a 5xx.
   */
  async refusal(client: string, failure: AuthenticationError): Promise<AuthenticationError | TooManyFailedAuthenticationsError> {
    const known = this.blockedFor(client);
    if (known !== null) return new TooManyFailedAuthenticationsError(known);
    try {
      const wait = await this.recordFailure(client);
      return wait === null ? failure : new TooManyFailedAuthenticationsError(wait);
    } catch (error) {
      this.logger.warn(`could not count a failed authentication: ${error instanceof Error ? error.message : String(error)}`);
      return failure;
    }
  }

  /**
   * Records one failure; answers the seconds to wait when the client is now over the limit.
   * The count is a sliding window: this window's failures plus the previous window's, weighted
   * by how much of it still lies within one window from now, so a burst cannot straddle a
   * window's boundary to double the limit.
   */
  async recordFailure(client: string): Promise<number | null> {
    const [row]: { failures: number; previous: number; elapsed: number }[] = await this.dataSource.query(
      `WITH current AS (
         INSERT INTO auth_failures (client, window_start, failures)
         VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
         ON CONFLICT (client, window_start) DO UPDATE SET failures = auth_failures.failures + 1
         RETURNING failures, window_start
       )
       SELECT current.failures,
              coalesce((SELECT p.failures FROM auth_failures p
                         WHERE p.client = $1 AND p.window_start = current.window_start - make_interval(secs => $2)), 0) AS previous,
              extract(epoch FROM now() - current.window_start)::float8 * 1000 AS elapsed
         FROM current`,
      [client, this.limits.windowSeconds],
    );
    if (!row) return null;
    const windowMs = this.limits.windowSeconds * 1000;
    const weight = Math.max(0, 1 - row.elapsed / windowMs);
    if (row.failures + row.previous * weight <= this.limits.limit) return null;
    if (!this.blocked.has(client)) this.logger.warn(`client ${client} blocked after ${this.limits.limit} failed authentications`);
    const now = Date.now();
    this.blocked.set(client, now + Math.max(1000, msUntilAllowed(row.failures, row.previous, row.elapsed, windowMs, this.limits.limit)));
    return this.blockedFor(client, now);
  }

  private async refresh(): Promise<void> {
    // On a slow database, ticks do not pile up: one refresh at a time.
    if (this.refreshing) return;
    this.refreshing = true;
    try {
      // Clients whose next failure would be refused: the sliding count has reached the limit.
      const rows: { client: string; failures: number; previous: number; elapsed: number }[] = await this.dataSource.query(
        `WITH now_window AS (SELECT to_timestamp(floor(extract(epoch FROM now()) / $2) * $2) AS start)
         SELECT c.client, c.failures, coalesce(p.failures, 0) AS previous,
                extract(epoch FROM now() - w.start)::float8 * 1000 AS elapsed
           FROM now_window w
           JOIN auth_failures c ON c.window_start = w.start
           LEFT JOIN auth_failures p ON p.client = c.client AND p.window_start = w.start - make_interval(secs => $2)
          WHERE c.failures + coalesce(p.failures, 0) * greatest(0, 1 - extract(epoch FROM now() - w.start) / $2) >= $1`,
        [this.limits.limit, this.limits.windowSeconds],
      );
      const now = Date.now();
      const windowMs = this.limits.windowSeconds * 1000;
      this.blocked = new Map(
        rows
          .map((r) => [r.client, now + msUntilAllowed(r.failures, r.previous, r.elapsed, windowMs, this.limits.limit)] as const)
          .filter(([, until]) => until > now),
      );
      // Windows before the previous one count for nothing: deleted once a minute, whatever their
      // number. Kept two hours at least, so that an instance configured with a shorter window
      // (during a rolling change of it) does not delete what the others still count.
      if (now - this.lastCleanup >= 60_000) {
        this.lastCleanup = now;
        await this.dataSource.query(`DELETE FROM auth_failures WHERE window_start < now() - make_interval(secs => $1)`, [
          Math.max(2 * this.limits.windowSeconds, RETENTION_FLOOR_SECONDS),
        ]);
      }
    } catch (error) {
      this.logger.debug(`could not refresh blocked clients: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.refreshing = false;
    }
  }
}
