import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { type PeriodSnapshotSealed, periodSnapshotStream, SNAPSHOT_HASH_ALGORITHM } from '../../events/campaign/snapshot-events.js';
import type { AccessScope } from '../../infrastructure/auth/caller-scope.js';
import type { CommandContext, CommandResult } from '../../infrastructure/commands/command-context.js';
import { toNewEvents } from '../../infrastructure/commands/command-runner.js';
import { newId } from '../../infrastructure/commands/new-id.js';
import { decode, type StoredDomainEvent } from '../../infrastructure/event-store/domain-events.js';
import { EventStore, type StoredEvent } from '../../infrastructure/event-store/event-store.port.js';
import type { Projection } from '../../infrastructure/projections/projection.js';
import { ProjectionProgress } from '../../infrastructure/projections/projection-progress.js';
import { NotFound, RuleViolation } from '../../shared/domain-errors.js';
import { businessToday } from '../../shared/values.js';
import { campaignAt, knowledgeAt, type Queryable } from '../compliance/compliance-reader.js';
import { COMPLIANCE_PROJECTION, ComplianceProjection } from '../compliance/compliance.projection.js';
import { coveredUnit, type Question } from '../compliance/compliance.queries.js';
import { ORG_STRUCTURE_PROJECTION, OrgStructureProjection } from '../org-structure/org-structure.projection.js';
import { reachKnowledge } from '../shared/known-at.js';
import { withinScope } from '../shared/scope.js';
import { contentHash, type SnapshotDocument, snapshotDocument, type SnapshotUnit } from './snapshot-document.js';
import { SNAPSHOTS_PROJECTION } from './snapshots.projection.js';

/** A snapshot larger than this is refused: seal it a province (or a district) at a time. */
export const MAX_SNAPSHOT_UNITS = 20_000;

export interface SealRequest {
  readonly snapshotId?: string;
  readonly unitId: string;
  readonly asOf: string;
  readonly knownAt: Date | null;
}

export interface SealAnswer {
  readonly snapshotId: string;
  readonly contentHash: string;
  readonly position: string;
  readonly sealedPosition: string;
  readonly ledgerRoot: string | null;
  readonly units: number;
}

export interface SnapshotView {
  readonly snapshotId: string;
  readonly campaignId: string;
  readonly unitId: string;
  readonly asOf: string;
  readonly knownAt: string | null;
  readonly position: string;
  readonly contentHash: string;
  readonly hashAlgorithm: string;
  readonly sealedAt: string;
  readonly sealedBy: { readonly id: string; readonly role: string; readonly scopeUnitId: string | null };
  readonly sealedPosition: string;
  readonly document: SnapshotDocument;
}

export interface VerificationView {
  readonly snapshotId: string;
  readonly verified: boolean;
  readonly contentHash: string;
  readonly recomputedHash: string;
  /** The hash of the document as the service keeps it now (a copy changed in the database shows here). */
  readonly storedDocumentHash: string;
  readonly position: string;
  readonly eventsReplayed: number;
  /** Units whose recomputed standing differs from the sealed one (empty when verified). */
  readonly differingUnits: readonly string[];
}

export interface UnitStanding {
  readonly status: string;
  readonly requirements: Readonly<Record<string, string>>;
  readonly figures: Readonly<Record<string, number>>;
}

export interface RestatedUnit {
  readonly unitId: string;
  readonly code: string;
  readonly name: string;
  readonly before: UnitStanding | null;
  readonly after: UnitStanding | null;
  /** What differs: `status`, `requirements.<code>`, `figures.<name>`, or `unit` when it is only in one of them. */
  readonly changes: readonly string[];
  /** Events recorded after the snapshot's position, dated on or before asOf, about the unit or its members. */
  readonly causes: readonly string[];
}

export interface RestatementView {
  readonly snapshotId: string;
  readonly asOf: string;
  readonly sealedPosition: string;
  readonly position: string;
  readonly changed: boolean;
  readonly summary: { readonly before: UnitStanding; readonly after: UnitStanding | null; readonly changes: readonly string[] };
  readonly units: readonly RestatedUnit[];
}

