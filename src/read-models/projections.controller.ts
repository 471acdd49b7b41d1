import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Access } from '../infrastructure/auth/access-policy.js';
import { ProjectionsService, type ProjectionStatus } from '../infrastructure/projections/projections.service.js';

/** Operators' view of the projections, and rebuilds while the service runs. */
@Controller('admin/projections')
export class ProjectionsController {
  constructor(private readonly projections: ProjectionsService) {}

  @Access.admin()
  @Get()
  async list(): Promise<{ items: ProjectionStatus[] }> {
    return { items: await this.projections.status() };
  }

  @Access.admin()
  @Post(':name/rebuild')
  @HttpCode(202)
  async rebuild(@Param('name') name: string): Promise<{ name: string; rebuildRequested: true }> {
    await this.projections.requestRebuild(name);
    return { name, rebuildRequested: true };
  }
}
