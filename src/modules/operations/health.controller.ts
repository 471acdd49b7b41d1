import { Controller, Get, Logger, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DataSource } from 'typeorm';
import { AppConfig } from '../../config/app-config.js';
import { Public } from '../../infrastructure/auth/access-policy.js';
import { EventStore, type HoldingTransaction } from '../../infrastructure/event-store/event-store.port.js';
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

/** The transaction holding back the log, as a probe sees it: no statement text. */
type HoldingHealth = Pick<HoldingTransaction, 'pid' | 'database' | 'state' | 'ageSeconds' | 'ageObserved' | 'eventsWaiting'>;

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

class HoldingHealthAnswer implements HoldingHealth {
  @ApiProperty({ type: Number, nullable: true, description: 'Its server process (null: a prepared transaction)', example: 4242 }) pid!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'union_study' }) database!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'idle in transaction', description: 'As pg_stat_activity says, or prepared' })
  state!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds since it began, or since this instance first saw it (ageObserved)' })
  ageSeconds!: number | null;
  @ApiProperty({ description: 'Its start is hidden from the service’s role: ageSeconds counts from when this instance first saw it' })
  ageObserved!: boolean;
  @ApiProperty({ description: 'Committed events are waiting behind it now' }) eventsWaiting!: boolean;
}

/** What a probe reads (the same shape with 200 and 503). */
class HealthAnswer {
  @ApiProperty({
    enum: ['up', 'degraded', 'down'],
    description: 'degraded: up, but a transaction has held back the log for longer than HEALTH_OPEN_TRANSACTION_SECONDS',
  })
  status!: 'up' | 'degraded' | 'down';
  @ApiProperty({ type: CheckAnswer }) database!: CheckAnswer;
  @ApiProperty({ type: CheckAnswer }) eventStore!: CheckAnswer;
  @ApiProperty({
    type: HoldingHealthAnswer,
    nullable: true,
    description:
      'The oldest transaction holding a transaction id in the event store’s PostgreSQL cluster: no event appended after it began is delivered until it ends',
  })
  heldBackBy!: HoldingHealthAnswer | null;
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
    private readonly config: AppConfig,
  ) {}

  /**
   * 200 when the database and the event store answer, else 503; projection lag alongside,
   * and the transaction holding back the log (degraded, still 200, once it is older than
   * HEALTH_OPEN_TRANSACTION_SECONDS). Public (probes carry no token), so it names no
   * internals beyond that transaction's process, database, state and age: failures go to the log.
   */
  @Public()
  @Get()
  @ApiOperation({ summary: 'Health probe: the database, the event store, projection lag and what holds back the log (no token)' })
  @ApiResponse({ status: 200, type: HealthAnswer, description: 'The database and the event store answer (up, or degraded)' })
  @ApiResponse({ status: 503, type: HealthAnswer, description: 'The database or the event store does not answer' })
  async health(@Res({ passthrough: true }) res: Response): Promise<HealthAnswer> {
    const [database, eventStore, holding] = await Promise.all([
      this.check('database', () => this.dataSource.query('SELECT 1')),
      this.check('event store', () => this.store.headPosition()),
      this.store.holdingTransaction().catch((error: unknown) => {
        this.logger.warn(`what holds back the log is unknown: ${error instanceof Error ? error.message : String(error)}`);
        return null;
      }),
    ]);
    const up = database.status === 'up' && eventStore.status === 'up';
    const projections = database.status === 'up' ? await this.projections.status().catch(() => []) : [];
    const degraded = holding !== null && holding.ageSeconds !== null && holding.ageSeconds > this.config.HEALTH_OPEN_TRANSACTION_SECONDS;
    res.status(up ? 200 : 503);
    return {
      status: !up ? 'down' : degraded ? 'degraded' : 'up',
      database,
      eventStore,
      heldBackBy: holding && {
        pid: holding.pid,
        database: holding.database,
        state: holding.state,
        ageSeconds: holding.ageSeconds,
        ageObserved: holding.ageObserved,
        eventsWaiting: holding.eventsWaiting,
      },
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
