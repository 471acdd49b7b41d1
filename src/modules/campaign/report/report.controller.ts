import { Body, Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { ReportSubmitted } from '../../../events/campaign/report-events.js';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { newId } from '../../../infrastructure/commands/new-id.js';
import { CommandRoute } from '../../../infrastructure/http/command-route.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { IdParam } from '../../../infrastructure/http/validators.js';
import { businessToday } from '../../../shared/values.js';
import type { ReportCommand } from './report.decider.js';
import { ReportCommandMessage } from './report.handler.js';
import { AcknowledgeReportRequest, AmendReportRequest, type ReportFiguresRequest, ReturnReportRequest, SubmitReportRequest } from './report.requests.js';

/** The figures as stored: only those declared. */
const figuresOf = (f: ReportFiguresRequest): ReportSubmitted['data']['figures'] =>
  Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)) as ReportSubmitted['data']['figures'];

@ApiTags('campaign')
@Controller()
export class ReportController {
  constructor(private readonly commandBus: CommandBus) {}

  @CommandRoute('campaigns/:id/reports', { status: 201, summary: "A unit's report of a kind, with its declared figures, sent to its parent" })
  submit(@IdParam() campaignId: string, @Body() body: SubmitReportRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send(
      {
        type: 'SubmitReport',
        reportId: newId(body.reportId, 'report', context),
        campaignId,
        unitId: body.unitId,
        kind: body.kind as ReportSubmitted['data']['kind'],
        submittedOn: body.submittedOn,
        figures: figuresOf(body.figures),
        narrative: body.narrative,
      },
      context,
    );
  }

  @CommandRoute('reports/:id/amend', { status: 200, summary: 'Amend a report, with a reason (a returned report is so submitted again); it keeps its first submission date' })
  amend(@IdParam() reportId: string, @Body() body: AmendReportRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send(
      {
        type: 'AmendReport',
        reportId,
        amendedOn: body.amendedOn ?? businessToday(),
        figures: body.figures ? figuresOf(body.figures) : null,
        narrative: body.narrative ?? null,
        reason: body.reason,
      },
      context,
    );
  }

  @CommandRoute('reports/:id/acknowledge', { status: 200, summary: 'The receiving unit acknowledges a report' })
  acknowledge(@IdParam() reportId: string, @Body() body: AcknowledgeReportRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'AcknowledgeReport', reportId, on: body.on }, context);
  }

  @CommandRoute('reports/:id/return', { status: 200, summary: 'The receiving unit returns a report, with a reason' })
  return(@IdParam() reportId: string, @Body() body: ReturnReportRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'ReturnReport', reportId, on: body.on ?? businessToday(), reason: body.reason }, context);
  }

  private send(command: ReportCommand, context: CommandContext): Promise<CommandResult> {
    return this.commandBus.execute(new ReportCommandMessage(command, context));
  }
}