interface SnapshotRow {
  snapshot_id: string;
  campaign_id: string;
  unit_id: string;
  as_of: string;
  known_at: Date | null;
  position: string;
  log_cursor: string | null;
  content_hash: string;
  hash_algorithm: string;
  document: SnapshotDocument;
  sealed_at: Date;
  sealed_by: SnapshotView['sealedBy'];
  sealed_position: string;
}

const VIEWS_READ = [ORG_STRUCTURE_PROJECTION, COMPLIANCE_PROJECTION];
const MAX_ATTEMPTS = 5;
/** What a question about a unit answers when the unit did not exist, or was not covered, on the date asked. */
const GONE = new Set(['org_unit.not_found', 'compliance.unit_not_covered']);

/**
 * Sealing period snapshots (the compliance of a subtree as of a date, as known at a time:
 * the document, its hash, the position it reflects, recorded by a PeriodSnapshotSealed
 * event), reading them back, verifying them against the events, and restating them with
 * today's knowledge.
 */
@Injectable()
export class PeriodSnapshots {
  constructor(
    private readonly ds: DataSource,
    private readonly store: EventStore,
    private readonly progress: ProjectionProgress,
  ) {}

  async seal(scope: AccessScope, campaignId: string, request: SealRequest, context: CommandContext): Promise<CommandResult & { answer: SealAnswer }> {
    const snapshotId = newId(request.snapshotId, 'snapshot', context);
    const question: Question = { scope, campaignId, asOf: request.asOf, knownAt: request.knownAt, minPosition: null };
    // Everything recorded before the seal (as known now) or by the time asked must have reached the views first.
    await reachKnowledge(this.progress, this.store, VIEWS_READ, request.knownAt === null ? await this.store.headPosition() : null, request.knownAt);
    const { document, cursor } = await this.readConsistently(question, request.unitId);
    if (context.replaying) {
      return { id: snapshotId, streamRevision: 0n, position: 0n, answer: { snapshotId, contentHash: '', position: '0', sealedPosition: '0', ledgerRoot: null, units: 0 } };
    }
    const hash = contentHash(document);
    const event: PeriodSnapshotSealed = {
      type: 'PeriodSnapshotSealed',
      data: {
        snapshotId,
        campaignId,
        unitId: request.unitId,
        asOf: request.asOf,
        knownAt: document.knownAt,
        position: document.position,
        logCursor: cursor,
        sealedOn: businessToday(),
        hashAlgorithm: SNAPSHOT_HASH_ALGORITHM,
        contentHash: hash,
        document: document as unknown as Record<string, unknown>,
      },
    };
    const stream = periodSnapshotStream(snapshotId);
    const appended = await this.store.appendToStream(stream, toNewEvents([event], context, stream), 'no_stream');
    return {
      id: snapshotId,
      streamRevision: appended.streamRevision,
      position: appended.position,
      answer: {
        snapshotId,
        contentHash: hash,
        position: document.position,
        sealedPosition: appended.position.toString(),
        ledgerRoot: null,
        units: document.units.length,
      },
    };
  }

