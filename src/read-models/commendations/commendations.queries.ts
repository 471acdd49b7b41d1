import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { IsIn, IsOptional } from 'class-validator';
import { DataSource } from 'typeorm';
import { AWARD_FORMS, COMMENDATION_CATEGORIES } from '../../events/campaign/commendation-events.js';
import { ORG_LEVELS } from '../../events/org/org-unit-events.js';
import { IsId } from '../../infrastructure/http/validators.js';
import { RequestValidationError } from '../../infrastructure/http/validation.js';
import { ProjectionProgress } from '../../infrastructure/projections/projection-progress.js';
import type { UnitRef } from '../compliance/compliance-reader.js';
import { PagedComplianceQuery } from '../compliance/compliance.requests.js';
import { compareText, coveredUnit, type Question, COMPLIANCE_VIEWS, stand } from '../compliance/compliance.queries.js';
import { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { UnitRefAnswer } from '../compliance/compliance.responses.js';
import { asKnownAt } from '../shared/known-at.js';
import { decodeCursor, encodeCursor } from '../shared/query-params.js';
import { COMMENDATIONS_PROJECTION } from './commendations.projection.js';

export const COMMENDATION_STATUSES = ['proposed', 'endorsed', 'returned', 'granted', 'rejected', 'escalated'] as const;
export type CommendationStatus = (typeof COMMENDATION_STATUSES)[number];
type AwardForm = (typeof AWARD_FORMS)[number];
export type PipelineCounts = Record<CommendationStatus, number>;

const zero = (): PipelineCounts => Object.fromEntries(COMMENDATION_STATUSES.map((s) => [s, 0])) as PipelineCounts;

export class CommendationsQuery extends PagedComplianceQuery {
  @ApiProperty({ format: 'uuid', description: 'Proposals by this unit and every unit under it on asOf' })
  @IsId()
  unitId!: string;

  @ApiPropertyOptional({ enum: COMMENDATION_STATUSES, description: 'Only proposals with this status on asOf (the counts cover all)' })
  @IsOptional()
  @IsIn([...COMMENDATION_STATUSES], { message: `$property must be one of: ${COMMENDATION_STATUSES.join(', ')}` })
  status?: CommendationStatus;
}

export interface CommendationItem {
  readonly commendationId: string;
  readonly proposingUnit: UnitRef;
  readonly nominee: { readonly type: 'member' | 'unit'; readonly id: string; readonly name: string };
  readonly category: (typeof COMMENDATION_CATEGORIES)[number];
  readonly awardForm: AwardForm;
  readonly status: CommendationStatus;
  readonly statusOn: string;
  readonly decisionNumber: string | null;
}

export interface CommendationsView {
  readonly campaignId: string;
  readonly unitId: string;
  readonly asOf: string;
  readonly knownAt: string;
  readonly total: number;
  readonly counts: PipelineCounts;
  readonly byAwardForm: Record<AwardForm, PipelineCounts>;
  readonly items: readonly CommendationItem[];
  readonly nextCursor: string | null;
  readonly position: string;
}

export class ListCommendationsQuery {
  constructor(
    readonly question: Question,
    readonly unitId: string,
    readonly status: CommendationStatus | null,
    readonly limit: number,
    readonly cursor: string | null,
  ) {}
}

/**
 * The commendation pipeline of a subtree as of a date: each proposal's status from its last
 * step dated by then (and, asked as known at a time, recorded by then), counted by status and
 * by award form, and listed by proposing unit, award form and nominee.
 */
@QueryHandler(ListCommendationsQuery)
export class ListCommendationsHandler implements IQueryHandler<ListCommendationsQuery, CommendationsView> {
  constructor(
    private readonly ds: DataSource,
    private readonly progress: ProjectionProgress,
    private readonly store: EventStore,
  ) {}

  async execute(q: ListCommendationsQuery): Promise<CommendationsView> {
    const after = q.cursor === null ? null : decodeCursor(q.cursor, 4);
    if (q.cursor !== null && after === null) throw new RequestValidationError([{ field: 'cursor', message: 'cursor is not one returned by a previous page' }]);
    const { question } = q;
    const standing = await stand(this.ds, this.progress, this.store, question, [...COMPLIANCE_VIEWS, COMMENDATIONS_PROJECTION]);
    const knowledge = standing.knowledge;
    await coveredUnit(this.ds, question, standing, q.unitId);
    const rows: {
      commendation_id: string;
      proposing_unit_id: string;
      code: string;
      name: string;
      level: (typeof ORG_LEVELS)[number];
      nominee: CommendationItem['nominee'];
      category: CommendationItem['category'];
      award_form: AwardForm;
      status: CommendationStatus;
      on_date: string;
      decision_number: string | null;
    }[] = await this.ds.query(
      asKnownAt(
        `WITH sub AS (
         SELECT c.descendant_id AS unit_id FROM org_unit_closure c
          WHERE c.ancestor_id = $2 AND c.valid_from <= $3::date AND (c.valid_to IS NULL OR c.valid_to > $3::date)),
       latest AS (
         SELECT DISTINCT ON (s.commendation_id) s.* FROM commendation_steps s
          WHERE s.campaign_id = $1 AND s.proposing_unit_id IN (SELECT unit_id FROM sub) AND s.on_date <= $3::date
            AND ($4::timestamptz IS NULL OR s.recorded_at <= $4::timestamptz)
          ORDER BY s.commendation_id, s.on_date DESC, s.position DESC)
       SELECT l.commendation_id, l.proposing_unit_id, v.code, v.name, v.level, l.nominee, l.category, l.award_form, l.status,
              to_char(l.on_date, 'YYYY-MM-DD') AS on_date, l.decision_number
         FROM latest l JOIN org_unit_versions v ON v.unit_id = l.proposing_unit_id AND v.valid_from <= $3::date AND (v.valid_to IS NULL OR v.valid_to > $3::date)
        ORDER BY v.code, l.award_form, l.nominee->>'name', l.commendation_id`,
        knowledge,
        '$5',
        ['org_unit_versions', 'org_unit_closure'],
      ),
      [question.campaignId, q.unitId, question.asOf, question.knownAt, knowledge?.toString() ?? null],
    );
    const counts = zero();
    const byAwardForm = Object.fromEntries(AWARD_FORMS.map((f) => [f, zero()])) as Record<AwardForm, PipelineCounts>;
    for (const r of rows) {
      counts[r.status]++;
      byAwardForm[r.award_form][r.status]++;
    }
    const keyOf = (r: (typeof rows)[number]) => [r.code, r.award_form, r.nominee.name, r.commendation_id];
    // Ordered and paged by the cursor's own key, by code point (not by the database's collation).
    const listed = rows
      .sort((a, b) => compareText(keyOf(a).join('\u0000'), keyOf(b).join('\u0000')))
      .filter((r) => q.status === null || r.status === q.status)
      .filter((r) => after === null || keyOf(r).join('\u0000') > after.join('\u0000'));
    const page = listed.slice(0, q.limit);
    const last = page.at(-1);
    return {
      campaignId: question.campaignId,
      unitId: q.unitId,
      asOf: question.asOf,
      knownAt: standing.knownAt,
      total: rows.length,
      counts,
      byAwardForm,
      items: page.map((r) => ({
        commendationId: r.commendation_id,
        proposingUnit: { unitId: r.proposing_unit_id, code: r.code, name: r.name, level: r.level },
        nominee: r.nominee,
        category: r.category,
        awardForm: r.award_form,
        status: r.status,
        statusOn: r.on_date,
        decisionNumber: r.decision_number,
      })),
      nextCursor: listed.length > q.limit && last ? encodeCursor(keyOf(last)) : null,
      position: standing.position.toString(),
    };
  }
}

export class PipelineCountsAnswer implements PipelineCounts {
  @ApiProperty() proposed!: number;
  @ApiProperty() endorsed!: number;
  @ApiProperty() returned!: number;
  @ApiProperty() granted!: number;
  @ApiProperty() rejected!: number;
  @ApiProperty() escalated!: number;
}

export class ByAwardFormAnswer implements Record<AwardForm, PipelineCounts> {
  @ApiProperty({ type: PipelineCountsAnswer, description: 'Biểu dương' }) public_praise!: PipelineCountsAnswer;
  @ApiProperty({ type: PipelineCountsAnswer, description: 'Giấy khen' }) certificate_of_merit!: PipelineCountsAnswer;
  @ApiProperty({ type: PipelineCountsAnswer, description: 'Bằng khen' }) diploma_of_merit!: PipelineCountsAnswer;
}

export class NomineeAnswer {
  @ApiProperty({ enum: ['member', 'unit'] }) type!: 'member' | 'unit';
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
}

export class CommendationItemAnswer implements CommendationItem {
  @ApiProperty({ format: 'uuid' }) commendationId!: string;
  @ApiProperty({ type: UnitRefAnswer }) proposingUnit!: UnitRefAnswer;
  @ApiProperty({ type: NomineeAnswer }) nominee!: NomineeAnswer;
  @ApiProperty({ enum: COMMENDATION_CATEGORIES }) category!: CommendationItem['category'];
  @ApiProperty({ enum: AWARD_FORMS }) awardForm!: AwardForm;
  @ApiProperty({ enum: COMMENDATION_STATUSES, description: 'On asOf' }) status!: CommendationStatus;
  @ApiProperty({ format: 'date', description: 'The date of the step that gave it' }) statusOn!: string;
  @ApiProperty({ type: String, nullable: true }) decisionNumber!: string | null;
}

export class CommendationsAnswer implements CommendationsView {
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ format: 'date' }) asOf!: string;
  @ApiProperty({ format: 'date-time' }) knownAt!: string;
  @ApiProperty({ description: 'Proposals in the subtree by asOf' }) total!: number;
  @ApiProperty({ type: PipelineCountsAnswer, description: 'By status on asOf' }) counts!: PipelineCountsAnswer;
  @ApiProperty({ type: ByAwardFormAnswer }) byAwardForm!: ByAwardFormAnswer;
  @ApiProperty({ type: CommendationItemAnswer, isArray: true, description: 'By proposing unit code, award form, nominee' }) items!: CommendationItemAnswer[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
  @ApiProperty({ example: '4096' }) position!: string;
}
