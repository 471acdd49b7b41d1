import { Controller, Get, Logger, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
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

/** The schemas of the probe's answer, for the OpenAPI document. */
class CheckAnswer implements Check {
  @ApiProperty({ enum: ['up', 'down'] }) status!: 'up' | 'down';
}

class ProjectionHealthAnswer implements ProjectionHealth {
  @ApiProperty({ example: 'org-structure' }) name!: string;
  @ApiProperty({ enum: ['starting', 'standby', 'active', 'stopped'] }) runner!: string;
  @ApiProperty({ example: '4096' }) position!: string;
  @ApiProperty({ description: 'Events in the log after its checkpoint (counted up to 1000)' }) lagEvents!: number;
  @ApiProperty({ description: 'Its last batch failed; why is for operators (GET /admin/projections)' }) failing!: boolean;
}

/** What a probe reads (the same shape with 200 and 503). */
class HealthAnswer {
  @ApiProperty({ enum: ['up', 'down'] }) status!: 'up' | 'down';
  @ApiProperty({ type: CheckAnswer }) database!: CheckAnswer;
  @ApiProperty({ type: CheckAnswer }) eventStore!: CheckAnswer;
  @ApiProperty({ type: ProjectionHealthAnswer, isArray: true }) projections!: ProjectionHealthAnswer[];
}

@ApiTags('operations')
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
  @ApiOperation({ summary: 'Health probe: the database, the event store and projection lag (no token)' })
  @ApiResponse({ status: 200, type: HealthAnswer, description: 'The database and the event store answer' })
  @ApiResponse({ status: 503, type: HealthAnswer, description: 'The database or the event store does not answer' })
  async health(@Res({ passthrough: true }) res: Response): Promise<HealthAnswer> {
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
