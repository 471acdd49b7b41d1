import type { DataSource } from 'typeorm';

/** The same Idempotency-Key came with a different request (409). */
export class IdempotencyConflictError extends Error {
  readonly code = 'idempotency.key_reused';

  constructor(readonly key: string) {
    super(`Idempotency-Key "${key}" was used for a different request`);
    this.name = 'IdempotencyConflictError';
  }
}

/** A request with this Idempotency-Key is still being processed (409). */
export class IdempotencyInProgressError extends Error {
  readonly code = 'idempotency.in_progress';

  constructor(readonly key: string) {
    super(`a request with Idempotency-Key "${key}" is still in progress`);
    this.name = 'IdempotencyInProgressError';
  }
}

export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string>;
}

export type IdempotencyStart = { readonly kind: 'execute' } | { readonly kind: 'replay'; readonly response: StoredResponse };

/** After this long without a heartbeat, a pending record is taken to be from a crashed attempt. */
const LEASE_SECONDS = 30;
/** How often a running command renews its reservation. */
export const HEARTBEAT_MS = 10_000;

/**
 * Idempotency records of commands, shared by every instance: a key is reserved before the
 * command runs, completed with its answer, or released when the command fails.
 */
export class IdempotencyStore {
  constructor(private readonly dataSource: DataSource) {}

  async begin(scope: string, key: string, requestHash: string): Promise<IdempotencyStart> {
    const inserted: unknown[] = await this.dataSource.query(
      `INSERT INTO command_idempotency (scope, key, request_hash, state) VALUES ($1, $2, $3, 'pending')
       ON CONFLICT DO NOTHING RETURNING 1`,
      [scope, key, requestHash],
    );
    if (inserted.length === 1) return { kind: 'execute' };
    const rows: { request_hash: string; state: string; response: StoredResponse | null; stale: boolean }[] =
      await this.dataSource.query(
        `SELECT request_hash, state, response, updated_at < now() - make_interval(secs => $3) AS stale
           FROM command_idempotency WHERE scope = $1 AND key = $2`,
        [scope, key, LEASE_SECONDS],
      );
    const row = rows[0];
    if (!row) return this.begin(scope, key, requestHash);
    if (row.request_hash !== requestHash) throw new IdempotencyConflictError(key);
    if (row.state === 'done' && row.response) return { kind: 'replay', response: row.response };
    if (!row.stale) throw new IdempotencyInProgressError(key);
    const taken: [unknown[], number] = await this.dataSource.query(
      `UPDATE command_idempotency SET updated_at = now()
        WHERE scope = $1 AND key = $2 AND state = 'pending' AND updated_at < now() - make_interval(secs => $3)`,
      [scope, key, LEASE_SECONDS],
    );
    if (taken[1] !== 1) throw new IdempotencyInProgressError(key);
    return { kind: 'execute' };
  }

  /** Keeps a running command's reservation fresh, so that it is not taken for a crashed one. */
  async touch(scope: string, key: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE command_idempotency SET updated_at = now() WHERE scope = $1 AND key = $2 AND state = 'pending'`,
      [scope, key],
    );
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.dataSource.query(
      `UPDATE command_idempotency SET state = 'done', response = $3, updated_at = now() WHERE scope = $1 AND key = $2`,
      [scope, key, JSON.stringify(response)],
    );
  }

  async release(scope: string, key: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM command_idempotency WHERE scope = $1 AND key = $2 AND state = 'pending'`, [
      scope,
      key,
    ]);
  }
}
