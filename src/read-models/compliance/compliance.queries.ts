import { IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { DataSource } from 'typeorm';
import type { OrgLevel } from '../../events/org/org-unit-events.js';
import type { AccessScope } from '../../infrastructure/auth/caller-scope.js';
import { RequestValidationError } from '../../infrastructure/http/validation.js';
import { ProjectionProgress } from '../../infrastructure/projections/projection-progress.js';
import { NotFound } from '../../shared/domain-errors.js';
import { addDays } from '../../shared/values.js';
import { MEMBERSHIP_PROJECTION } from '../membership/membership.projection.js';
import { ORG_STRUCTURE_PROJECTION } from '../org-structure/org-structure.projection.js';
import { decodeCursor, encodeCursor } from '../shared/query-params.js';
import { asKnownAt, reachKnowledge } from '../shared/known-at.js';
import { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { withinScope } from '../shared/scope.js';
import {
  addFigures,
  type CampaignAt,
  campaignAt,
  childrenCompliance,
  type ComplianceFigures,
  type Knowledge,
  knowledgeAt,
  publicFigures,
  type Queryable,
  rollups,
  type StatusCounts,
  subtreeCompliance,
  type UnitCompliance,
  unitCompliance,
  type UnitRef,
} from './compliance-reader.js';
import type { ComplianceStatus, RequirementResult } from './compliance-rules.js';
import { COMPLIANCE_PROJECTION } from './compliance.projection.js';

export const COMPLIANCE_VIEWS = [ORG_STRUCTURE_PROJECTION, MEMBERSHIP_PROJECTION, COMPLIANCE_PROJECTION];

/** The question every compliance view answers: which campaign, as of which day, as known when. */
export interface Question {
  readonly scope: AccessScope;
  readonly campaignId: string;
  readonly asOf: string;
  /** Null: as known now. */
  readonly knownAt: Date | null;
  readonly minPosition: bigint | null;
}

/** Where a question stands: the campaign as known then, and the position the answer reflects. */
export interface Standing {
  readonly campaign: CampaignAt;
  readonly knowledge: Knowledge;
  readonly position: bigint;
  readonly knownAt: string;
}

export interface ComplianceView {
  readonly campaignId: string;
  readonly unit: UnitRef;
  readonly status: ComplianceStatus;
  readonly requirements: readonly RequirementResult[];
  readonly figures: ComplianceFigures;
  readonly children: { readonly total: number; readonly byStatus: StatusCounts };
  readonly subtree: { readonly total: number; readonly byStatus: StatusCounts };
  readonly asOf: string;
  readonly knownAt: string;
  readonly position: string;
}

export type ChildCompliance = Omit<ComplianceView, 'campaignId' | 'children' | 'asOf' | 'knownAt' | 'position'>;

export interface ChildrenComplianceView {
  readonly campaignId: string;
  readonly unitId: string;
  readonly asOf: string;
  readonly knownAt: string;
  readonly items: readonly ChildCompliance[];
  readonly nextCursor: string | null;
  readonly position: string;
}

export interface OverdueItem {
  readonly unit: UnitRef;
  readonly code: string;
  readonly status: 'missed' | 'pending';
  readonly dueOn: string;
  readonly value: number | null;
  readonly threshold: number | null;
}

export interface OverdueView {
  readonly campaignId: string;
  readonly unitId: string;
  readonly asOf: string;
  readonly knownAt: string;
  readonly dueWithinDays: number;
  readonly items: readonly OverdueItem[];
  readonly nextCursor: string | null;
  readonly position: string;
}

export class GetComplianceQuery {
  constructor(
    readonly question: Question,
    readonly unitId: string,
  ) {}
}

export class ListChildrenComplianceQuery {
  constructor(
    readonly question: Question,
    readonly unitId: string,
    readonly filter: { readonly status: ComplianceStatus | null; readonly level: OrgLevel | null },
    readonly limit: number,
    readonly cursor: string | null,
  ) {}
}

export class ListOverdueQuery {
  constructor(
    readonly question: Question,
    readonly unitId: string,
    readonly limit: number,
    readonly cursor: string | null,
  ) {}
}

/** Pending requirements due within this many days of asOf are listed as overdue-to-be. */
export const DUE_SOON_DAYS = 14;

/** Strings by code point: the order of every cursor of these views. */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Waits for the views, then fixes what the answer is as known at: the latest knowledge (the
 * views' position), or the last change recorded by `knownAt`.
 */
export async function stand(ds: DataSource, progress: ProjectionProgress, store: EventStore, q: Question, views: readonly string[] = COMPLIANCE_VIEWS): Promise<Standing> {
  const reached = await reachKnowledge(progress, store, views, q.minPosition, q.knownAt);
  const knowledge = q.knownAt === null ? null : await knowledgeAt(ds, q.knownAt);
  const campaign = await campaignAt(ds, q.campaignId, q.asOf, knowledge);
  return { campaign, knowledge, position: knowledge ?? reached, knownAt: (q.knownAt ?? new Date()).toISOString() };
}

/**
 * The unit, visible to the caller and covered by the campaign on asOf (within the issuing
 * unit's subtree that day); else 404, revealing nothing more.
 */
export async function coveredUnit(q: Queryable, question: Question, s: Standing, unitId: string): Promise<UnitCompliance> {
  // Visibility is the caller's scope as it stands; coverage, the campaign's subtree as known at the question's time.
  const [row] = await q.query<{ visible: boolean; covered: boolean }[]>(
    asKnownAt(
      `SELECT ${withinScope('$1', '$2', '$3')} AS visible,
              ($1::uuid = $4::uuid OR EXISTS (
                 SELECT 1 FROM org_unit_closure c
                  WHERE c.ancestor_id = $4::uuid AND c.descendant_id = $1::uuid AND c.valid_from <= $3::date AND (c.valid_to IS NULL OR c.valid_to > $3::date))) AS covered`,
      s.knowledge,
      '$5',
      ['org_unit_closure'],
    ),
    [unitId, question.scope.unitId, question.asOf, s.campaign.issuingUnitId, s.knowledge?.toString() ?? null],
  );
  const unit = row?.visible ? await unitCompliance(q, s.campaign, unitId, question.asOf, s.knowledge) : null;
  if (!unit) {
    throw new NotFound(
      'org_unit.not_found',
      `org unit ${unitId} does not exist on ${question.asOf}${question.scope.unitId === null ? '' : ` within the subtree of ${question.scope.unitId}`}`,
    );
  }
  if (!row!.covered) {
    throw new NotFound(
      'compliance.unit_not_covered',
      `campaign ${question.campaignId} does not cover unit ${unitId} on ${question.asOf}: it is not within the subtree of the issuing unit that day`,
    );
  }
  return unit;
}

@QueryHandler(GetComplianceQuery)
export class GetComplianceHandler implements IQueryHandler<GetComplianceQuery, ComplianceView> {
  constructor(
    private readonly ds: DataSource,
    private readonly progress: ProjectionProgress,
    private readonly store: EventStore,
  ) {}

  async execute({ question, unitId }: GetComplianceQuery): Promise<ComplianceView> {
    const s = await stand(this.ds, this.progress, this.store, question);
    const unit = await coveredUnit(this.ds, question, s, unitId);
    const rollup = (await rollups(this.ds, s.campaign, [unitId], question.asOf, s.knowledge)).get(unitId)!;
    const { parentId: _, ...ref } = unit.unit;
    return {
      campaignId: question.campaignId,
      unit: ref,
      status: unit.status,
      requirements: unit.requirements,
      figures: publicFigures(addFigures({ ...rollup.below }, unit.ownFigures)),
      children: rollup.children,
      subtree: rollup.subtree,
      asOf: question.asOf,
      knownAt: s.knownAt,
      position: s.position.toString(),
    };
  }
}

/**
 * The children of a unit, each with its own standing and its subtree's figures and counts;
 * filtered by status and level, then paged by code.
 */
@QueryHandler(ListChildrenComplianceQuery)
export class ListChildrenComplianceHandler implements IQueryHandler<ListChildrenComplianceQuery, ChildrenComplianceView> {
  constructor(
    private readonly ds: DataSource,
    private readonly progress: ProjectionProgress,
    private readonly store: EventStore,
  ) {}

  async execute(q: ListChildrenComplianceQuery): Promise<ChildrenComplianceView> {
    const after = readCursor(q.cursor);
    const { question } = q;
    const s = await stand(this.ds, this.progress, this.store, question);
    await coveredUnit(this.ds, question, s, q.unitId);
    // Ordered and paged here, by code point, whatever the database's collation: the cursor compares the same way.
    const keyOf = (c: UnitCompliance): string => `${c.unit.code}\u0000${c.unit.unitId}`;
    const children = (await childUnits(this.ds, s, q.unitId, question.asOf))
      .filter((c) => (q.filter.status === null || c.status === q.filter.status) && (q.filter.level === null || c.unit.level === q.filter.level))
      .sort((a, b) => compareText(keyOf(a), keyOf(b)))
      .filter((c) => after === null || keyOf(c) > `${after[0]}\u0000${after[1]}`);
    const page = children.slice(0, q.limit);
    const sums = await rollups(this.ds, s.campaign, page.map((c) => c.unit.unitId), question.asOf, s.knowledge);
    const last = page.at(-1);
    return {
      campaignId: question.campaignId,
      unitId: q.unitId,
      asOf: question.asOf,
      knownAt: s.knownAt,
      items: page.map((c) => {
        const r = sums.get(c.unit.unitId)!;
        const { parentId: _, ...ref } = c.unit;
        return { unit: ref, status: c.status, requirements: c.requirements, figures: publicFigures(addFigures({ ...r.below }, c.ownFigures)), subtree: r.subtree };
      }),
      nextCursor: children.length > q.limit && last ? encodeCursor([last.unit.code, last.unit.unitId]) : null,
      position: s.position.toString(),
    };
  }
}

function readCursor(cursor: string | null): [string, string] | null {
  if (cursor === null) return null;
  const values = decodeCursor(cursor, 2);
  if (values === null) throw new RequestValidationError([{ field: 'cursor', message: 'cursor is not one returned by a previous page' }]);
  return [values[0]!, values[1]!];
}

/** The active children of a unit on asOf with their own standing, by code. */
async function childUnits(q: Queryable, s: Standing, unitId: string, asOf: string): Promise<UnitCompliance[]> {
  return childrenCompliance(q, s.campaign, unitId, asOf, s.knowledge);
}

/** Requirements missed, or pending and due within DUE_SOON_DAYS of asOf, across the subtree (the unit included), by unit code. */
@QueryHandler(ListOverdueQuery)
export class ListOverdueHandler implements IQueryHandler<ListOverdueQuery, OverdueView> {
  constructor(
    private readonly ds: DataSource,
    private readonly progress: ProjectionProgress,
    private readonly store: EventStore,
  ) {}

  async execute(q: ListOverdueQuery): Promise<OverdueView> {
    const after = q.cursor === null ? null : decodeCursor(q.cursor, 3);
    if (q.cursor !== null && after === null) throw new RequestValidationError([{ field: 'cursor', message: 'cursor is not one returned by a previous page' }]);
    const { question } = q;
    const s = await stand(this.ds, this.progress, this.store, question);
    await coveredUnit(this.ds, question, s, q.unitId);
    const soon = addDays(question.asOf, DUE_SOON_DAYS);
    const items: (OverdueItem & { key: string[] })[] = [];
    for (const u of await subtreeCompliance(this.ds, s.campaign, q.unitId, question.asOf, s.knowledge)) {
      for (const r of u.requirements) {
        const due = r.status === 'missed' || (r.status === 'pending' && r.dueOn <= soon);
        if (!due) continue;
        const { parentId: _, ...ref } = u.unit;
        const key = [u.unit.code, u.unit.unitId, r.code];
        items.push({ unit: ref, code: r.code, status: r.status as 'missed' | 'pending', dueOn: r.dueOn, value: r.value, threshold: r.threshold, key });
      }
    }
    // Ordered and paged by the cursor's own key, by code point (not by the database's collation).
    const listed = items
      .sort((a, b) => compareText(a.key.join('\u0000'), b.key.join('\u0000')))
      .filter((item) => after === null || item.key.join('\u0000') > after.join('\u0000'));
    const page = listed.slice(0, q.limit);
    const last = page.at(-1);
    return {
      campaignId: question.campaignId,
      unitId: q.unitId,
      asOf: question.asOf,
      knownAt: s.knownAt,
      dueWithinDays: DUE_SOON_DAYS,
      items: page.map(({ key: _, ...item }) => item),
      nextCursor: listed.length > q.limit && last ? encodeCursor(last.key) : null,
      position: s.position.toString(),
    };
  }
}

