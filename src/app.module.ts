import { type DynamicModule, Module } from '@nestjs/common';
import { InfrastructureModule, type InfrastructureOptions } from './infrastructure/infrastructure.module.js';
import { CampaignModule } from './modules/campaign/campaign.module.js';
import { OperationsModule } from './modules/operations/operations.module.js';
import { OrgModule } from './modules/org/org.module.js';
import { ReadModelsModule } from './read-models/read-models.module.js';

@Module({})
export class AppModule {
  static forRoot(options: InfrastructureOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [InfrastructureModule.forRoot(options), OrgModule.register({ from: ReadModelsModule }), CampaignModule, ReadModelsModule, OperationsModule],
    };
  }
}
