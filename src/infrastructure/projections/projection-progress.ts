import type { OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { PgNotifier } from '../database/pg-notifier.js';

/** The read models have not processed the position a query asked for in time (503). */
export class ReadModelBehindError extends Error {
  readonly code = 'read_model.behind';

  constructor(
    readonly requested: bigint,
    readonly reached: bigint,
    readonly retryAfterSeconds: number,
  ) {
    super(`the views have processed the log up to position ${reached}, not yet ${requested}`);
    this.name = 'ReadModelBehindError';
  }
}

/**
 * Where projections stand, read from their checkpoints (shared by every instance, whichever
 * runs the projection), and waiting for them to reach a position.
 */
export class ProjectionProgress implements OnApplicationShutdown {
  private readonly notifier: PgNotifier;

  constructor(
    private readonly dataSource: DataSource,
    connectionString: string,
  ) {
    this.notifier = new PgNotifier(connectionString, 'projection_progress');
  }

  /** The lowest checkpoint among the named projections (0 before any has run). */
  async positionOf(projections: readonly string[]): Promise<bigint> {
    const rows: { position: string | null; n: string }[] = await this.dataSource.query(
      `SELECT min(position) AS position, count(*) AS n FROM projection_checkpoints WHERE projection = ANY($1)`,
      [projections],
    );
    if (Number(rows[0]!.n) < projections.length) return 0n;
    return BigInt(rows[0]!.position ?? 0);
  }

  /**
   * Resolves with the position reached once every named projection has processed
   * `minPosition`; rejects with ReadModelBehindError after `timeoutMs`.
   */
  async waitFor(projections: readonly string[], minPosition: bigint | null, timeoutMs = 5000): Promise<bigint> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const generation = this.notifier.generation;
      const reached = await this.positionOf(projections);
      if (minPosition === null || reached >= minPosition) return reached;
      const left = deadline - Date.now();
      if (left <= 0) throw new ReadModelBehindError(minPosition, reached, 1);
      await this.notifier.waitForChange(generation, Math.min(left, 250), () => undefined);
    }
  }

  async close(): Promise<void> {
    await this.notifier.close();
  }

  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
