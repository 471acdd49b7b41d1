import { Body, Controller, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Access } from '../../infrastructure/auth/access-policy.js';
import { type AccessScope, CallerScope } from '../../infrastructure/auth/caller-scope.js';
import type { CommandContext, CommandResult } from '../../infrastructure/commands/command-context.js';
import { CommandRoute } from '../../infrastructure/http/command-route.js';
import { CommandCtx } from '../../infrastructure/http/request-context.js';
import { knowledgeTime, UuidParam } from '../../infrastructure/http/validators.js';
import { ViewQuery } from '../../infrastructure/http/view-query.js';
import { ViewRoute } from '../../infrastructure/http/view-route.js';
import { RuleViolation } from '../../shared/domain-errors.js';
import { businessToday } from '../../shared/values.js';
import { toPosition } from '../shared/query-params.js';
import { PeriodSnapshots, type RestatementView, type SealAnswer, type SnapshotView, type VerificationView } from './period-snapshots.js';
import { RestatementAnswer, SealAnswerClass, SealSnapshotRequest, SnapshotAnswer, VerificationAnswer } from './snapshots.requests.js';

@ApiTags('snapshots')
@Controller()
export class SnapshotsController {
  constructor(private readonly snapshots: PeriodSnapshots) {}

  @CommandRoute('campaigns/:id/snapshots', {
    status: 201,
    access: Access.seal,
    answer: SealAnswerClass,
    summary: 'Seal the compliance of a subtree as of a date (and as known now, or at knownAt)',
    description:
      'Upstream bodies and admins, within their subtree. The document (every unit of the subtree on asOf with its standing, and the unit’s rollup), ' +
      'its SHA-256 over RFC 8785 canonical JSON, and the log position it reflects are recorded by a PeriodSnapshotSealed event. ' +
      `At most 20,000 units (422 snapshot.too_large). asOf after today: 422 date.in_future.`,
  })
  async seal(
    @Param('id', new UuidParam('id')) campaignId: string,
    @Body() body: SealSnapshotRequest,
    @CallerScope() scope: AccessScope,
    @CommandCtx() context: CommandContext,
  ): Promise<CommandResult & { answer: SealAnswer }> {
    if (body.asOf > businessToday()) throw new RuleViolation('date.in_future', `asOf ${body.asOf} is after today (${businessToday()})`, 'asOf');
    const knownAt = body.knownAt === undefined ? null : knowledgeTime(body.knownAt);
    return this.snapshots.seal(scope, campaignId, { snapshotId: body.snapshotId, unitId: body.unitId, asOf: body.asOf, knownAt }, context);
  }

  @ViewRoute('snapshots/:id', { summary: 'A sealed snapshot: its document, hash, position, when and by whom it was sealed', answer: SnapshotAnswer })
  get(@Param('id', new UuidParam('id')) snapshotId: string, @Query() query: ViewQuery, @CallerScope() scope: AccessScope): Promise<SnapshotView> {
    return this.snapshots.get(scope, snapshotId, toPosition(query.minPosition));
  }

  @ViewRoute('snapshots/:id/verify', {
    summary: 'Recompute a snapshot from the events up to its position and compare',
    answer: VerificationAnswer,
    description:
      'The organisation and compliance views are rebuilt from the start of the log up to the snapshot’s position (in a throwaway schema), ' +
      'the document read from them and hashed: verified when that hash and the hash of the kept copy are the sealed contentHash. ' +
      'It reads every organisation and campaign event up to the position: seconds for a province, longer for larger logs.',
  })
  verify(@Param('id', new UuidParam('id')) snapshotId: string, @Query() query: ViewQuery, @CallerScope() scope: AccessScope): Promise<VerificationView> {
    return this.snapshots.verify(scope, snapshotId, toPosition(query.minPosition));
  }

  @ViewRoute('snapshots/:id/restatement', {
    summary: 'What today’s knowledge says differently from a sealed snapshot',
    answer: RestatementAnswer,
    description: 'The same question (asOf) answered as known now; every unit whose status, a requirement’s status or a figure changed, with the later-recorded events behind it.',
  })
  restatement(@Param('id', new UuidParam('id')) snapshotId: string, @Query() query: ViewQuery, @CallerScope() scope: AccessScope): Promise<RestatementView> {
    return this.snapshots.restatement(scope, snapshotId, toPosition(query.minPosition));
  }
}
