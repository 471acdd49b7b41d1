import { createHash } from 'node:crypto';
import { canonicalJson } from '../../shared/canonical-json.js';
import {
  addFigures,
  type CampaignAt,
  type ComplianceFigures,
  type Knowledge,
  publicFigures,
  type Queryable,
  rollups,
  type StatusCounts,
  subtreeCompliance,
  type UnitRef,
} from '../compliance/compliance-reader.js';
import type { ComplianceStatus, RequirementResult } from '../compliance/compliance-rules.js';

export interface SnapshotUnit extends UnitRef {
  readonly parentId: string | null;
  readonly status: ComplianceStatus;
  readonly requirements: readonly RequirementResult[];
  /** The unit's figures as its view gives them: an upper level's are those of its whole subtree. */
  readonly figures: ComplianceFigures;
}

/**
 * What a period snapshot seals: the question, the answer for the unit asked (its own
 * requirements, its subtree's figures, its children and subtree by status), and every unit of
 * the subtree on asOf with its own standing and its figures (its subtree's), by code.
 */
export interface SnapshotDocument {
  readonly campaignId: string;
  readonly unitId: string;
  readonly asOf: string;
  readonly knownAt: string | null;
  readonly position: string;
  readonly summary: {
    readonly unit: UnitRef;
    readonly status: ComplianceStatus;
    readonly requirements: readonly RequirementResult[];
    readonly figures: ComplianceFigures;
    readonly children: { readonly total: number; readonly byStatus: StatusCounts };
    readonly subtree: { readonly total: number; readonly byStatus: StatusCounts };
  };
  readonly units: readonly SnapshotUnit[];
}

export interface SnapshotQuestion {
  readonly campaignId: string;
  readonly unitId: string;
  readonly asOf: string;
  readonly knownAt: string | null;
  readonly position: bigint;
}

/** The document of a snapshot, read from the views as known at `k` (the views of a replay, for a verification). */
export async function snapshotDocument(q: Queryable, campaign: CampaignAt, question: SnapshotQuestion, k: Knowledge): Promise<SnapshotDocument> {
  const rows = await subtreeCompliance(q, campaign, question.unitId, question.asOf, k);
  const root = rows.find((r) => r.unit.unitId === question.unitId);
  if (!root) throw new Error(`unit ${question.unitId} is not active on ${question.asOf}`);
  // The unit's answer is the compliance view's, from the same sums.
  const sums = await rollups(q, campaign, rows.map((r) => r.unit.unitId), question.asOf, k);
  const rollup = sums.get(question.unitId)!;
  const figures = addFigures({ ...rollup.below }, root.ownFigures);
  const { children, subtree } = rollup;
  const { parentId: _, ...rootRef } = root.unit;
  return {
    campaignId: question.campaignId,
    unitId: question.unitId,
    asOf: question.asOf,
    knownAt: question.knownAt,
    position: question.position.toString(),
    summary: { unit: rootRef, status: root.status, requirements: root.requirements, figures: publicFigures(figures), children, subtree },
    units: rows.map((r) => ({
      ...r.unit,
      status: r.status,
      requirements: r.requirements,
      figures: publicFigures(addFigures({ ...sums.get(r.unit.unitId)!.below }, r.ownFigures)),
    })),
  };
}

/** SHA-256 of the canonical JSON (RFC 8785) of the document, in lower-case hex. */
export const contentHash = (document: unknown): string => createHash('sha256').update(canonicalJson(document), 'utf8').digest('hex');