  /**
   * The document as the views have it at one position, read in one repeatable-read
   * transaction: the hierarchy as the organisation view has it at its checkpoint, the
   * compliance rows known at that same position (waiting, if need be, for the compliance view
   * to get there). Asked as known at a time, the position is the last change recorded by then.
   */
  private async readConsistently(question: Question, unitId: string): Promise<{ document: SnapshotDocument; cursor: string | null }> {
    for (let attempt = 1; ; attempt++) {
      const qr = this.ds.createQueryRunner();
      await qr.connect();
      try {
        await qr.startTransaction('REPEATABLE READ');
        const checkpoints: { projection: string; position: string; log_cursor: string | null }[] = await qr.query(
          `SELECT projection, position, log_cursor FROM projection_checkpoints WHERE projection = ANY($1)`,
          [VIEWS_READ],
        );
        const org = checkpoints.find((c) => c.projection === ORG_STRUCTURE_PROJECTION);
        const compliance = checkpoints.find((c) => c.projection === COMPLIANCE_PROJECTION);
        const orgAt = BigInt(org?.position ?? 0);
        // The views stand at the end of a transaction, never in its middle (a batch of a large
        // import can end there), and the compliance view at least as far as the organisation's.
        const end = question.knownAt === null ? await this.store.endOfTransaction(orgAt) : orgAt;
        if (question.knownAt === null && (end > orgAt || BigInt(compliance?.position ?? 0) < orgAt)) {
          await qr.rollbackTransaction();
          if (attempt >= MAX_ATTEMPTS) throw new Error('the views did not come to rest at the end of a transaction');
          await this.progress.waitFor(VIEWS_READ, end);
          continue;
        }
        const k: bigint = question.knownAt === null ? orgAt : await knowledgeAt(qr, question.knownAt);
        const campaign = await campaignAt(qr, question.campaignId, question.asOf, k);
        await coveredUnit(qr, question, { campaign, knowledge: k, position: k, knownAt: '' }, unitId);
        const [size]: { n: number }[] = await qr.query(
          `SELECT count(*)::int AS n FROM org_unit_closure c WHERE c.ancestor_id = $1 AND c.valid_from <= $2::date AND (c.valid_to IS NULL OR c.valid_to > $2::date)`,
          [unitId, question.asOf],
        );
        if ((size?.n ?? 0) > MAX_SNAPSHOT_UNITS) {
          throw new RuleViolation('snapshot.too_large', `the subtree has ${size!.n} units on ${question.asOf}; a snapshot seals at most ${MAX_SNAPSHOT_UNITS}: seal its parts`, 'unitId');
        }
        const document = await snapshotDocument(
          qr,
          campaign,
          { campaignId: question.campaignId, unitId: unitId, asOf: question.asOf, knownAt: question.knownAt?.toISOString() ?? null, position: k },
          // Both views standing at that position (at rest), their latest rows are the rows known there: read those, the shorter way.
          question.knownAt === null && BigInt(compliance?.position ?? 0) === orgAt ? null : k,
        );
        await qr.commitTransaction();
        return { document, cursor: question.knownAt === null ? (org?.log_cursor ?? null) : null };
      } catch (error) {
        if (qr.isTransactionActive) await qr.rollbackTransaction();
        throw error;
      } finally {
        await qr.release();
      }
    }
  }

  async get(scope: AccessScope, snapshotId: string, minPosition: bigint | null): Promise<SnapshotView> {
    const row = await this.row(scope, snapshotId, minPosition);
    return {
      snapshotId: row.snapshot_id,
      campaignId: row.campaign_id,
      unitId: row.unit_id,
      asOf: row.as_of,
      knownAt: row.known_at?.toISOString() ?? null,
      position: row.position,
      contentHash: row.content_hash,
      hashAlgorithm: row.hash_algorithm,
      sealedAt: row.sealed_at.toISOString(),
      sealedBy: row.sealed_by,
      sealedPosition: row.sealed_position,
      document: row.document,
    };
  }

  private async row(scope: AccessScope, snapshotId: string, minPosition: bigint | null): Promise<SnapshotRow> {
    await this.progress.waitFor([SNAPSHOTS_PROJECTION, ORG_STRUCTURE_PROJECTION], minPosition);
    const [row]: SnapshotRow[] = await this.ds.query(
      `SELECT snapshot_id, campaign_id, unit_id, to_char(as_of, 'YYYY-MM-DD') AS as_of, known_at, position::text, log_cursor, content_hash,
              hash_algorithm, document, sealed_at, sealed_by, sealed_position::text
         FROM period_snapshots s WHERE s.snapshot_id = $1 AND ${withinScope('s.unit_id', '$2', 's.as_of')}`,
      [snapshotId, scope.unitId],
    );
    if (!row) throw new NotFound('snapshot.not_found', `no snapshot ${snapshotId}${scope.unitId === null ? '' : ` within the subtree of ${scope.unitId}`}`);
    return row;
  }

