import { Body, Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { CommendationDecided, CommendationProposed, CommendationReviewed } from '../../../events/campaign/commendation-events.js';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { newId } from '../../../infrastructure/commands/new-id.js';
import { CommandRoute } from '../../../infrastructure/http/command-route.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { IdParam } from '../../../infrastructure/http/validators.js';
import { businessToday } from '../../../shared/values.js';
import type { CommendationCommand } from './commendation.decider.js';
import { CommendationCommandMessage } from './commendation.handler.js';
import { DecideCommendationRequest, type DossierItemRequest, ProposeCommendationRequest, ResubmitCommendationRequest, ReviewCommendationRequest } from './commendation.requests.js';

type Proposal = CommendationProposed['data'];
const dossierOf = (items: readonly DossierItemRequest[]): Proposal['dossier'] => items.map((d) => ({ title: d.title, ref: d.ref ?? null }));

@ApiTags('campaign')
@Controller()
export class CommendationController {
  constructor(private readonly commandBus: CommandBus) {}

  @CommandRoute('campaigns/:id/commendations', { status: 201, summary: 'A unit proposes an exemplary member or collective for commendation, with its dossier' })
  propose(@IdParam() campaignId: string, @Body() body: ProposeCommendationRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send(
      {
        type: 'ProposeCommendation',
        commendationId: newId(body.commendationId, 'commendation', context),
        campaignId,
        proposingUnitId: body.proposingUnitId,
        nominee: { type: body.nominee.type as Proposal['nominee']['type'], id: body.nominee.id, name: body.nominee.name },
        category: body.category as Proposal['category'],
        awardForm: body.awardForm as Proposal['awardForm'],
        achievements: body.achievements,
        dossier: dossierOf(body.dossier),
        proposedOn: body.proposedOn ?? businessToday(),
      },
      context,
    );
  }

  @CommandRoute('commendations/:id/review', { status: 200, summary: "The campaign's issuing unit reviews a proposal: endorsed, or returned" })
  review(@IdParam() commendationId: string, @Body() body: ReviewCommendationRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send(
      { type: 'ReviewCommendation', commendationId, outcome: body.outcome as CommendationReviewed['data']['outcome'], note: body.note ?? null, reviewedOn: body.reviewedOn ?? businessToday() },
      context,
    );
  }

  @CommandRoute('commendations/:id/resubmit', { status: 200, summary: 'The proposing unit submits a returned proposal again, its dossier completed' })
  resubmit(@IdParam() commendationId: string, @Body() body: ResubmitCommendationRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send(
      {
        type: 'ResubmitCommendation',
        commendationId,
        achievements: body.achievements ?? null,
        dossier: body.dossier ? dossierOf(body.dossier) : null,
        note: body.note,
        resubmittedOn: body.resubmittedOn ?? businessToday(),
      },
      context,
    );
  }

  @CommandRoute('commendations/:id/decide', { status: 200, summary: "The council of the campaign's issuing unit decides an endorsed proposal: granted (with its decision number), rejected, or escalated" })
  decide(@IdParam() commendationId: string, @Body() body: DecideCommendationRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send(
      { type: 'DecideCommendation', commendationId, outcome: body.outcome as CommendationDecided['data']['outcome'], decisionNumber: body.decisionNumber ?? null, decidedOn: body.decidedOn },
      context,
    );
  }

  private send(command: CommendationCommand, context: CommandContext): Promise<CommandResult> {
    return this.commandBus.execute(new CommendationCommandMessage(command, context));
  }
}
