import { Controller, Get, Res } from '@nestjs/common';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { ProjectionsService, type ProjectionStatus } from '../../infrastructure/projections/projections.service.js';

type Check = { status: 'up' } | { status: 'down'; error: string };

async function check(probe: () => Promise<unknown>): Promise<Check> {
  try {
    await probe();
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', error: error instanceof Error ? error.message : String(error) };
  }
}

@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: EventStore,
    private readonly projections: ProjectionsService,
  ) {}

  /** 200 when the database and the event store answer, else 503; projection lag alongside. */
  @Get()
  async health(@Res({ passthrough: true }) res: Response): Promise<{
    status: 'up' | 'down';
    database: Check;
    eventStore: Check;
    projections: ProjectionStatus[];
  }> {
    const [database, eventStore] = await Promise.all([
      check(() => this.dataSource.query('SELECT 1')),
      check(() => this.store.headPosition()),
    ]);
    const up = database.status === 'up' && eventStore.status === 'up';
    const projections = database.status === 'up' ? await this.projections.status().catch(() => []) : [];
    res.status(up ? 200 : 503);
    return { status: up ? 'up' : 'down', database, eventStore, projections };
  }
}
