import { Body, Controller } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { PledgeReviewed } from '../../../events/campaign/pledge-events.js';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { newId } from '../../../infrastructure/commands/new-id.js';
import { CommandRoute } from '../../../infrastructure/http/command-route.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { IdParam } from '../../../infrastructure/http/validators.js';
import { businessToday } from '../../../shared/values.js';
import type { PledgeCommand } from './pledge.decider.js';
import { PledgeCommandMessage } from './pledge.handler.js';
import { RevisePledgeRequest, ReviewPledgeRequest, SubmitPledgeRequest, WithdrawPledgeRequest } from './pledge.requests.js';

@ApiTags('campaign')
@Controller()
export class PledgeController {
  constructor(private readonly commandBus: CommandBus) {}

  @CommandRoute('campaigns/:id/pledges', { status: 201, summary: "File a member's pledge (one per member per campaign; a late or short one is recorded and judged by the views)" })
  submit(@IdParam() campaignId: string, @Body() body: SubmitPledgeRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    const pledgeId = newId(body.pledgeId, 'pledge', context);
    return this.send({ type: 'SubmitPledge', pledgeId, campaignId, memberId: body.memberId, items: body.items, submittedOn: body.submittedOn, submittedTo: body.submittedTo }, context);
  }

  @CommandRoute('pledges/:id/revise', { status: 200, summary: "Revise a pledge's items, with a reason; the items before are kept" })
  revise(@IdParam() pledgeId: string, @Body() body: RevisePledgeRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'RevisePledge', pledgeId, items: body.items, revisedOn: body.revisedOn, reason: body.reason }, context);
  }

  @CommandRoute('pledges/:id/review', { status: 200, summary: 'Review a pledge at the end of the year; a reviewed pledge is final' })
  review(@IdParam() pledgeId: string, @Body() body: ReviewPledgeRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'ReviewPledge', pledgeId, outcome: body.outcome as PledgeReviewed['data']['outcome'], reviewedOn: body.reviewedOn, note: body.note ?? null }, context);
  }

  @CommandRoute('pledges/:id/withdraw', { status: 200, summary: 'Withdraw a pledge, with a reason; the member may then file another' })
  withdraw(@IdParam() pledgeId: string, @Body() body: WithdrawPledgeRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    return this.send({ type: 'WithdrawPledge', pledgeId, withdrawnOn: body.withdrawnOn ?? businessToday(), reason: body.reason }, context);
  }

  private send(command: PledgeCommand, context: CommandContext): Promise<CommandResult> {
    return this.commandBus.execute(new PledgeCommandMessage(command, context));
  }
}
