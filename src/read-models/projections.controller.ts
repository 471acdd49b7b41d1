import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Access } from '../infrastructure/auth/access-policy.js';
import { ProblemResponses } from '../infrastructure/http/command-route.js';
import type { HoldingTransaction } from '../infrastructure/event-store/event-store.port.js';
import { ProjectionsService, type ProjectionStatus } from '../infrastructure/projections/projections.service.js';

/** The transaction holding back the log, as operators see it (documents HoldingTransaction). */
export class HoldingTransactionAnswer implements HoldingTransaction {
  @ApiProperty({ type: Number, nullable: true, description: 'Its server process (null: a prepared transaction)', example: 4242 }) pid!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'union_study' }) database!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'idle in transaction', description: 'As pg_stat_activity says, or prepared' })
  state!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Seconds since it began, or since this instance first saw it (ageObserved)' })
  ageSeconds!: number | null;
  @ApiProperty({ description: 'Its start is hidden from the service’s role: ageSeconds counts from when this instance first saw it' })
  ageObserved!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'Its current or last statement, shortened' }) query!: string | null;
  @ApiProperty({ description: 'Committed events are waiting behind it now' }) eventsWaiting!: boolean;
}

/** A projection's state (documents ProjectionStatus, which it implements). */
export class ProjectionStatusAnswer implements ProjectionStatus {
  @ApiProperty({ example: 'org-structure' }) name!: string;
  @ApiProperty({ enum: ['starting', 'standby', 'active', 'stopped'], description: 'This instance’s runner: active holds the lock' })
  runner!: ProjectionStatus['runner'];
  @ApiProperty({ description: 'The log position it has processed', example: '4096' }) position!: string;
  @ApiProperty() eventsApplied!: number;
  @ApiProperty() rebuildRequested!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the rebuild in progress, or the last one, started' })
  rebuildStartedAt!: string | null;
  @ApiProperty({ description: 'A rebuild is in progress: built beside the live view, which keeps serving until it is switched in' })
  rebuilding!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'The log position the rebuild in progress has reached', example: '2048' })
  rebuildPosition!: string | null;
  @ApiProperty({ description: 'Events the rebuild in progress has gone through' }) rebuildEventsApplied!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the last rebuild was switched in' })
  rebuildCompletedAt!: string | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why the rebuild in progress last failed (until it moves on), or why the last request was refused',
  })
  rebuildError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) rebuildErrorAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) updatedAt!: string | null;
  @ApiProperty({ description: 'Events in the log after its checkpoint (counted up to 1000)' }) lagEvents!: number;
  @ApiProperty({
    type: () => HoldingTransactionAnswer,
    nullable: true,
    description: 'The open transaction keeping committed events from it (PostgreSQL store), while it lags behind one; else null',
  })
  heldBackBy!: HoldingTransactionAnswer | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the last batch failed, while it keeps failing' }) lastError!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastErrorAt!: string | null;
}

export class ProjectionsAnswer {
  @ApiProperty({ type: ProjectionStatusAnswer, isArray: true }) items!: ProjectionStatusAnswer[];
}

export class RebuildAnswer {
  @ApiProperty({ example: 'org-structure' }) name!: string;
  @ApiProperty({ enum: [true] }) rebuildRequested!: true;
}

/** Operators' view of the projections, and rebuilds while the service runs. */
@ApiTags('operations')
@ApiBearerAuth()
@Controller('admin/projections')
export class ProjectionsController {
  constructor(private readonly projections: ProjectionsService) {}

  @Access.admin()
  @Get()
  @ApiOperation({ summary: 'The projections: position, lag, runner, rebuild in progress and last error (administrators without a unit)' })
  @ApiOkResponse({ type: ProjectionsAnswer })
  @ProblemResponses(401, 403, 429, 503)
  async list(): Promise<{ items: ProjectionStatus[] }> {
    return { items: await this.projections.status() };
  }

  @Access.admin()
  @Post(':name/rebuild')
  @HttpCode(202)
  @ApiOperation({ summary: 'Rebuild a projection from the start of the log, while the service runs (administrators without a unit)' })
  @ApiParam({ name: 'name', type: String, description: 'The name of a projection, as listed', example: 'org-structure' })
  @ApiAcceptedResponse({
    type: RebuildAnswer,
    description: 'Requested: whichever instance runs the projection rebuilds it beside the live view and switches it in once caught up',
  })
  @ProblemResponses(401, 403, 404, 429, 503)
  async rebuild(@Param('name') name: string): Promise<{ name: string; rebuildRequested: true }> {
    await this.projections.requestRebuild(name);
    return { name, rebuildRequested: true };
  }
}