  /**
   * Recomputes the snapshot from the events alone: the organisation and compliance views are
   * rebuilt from the start of the log up to the snapshot's position, in a schema of their
   * own inside one transaction that is rolled back, and the document is read from them.
   */
  async verify(scope: AccessScope, snapshotId: string, minPosition: bigint | null): Promise<VerificationView> {
    const row = await this.row(scope, snapshotId, minPosition);
    const position = BigInt(row.position);
    const { document, events } = await replayed(this.ds, this.store, [new OrgStructureProjection(), new ComplianceProjection()], position, async (q) => {
      const campaign = await campaignAt(q, row.campaign_id, row.as_of, null);
      return snapshotDocument(q, campaign, { campaignId: row.campaign_id, unitId: row.unit_id, asOf: row.as_of, knownAt: row.document.knownAt, position }, null);
    });
    const recomputedHash = contentHash(document);
    const storedDocumentHash = contentHash(row.document);
    return {
      snapshotId,
      verified: recomputedHash === row.content_hash && storedDocumentHash === row.content_hash,
      contentHash: row.content_hash,
      recomputedHash,
      storedDocumentHash,
      position: row.position,
      eventsReplayed: events,
      differingUnits: differences(row.document, document).map((u) => u.unitId),
    };
  }

  /** The sealed answer against the same question answered with today's knowledge. */
  async restatement(scope: AccessScope, snapshotId: string, minPosition: bigint | null): Promise<RestatementView> {
    const row = await this.row(scope, snapshotId, minPosition);
    const sealed = row.document;
    const question: Question = { scope, campaignId: row.campaign_id, asOf: row.as_of, knownAt: null, minPosition: null };
    const now = await this.readConsistently(question, row.unit_id).then(
      (r) => r.document,
      async (error: unknown) => {
        // Learnt since: the unit had ended by asOf, or was not in the campaign's subtree then.
        // Every unit of the snapshot is gone from today's answer.
        if (!(error instanceof NotFound) || !GONE.has(error.code)) throw error;
        const [org]: { position: string }[] = await this.ds.query(`SELECT position::text AS position FROM projection_checkpoints WHERE projection = $1`, [ORG_STRUCTURE_PROJECTION]);
        return { ...sealed, position: org?.position ?? '0', summary: null, units: [] };
      },
    );
    const changed = differences(sealed, now);
    const causes = changed.length > 0 ? await this.causes(row, changed.map((u) => u.unitId)) : new Map<string, string[]>();
    const summaryBefore = standingOf(sealed.summary);
    const summaryAfter = now.summary === null ? null : standingOf(now.summary);
    const summaryChanges = changesBetween(summaryBefore, summaryAfter);
    return {
      snapshotId,
      asOf: row.as_of,
      sealedPosition: row.position,
      position: now.position,
      changed: changed.length > 0 || summaryChanges.length > 0,
      summary: { before: summaryBefore, after: summaryAfter, changes: summaryChanges },
      units: changed.map((u) => ({ ...u, causes: causes.get(u.unitId) ?? [] })),
    };
  }

