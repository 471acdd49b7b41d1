import { Controller, Get, Logger, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { Public } from '../../infrastructure/auth/access-policy.js';
import { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { ProjectionsService } from '../../infrastructure/projections/projections.service.js';

type Check = { status: 'up' | 'down' };

/** A projection's state as a probe sees it; why it fails is for operators (`/admin/projections`). */
interface ProjectionHealth {
  readonly name: string;
  readonly runner: string;
  readonly position: string;
  readonly lagEvents: number;
  readonly failing: boolean;
}

@Controller('health')
export class HealthController {
  private readonly logger = new Logger('health');

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly projections: ProjectionsService,
  ) {}

  /**
   * 200 when the database and the event store answer, else 503; projection lag alongside.
   * Public (probes carry no token), so it names no internals: failures go to the log.
   */
  @Public()
  @Get()
  async health(@Res({ passthrough: true }) res: Response): Promise<{
    status: 'up' | 'down';
    database: Check;
    eventStore: Check;
    projections: ProjectionHealth[];
  }> {
    const [database, eventStore] = await Promise.all([
      this.check('database', () => this.dataSource.query('SELECT 1')),
      this.check('event store', () => this.store.headPosition()),
    ]);
    const up = database.status === 'up' && eventStore.status === 'up';
    const projections = database.status === 'up' ? await this.projections.status().catch(() => []) : [];
    res.status(up ? 200 : 503);
    return {
      status: up ? 'up' : 'down',
      database,
      eventStore,
      projections: projections.map((p) => ({
        name: p.name,
        runner: p.runner,
        position: p.position,
        lagEvents: p.lagEvents,
        failing: p.lastError !== null,
      })),
    };
  }

  private async check(what: string, probe: () => Promise<unknown>): Promise<Check> {
    try {
      await probe();
      return { status: 'up' };
    } catch (error) {
      this.logger.warn(`${what} is down: ${error instanceof Error ? error.message : String(error)}`);
      return { status: 'down' };
    }
  }
}
