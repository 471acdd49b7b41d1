import { Body, Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { StudySessionHeld } from '../../../events/campaign/study-session-events.js';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { newId } from '../../../infrastructure/commands/new-id.js';
import { CommandRoute } from '../../../infrastructure/http/command-route.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { IdParam } from '../../../infrastructure/http/validators.js';
import type { StudySessionCommand } from './study-session.decider.js';
import { StudySessionCommandMessage } from './study-session.handler.js';
import { CorrectAttendanceRequest, HoldStudySessionRequest, VoidStudySessionRequest } from './study-session.requests.js';

@ApiTags('campaign')
@Controller()
export class StudySessionController {
  constructor(private readonly commandBus: CommandBus) {}

  @CommandRoute('campaigns/:id/study-sessions', { status: 201, summary: 'Record a study session a unit held, with the members who attended' })
  hold(@IdParam() campaignId: string, @Body() body: HoldStudySessionRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send(
      {
        type: 'HoldStudySession',
        sessionId: newId(body.sessionId, 'studySession', context),
        campaignId,
        unitId: body.unitId,
        heldOn: body.heldOn,
        format: body.format as StudySessionHeld['data']['format'],
        title: body.title,
        presenter: body.presenter ?? null,
        materials: (body.materials ?? []).map((m) => ({ title: m.title, url: m.url ?? null })),
        attendeeMemberIds: body.attendeeMemberIds,
      },
      context,
    );
  }

  @CommandRoute('study-sessions/:id/attendance-corrections', { status: 200, summary: "Correct a session's attendance, with a reason; the record as first made is kept" })
  correct(@IdParam() sessionId: string, @Body() body: CorrectAttendanceRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'CorrectAttendance', sessionId, add: body.add, remove: body.remove, reason: body.reason }, context);
  }

  @CommandRoute('study-sessions/:id/void', { status: 200, summary: 'Void a session recorded in error: it stops counting' })
  void(@IdParam() sessionId: string, @Body() body: VoidStudySessionRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'VoidStudySession', sessionId, reason: body.reason }, context);
  }

  private send(command: StudySessionCommand, context: CommandContext): Promise<CommandResult> {
    return this.commandBus.execute(new StudySessionCommandMessage(command, context));
  }
}