  /**
   * The events recorded after the snapshot's position, dated on or before its asOf (or
   * undated), that name one of the units (or, for a member's fact, a unit the member belonged
   * to), or change the campaign's plan: what made each unit's standing change.
   */
  private async causes(row: SnapshotRow, unitIds: readonly string[]): Promise<Map<string, string[]>> {
    const wanted = new Set(unitIds);
    const out = new Map<string, string[]>();
    const position = BigInt(row.position);
    const types = [...new Set([...new ComplianceProjection().handles, ...new OrgStructureProjection().handles])];
    const memberUnits = new Map<string, string[]>();
    const related = new Map<string, string[]>();
    const parents = new Map(row.document.units.map((u) => [u.unitId, u.parentId]));
    const ancestors = (unitId: string): string[] => {
      const chain: string[] = [];
      for (let p = parents.get(unitId) ?? null; p !== null && chain.length < 32; p = parents.get(p) ?? null) chain.push(p);
      return chain;
    };
    let after: string | null = row.log_cursor;
    for (;;) {
      const page = await this.store.readAll({ after, maxCount: 1000, filter: { eventTypes: types } });
      for (const stored of page) {
        if (stored.position <= position) continue;
        const event = decode(stored);
        if (event.occurredOn !== null && event.occurredOn > row.as_of) continue;
        const data = event.data as unknown as Record<string, unknown>;
        if ('campaignId' in data && data['campaignId'] !== row.campaign_id) continue;
        const units = new Set<string>();
        for (const [key, value] of Object.entries(data)) if (/(unitId|parentId)$/i.test(key) && typeof value === 'string') units.add(value);
        if (event.type === 'CampaignPlanAmended') for (const u of wanted) units.add(u);
        const members = memberIdsOf(event);
        if (members.length > 0) for (const u of await this.unitsOfMembers(members, memberUnits)) units.add(u);
        // A unit moved, merged or ended takes the units under it (as the snapshot had them) along.
        if (event.type === 'OrgUnitTransferred' || event.type === 'OrgUnitMerged' || event.type === 'OrgUnitTerminated') {
          for (const u of wanted) if (ancestors(u).some((a) => units.has(a))) units.add(u);
        }
        // What changes a unit changes the figures of the units above it (as the snapshot had
        // them), and, for a unit ended since, of the units it merged into and of every unit it
        // was below up to asOf (as known now).
        for (const u of await this.relatedUnits([...units], row.as_of, related)) units.add(u);
        for (const u of [...units]) for (const a of ancestors(u)) units.add(a);
        for (const u of units) if (wanted.has(u)) out.set(u, [...(out.get(u) ?? []), event.id]);
      }
      if (page.length < 1000) break;
      after = page.at(-1)!.logCursor;
    }
    return out;
  }

  /** The units merged into (on and on), and every unit above any of them on a day up to `asOf`. */
  private async relatedUnits(unitIds: readonly string[], asOf: string, cache: Map<string, string[]>): Promise<string[]> {
    const missing = unitIds.filter((u) => !cache.has(u));
    if (missing.length > 0) {
      const rows: { unit_id: string; related: string }[] = await this.ds.query(
        `WITH RECURSIVE merged(unit_id, related) AS (
           SELECT u, u FROM unnest($1::uuid[]) AS u
           UNION SELECT m.unit_id, c.merged_into FROM merged m JOIN compliance_units c ON c.unit_id = m.related WHERE c.merged_into IS NOT NULL)
         SELECT unit_id, related FROM merged
         UNION SELECT m.unit_id, c.ancestor_id FROM merged m JOIN org_unit_closure c ON c.descendant_id = m.related WHERE c.valid_from <= $2::date`,
        [missing, asOf],
      );
      for (const u of missing) cache.set(u, rows.filter((r) => r.unit_id === u).map((r) => r.related));
    }
    return unitIds.flatMap((u) => cache.get(u) ?? []);
  }

  private async unitsOfMembers(memberIds: readonly string[], cache: Map<string, string[]>): Promise<string[]> {
    const missing = memberIds.filter((m) => !cache.has(m));
    if (missing.length > 0) {
      const rows: { member_id: string; unit_id: string }[] = await this.ds.query(
        `SELECT DISTINCT member_id, unit_id FROM compliance_member_spans WHERE member_id = ANY($1::uuid[])`,
        [missing],
      );
      for (const m of missing) cache.set(m, rows.filter((r) => r.member_id === m).map((r) => r.unit_id));
    }
    return memberIds.flatMap((m) => cache.get(m) ?? []);
  }

}

