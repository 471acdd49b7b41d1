import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { commandRunnerProviders } from '../org/org.module.js';
import { CampaignController } from './campaign/campaign.controller.js';
import { CampaignCommandHandler } from './campaign/campaign.handler.js';
import { CampaignPlanReader } from './campaign/campaign.query.js';
import { CommendationController } from './commendation/commendation.controller.js';
import { CommendationCommandHandler } from './commendation/commendation.handler.js';
import { PledgeController } from './pledge/pledge.controller.js';
import { PledgeCommandHandler } from './pledge/pledge.handler.js';
import { ReportController } from './report/report.controller.js';
import { ReportCommandHandler } from './report/report.handler.js';
import { StudySessionController } from './study-session/study-session.controller.js';
import { StudySessionCommandHandler } from './study-session/study-session.handler.js';
import { UnitRecordsController } from './unit-records.controller.js';
import { UnitRecordCommandHandler } from './unit-records.handler.js';

/** The campaign year: plans and every fact the units record for them. */
@Module({
  imports: [CqrsModule],
  controllers: [CampaignController, StudySessionController, PledgeController, UnitRecordsController, ReportController, CommendationController],
  providers: [
    ...commandRunnerProviders(),
    CampaignCommandHandler,
    CampaignPlanReader,
    StudySessionCommandHandler,
    PledgeCommandHandler,
    UnitRecordCommandHandler,
    ReportCommandHandler,
    CommendationCommandHandler,
  ],
})
export class CampaignModule {}
