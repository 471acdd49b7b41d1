import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { EventStore } from '../infrastructure/event-store/event-store.port.js';
import { ProjectionProgress } from '../infrastructure/projections/projection-progress.js';
import { ProjectionsService } from '../infrastructure/projections/projections.service.js';
import { OrgUnitDependents } from '../shared/org-unit-dependents.port.js';
import { OrgStructureDependents } from './org-structure/org-unit-dependents.js';
import { ComplianceProjection } from './compliance/compliance.projection.js';
import { CommendationsProjection } from './commendations/commendations.projection.js';
import { ListCommendationsHandler } from './commendations/commendations.queries.js';
import { ComplianceController } from './compliance/compliance.controller.js';
import { GetComplianceHandler, ListChildrenComplianceHandler, ListOverdueHandler } from './compliance/compliance.queries.js';
import { MembersController } from './membership/members.controller.js';
import { GetMemberHandler } from './membership/member.queries.js';
import { MembershipProjection } from './membership/membership.projection.js';
import { OrgStructureProjection } from './org-structure/org-structure.projection.js';
import { GetOrgUnitHandler, ListChildUnitsHandler } from './org-structure/org-unit.queries.js';
import { OrgUnitsController } from './org-structure/org-units.controller.js';
import { PeriodSnapshots } from './snapshots/period-snapshots.js';
import { SnapshotsController } from './snapshots/snapshots.controller.js';
import { SnapshotsProjection } from './snapshots/snapshots.projection.js';
import { ProjectionsController } from './projections.controller.js';

/** Every projection the service runs, in one list. */
const ALL_PROJECTIONS = () => [new OrgStructureProjection(), new MembershipProjection(), new ComplianceProjection(), new CommendationsProjection(), new SnapshotsProjection()];

/** The read models: projections, their queries and routes; and the child units a termination checks (`OrgUnitDependents`). */
@Module({
  imports: [CqrsModule],
  controllers: [OrgUnitsController, MembersController, ComplianceController, SnapshotsController, ProjectionsController],
  providers: [
    {
      provide: ProjectionsService,
      useFactory: (ds: DataSource, store: EventStore, config: AppConfig) =>
        new ProjectionsService(ALL_PROJECTIONS(), ds, store, {
          batchSize: config.PROJECTION_BATCH_SIZE,
          lockRetryMs: config.PROJECTION_LOCK_RETRY_MS,
          controlPollMs: 1000,
        }),
      inject: [DataSource, EventStore, AppConfig],
    },
    {
      provide: OrgUnitDependents,
      useFactory: (ds: DataSource, store: EventStore, progress: ProjectionProgress) => new OrgStructureDependents(ds, store, progress),
      inject: [DataSource, EventStore, ProjectionProgress],
    },
    GetOrgUnitHandler,
    ListChildUnitsHandler,
    GetMemberHandler,
    GetComplianceHandler,
    ListChildrenComplianceHandler,
    ListOverdueHandler,
    ListCommendationsHandler,
    PeriodSnapshots,
  ],
  exports: [ProjectionsService, OrgUnitDependents],
})
export class ReadModelsModule {}
