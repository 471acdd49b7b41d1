import { Body, Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { InspectionRecorded, UnitClassified } from '../../events/campaign/unit-record-events.js';
import type { CommandContext, CommandResult } from '../../infrastructure/commands/command-context.js';
import { newId } from '../../infrastructure/commands/new-id.js';
import { CommandRoute } from '../../infrastructure/http/command-route.js';
import { CommandCtx } from '../../infrastructure/http/request-context.js';
import { IdParam } from '../../infrastructure/http/validators.js';
import { AdoptActionPlanRequest, CompleteActionTaskRequest } from './action-plan/action-plan.requests.js';
import { ClassifyUnitRequest } from './classification/classification.requests.js';
import { IssueImplementationPlanRequest } from './implementation-plan/implementation-plan.requests.js';
import { RecordInspectionRequest } from './inspection/inspection.requests.js';
import { type UnitRecordCommand, UnitRecordCommandMessage } from './unit-records.handler.js';

/** A unit's own records for a campaign: its implementation plan, action plan and tasks, grade, inspections. */
@ApiTags('campaign')
@Controller('campaigns/:id')
export class UnitRecordsController {
  constructor(private readonly commandBus: CommandBus) {}

  @CommandRoute('implementation-plans', { status: 201, summary: 'A unit issues its own implementation plan for the campaign (once); the answer names the unit' })
  implementationPlan(@IdParam() campaignId: string, @Body() body: IssueImplementationPlanRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    const d = body.document;
    return this.send(
      {
        type: 'IssueImplementationPlan',
        campaignId,
        unitId: body.unitId,
        document: { number: d.number, title: d.title ?? null, issuedOn: d.issuedOn, signedBy: { name: d.signedBy.name, position: d.signedBy.position } },
      },
      context,
    );
  }

  @CommandRoute('action-plans', { status: 201, summary: "A collective adopts its action plan (once): tasks, who they fall to, due dates, focal tasks; the answer names the unit" })
  actionPlan(@IdParam() campaignId: string, @Body() body: AdoptActionPlanRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    const tasks = body.tasks.map((t, index) => ({ taskId: newId(t.taskId, 'actionTask', context, index), title: t.title, responsible: t.responsible, dueOn: t.dueOn, focal: t.focal }));
    return this.send({ type: 'AdoptActionPlan', campaignId, unitId: body.unitId, adoptedOn: body.adoptedOn, tasks }, context);
  }

  @CommandRoute('action-plans/:unitId/tasks/:taskId/complete', { status: 200, summary: 'A task of the action plan is completed, with evidence (once)' })
  completeTask(
    @IdParam() campaignId: string,
    @IdParam('unitId') unitId: string,
    @IdParam('taskId') taskId: string,
    @Body() body: CompleteActionTaskRequest,
    @CommandCtx() context: CommandContext,
  ): Promise<CommandResult> {
    return this.send({ type: 'CompleteActionTask', campaignId, unitId, taskId, completedOn: body.completedOn, evidence: body.evidence }, context);
  }

  @CommandRoute('classifications', { status: 201, summary: "A unit's grade for the year; a later one replaces it, with a reason; the answer names the unit" })
  classify(@IdParam() campaignId: string, @Body() body: ClassifyUnitRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send(
      {
        type: 'ClassifyUnit',
        campaignId,
        unitId: body.unitId,
        grade: body.grade as UnitClassified['data']['grade'],
        decidedOn: body.decidedOn,
        basis: body.basis,
        reason: body.reason ?? null,
      },
      context,
    );
  }

  @CommandRoute('inspections', { status: 201, summary: "An inspection of a unit's work on the campaign, with its findings" })
  inspect(@IdParam() campaignId: string, @Body() body: RecordInspectionRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send(
      {
        type: 'RecordInspection',
        inspectionId: newId(body.inspectionId, 'inspection', context),
        campaignId,
        unitId: body.unitId,
        conductedOn: body.conductedOn,
        findings: body.findings.map((f) => ({ code: f.code, severity: f.severity as InspectionRecorded['data']['findings'][number]['severity'], text: f.text })),
      },
      context,
    );
  }

  private send(command: UnitRecordCommand, context: CommandContext): Promise<CommandResult> {
    return this.commandBus.execute(new UnitRecordCommandMessage(command, context));
  }
}