function memberIdsOf(event: StoredDomainEvent): string[] {
  const d = event.data as unknown as Record<string, unknown>;
  const ids: string[] = [];
  if (typeof d['memberId'] === 'string') ids.push(d['memberId']);
  for (const key of ['attendeeMemberIds', 'add', 'remove']) {
    const list = d[key];
    if (Array.isArray(list)) ids.push(...list.filter((x): x is string => typeof x === 'string'));
  }
  return ids;
}

function standingOf(u: Pick<SnapshotUnit, 'status' | 'requirements' | 'figures'>): UnitStanding {
  return {
    status: u.status,
    requirements: Object.fromEntries(u.requirements.map((r) => [r.code, r.status])),
    figures: { ...u.figures },
  };
}

function changesBetween(before: UnitStanding | null, after: UnitStanding | null): string[] {
  if (before === null || after === null) return ['unit'];
  const out: string[] = [];
  if (before.status !== after.status) out.push('status');
  for (const code of new Set([...Object.keys(before.requirements), ...Object.keys(after.requirements)])) {
    if (before.requirements[code] !== after.requirements[code]) out.push(`requirements.${code}`);
  }
  for (const name of new Set([...Object.keys(before.figures), ...Object.keys(after.figures)])) {
    if (before.figures[name] !== after.figures[name]) out.push(`figures.${name}`);
  }
  return out;
}

/** The units whose overall status, any requirement's status or any figure differs (or that are in one document only). */
export function differences(before: SnapshotDocument, after: Pick<SnapshotDocument, 'units'>): Omit<RestatedUnit, 'causes'>[] {
  const a = new Map(before.units.map((u) => [u.unitId, u]));
  const b = new Map(after.units.map((u) => [u.unitId, u]));
  const out: Omit<RestatedUnit, 'causes'>[] = [];
  for (const unitId of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(unitId);
    const y = b.get(unitId);
    const sx = x ? standingOf(x) : null;
    const sy = y ? standingOf(y) : null;
    const changes = changesBetween(sx, sy);
    if (changes.length > 0) out.push({ unitId, code: (y ?? x)!.code, name: (y ?? x)!.name, before: sx, after: sy, changes });
  }
  return out.sort((p, q) => (p.code < q.code ? -1 : p.code > q.code ? 1 : 0));
}

/**
 * Runs `work` on copies of the projections' tables rebuilt from the start of the log up to
 * `upTo`, in a schema of their own, inside one transaction rolled back at the end: nothing is
 * kept, and the live views are not touched.
 */
export async function replayed<T>(
  ds: DataSource,
  store: EventStore,
  projections: readonly Projection[],
  upTo: bigint,
  work: (q: Queryable) => Promise<T>,
): Promise<{ document: T; events: number }> {
  const qr: QueryRunner = ds.createQueryRunner();
  await qr.connect();
  const schema = `replay_${randomBytes(6).toString('hex')}`;
  try {
    await qr.startTransaction();
    await qr.query(`CREATE SCHEMA ${schema}`);
    for (const p of projections) for (const t of p.tables) await qr.query(`CREATE TABLE ${schema}.${t} (LIKE public.${t} INCLUDING ALL)`);
    await qr.query(`SET LOCAL search_path = ${schema}, public`);
    const types = [...new Set(projections.flatMap((p) => p.handles))];
    let after: string | null = null;
    let count = 0;
    for (;;) {
      const page: StoredEvent[] = await store.readAll({ after, maxCount: 1000, filter: { eventTypes: types } });
      const events = page.filter((e) => e.position <= upTo).map(decode);
      count += events.length;
      for (const p of projections) {
        const mine = events.filter((e) => (p.handles as readonly string[]).includes(e.type));
        if (mine.length > 0) await p.apply(mine as never, qr.manager);
      }
      if (page.length < 1000 || page.at(-1)!.position >= upTo) break;
      after = page.at(-1)!.logCursor;
    }
    return { document: await work(qr), events: count };
  } finally {
    if (qr.isTransactionActive) await qr.rollbackTransaction();
    await qr.release();
  }
}

