import { Module } from '@nestjs/common';
import { ReadModelsModule } from '../../read-models/read-models.module.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [ReadModelsModule], controllers: [HealthController] })
export class OperationsModule {}
