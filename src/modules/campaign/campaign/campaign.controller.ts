import { Body, Controller, Param, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import type { CampaignPlanIssued, Requirements } from '../../../events/campaign/campaign-events.js';
import { type AccessScope, CallerScope } from '../../../infrastructure/auth/caller-scope.js';
import type { CommandContext, CommandResult } from '../../../infrastructure/commands/command-context.js';
import { newId } from '../../../infrastructure/commands/new-id.js';
import { CommandRoute } from '../../../infrastructure/http/command-route.js';
import { CommandCtx } from '../../../infrastructure/http/request-context.js';
import { IdParam, UuidParam } from '../../../infrastructure/http/validators.js';
import { ViewQuery } from '../../../infrastructure/http/view-query.js';
import { ViewRoute } from '../../../infrastructure/http/view-route.js';
import { businessToday } from '../../../shared/values.js';
import type { AmendCampaignPlan, CampaignCommand } from './campaign.decider.js';
import { CampaignCommandMessage } from './campaign.handler.js';
import { CampaignPlanReader } from './campaign.query.js';
import { AmendCampaignRequest, IssueCampaignRequest, type RequirementsRequest } from './campaign.requests.js';
import { CampaignAnswer } from './campaign.responses.js';

type Level = Requirements extends { study?: { levels: infer L } } ? L : never;

/** The requirements as stored: every default written out, so the event says all it means. */
function requirementsOf(r: RequirementsRequest): AmendCampaignPlan['requirements'] {
  const out: Record<string, unknown> = {};
  if (r.study !== undefined) {
    out['study'] =
      r.study === null
        ? null
        : { ...opt('dueOn', r.study.dueOn), levels: (r.study.levels ?? ['grassroots']) as Level, ...opt('minAttendanceRatio', r.study.minAttendanceRatio) };
  }
  if (r.pledge !== undefined) {
    out['pledge'] =
      r.pledge === null
        ? null
        : { ...opt('dueOn', r.pledge.dueOn), levels: (r.pledge.levels ?? ['grassroots']) as Level, minItems: r.pledge.minItems, minRatio: r.pledge.minRatio ?? 1 };
  }
  if (r.actionPlan !== undefined) {
    out['actionPlan'] =
      r.actionPlan === null ? null : { ...opt('dueOn', r.actionPlan.dueOn), levels: r.actionPlan.levels as Level, minFocalTasks: r.actionPlan.minFocalTasks };
  }
  if (r.implementationPlan !== undefined) {
    out['implementationPlan'] =
      r.implementationPlan === null ? null : { ...opt('dueOn', r.implementationPlan.dueOn), levels: (r.implementationPlan.levels ?? ['district']) as Level };
  }
  if (r.reports !== undefined) {
    out['reports'] = r.reports === null ? null : r.reports.map((x) => ({ kind: x.kind, ...opt('dueOn', x.dueOn), levels: x.levels as Level }));
  }
  return out as AmendCampaignPlan['requirements'];
}

const opt = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));

@ApiTags('campaign')
@Controller('campaigns')
export class CampaignController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly reader: CampaignPlanReader,
  ) {}

  @CommandRoute('', { status: 201, summary: "Issue a campaign's plan for the subtree of a unit, with the year's requirements" })
  issue(@Body() body: IssueCampaignRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    const d = body.document;
    const requirements = requirementsOf(body.requirements) as Requirements;
    for (const key of Object.keys(requirements) as (keyof Requirements)[]) if (requirements[key] === null) delete requirements[key];
    return this.send(
      {
        type: 'IssueCampaignPlan',
        campaignId: newId(body.campaignId, 'campaign', context),
        issuingUnitId: body.issuingUnitId,
        year: body.year,
        theme: body.theme,
        endsOn: body.endsOn ?? null,
        acceptsFacts: body.acceptsFacts ? { from: body.acceptsFacts.from, until: body.acceptsFacts.until } : null,
        document: {
          number: d.number ?? null,
          kind: d.kind as CampaignPlanIssued['data']['document']['kind'],
          title: d.title,
          issuedOn: d.issuedOn,
          dateAsWritten: d.dateAsWritten ?? null,
          issuedBy: d.issuedBy ?? null,
          signedBy: { name: d.signedBy.name, position: d.signedBy.position },
        },
        references: body.references.map((r) => ({ number: r.number, issuedOn: r.issuedOn ?? null, issuer: r.issuer, title: r.title })),
        recipients: body.recipients,
        materials: body.materials.map((m) => ({ title: m.title, url: m.url ?? null })),
        requirements,
      },
      context,
    );
  }

  @CommandRoute(':id/amend', { status: 200, summary: "Amend a campaign's plan: parts of its requirements, its end, the dates it accepts, with a reason" })
  amend(@IdParam() campaignId: string, @Body() body: AmendCampaignRequest, @CommandCtx() context: CommandContext): Promise<CommandResult> {
    const d = body.document;
    return this.send(
      {
        type: 'AmendCampaignPlan',
        campaignId,
        amendedOn: body.amendedOn ?? d?.issuedOn ?? businessToday(),
        requirements: requirementsOf(body.requirements),
        endsOn: body.endsOn ?? null,
        acceptsFacts: body.acceptsFacts ? { from: body.acceptsFacts.from, until: body.acceptsFacts.until } : null,
        reason: body.reason,
        document: d
          ? { number: d.number ?? null, title: d.title, issuedOn: d.issuedOn, signedBy: d.signedBy ? { name: d.signedBy.name, position: d.signedBy.position } : null }
          : null,
      },
      context,
    );
  }

  @ViewRoute(':id', {
    summary: "A campaign's plan as issued, its amendments, and its requirements as they now stand",
    answer: CampaignAnswer,
    description:
      'Read from the campaign’s own stream, so never behind: minPosition is accepted and always already reached. For callers whose unit is above, at or below the issuing unit today; otherwise 404.',
  })
  // minPosition is validated (ViewQuery) but never waited for: the answer is read from the stream itself.
  get(@Param('id', new UuidParam('id')) campaignId: string, @Query() _query: ViewQuery, @CallerScope() scope: AccessScope): Promise<CampaignAnswer> {
    return this.reader.read(campaignId, scope);
  }

  private send(command: CampaignCommand, context: CommandContext): Promise<CommandResult> {
    return this.commandBus.execute(new CampaignCommandMessage(command, context));
  }
}
