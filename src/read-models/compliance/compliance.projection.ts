import type { EntityManager } from 'typeorm';
import { amendRequirements, type ReportKind, type Requirements } from '../../events/campaign/campaign-events.js';
import type { EventOfType } from '../../events/event-catalogue.js';
import type { OrgLevel } from '../../events/org/org-unit-events.js';
import type { StoredDomainEvent } from '../../infrastructure/event-store/domain-events.js';
import type { Projection } from '../../infrastructure/projections/projection.js';
import { canonicalJson } from '../../shared/canonical-json.js';
import { unappliedEvents } from '../shared/stream-revisions.js';
import { recordKnowledge } from '../shared/history.js';
import { type HierarchyTables, refreshOrgUnitClosure } from '../org-structure/org-unit-closure.js';
import { applyOrgUnitEvent, ORG_STRUCTURE_EVENT_TYPES } from '../org-structure/org-structure.projection.js';
import {
  addPairShare,
  addUnitShare,
  changesOf,
  type CountSegment,
  NOWHERE,
  type PairSegment,
  type Place,
  readPlaces,
  RollupDeltas,
  type RollupChange,
  writeRollupChanges,
} from './compliance-rollups.js';
import {
  type CampaignPlan,
  type MemberFacts,
  memberCountTimeline,
  type PledgeFacts,
  type ReportStep,
  type Segment,
  type Span,
  timeline,
  type UnitFacts,
} from './compliance-rules.js';

export const COMPLIANCE_PROJECTION = 'compliance';

const STREAM_REVISIONS = 'compliance_stream_revisions';

const HANDLES = [
  'OrgUnitEstablished',
  'OrgUnitRenamed',
  'OrgUnitTransferred',
  'OrgUnitMerged',
  'OrgUnitTerminated',
  'MemberEnrolled',
  'MemberTransferred',
  'MemberLeft',
  'CampaignPlanIssued',
  'CampaignPlanAmended',
  'StudySessionHeld',
  'StudySessionAttendanceCorrected',
  'StudySessionVoided',
  'PledgeSubmitted',
  'PledgeRevised',
  'PledgeWithdrawn',
  'ImplementationPlanIssued',
  'ActionPlanAdopted',
  'ReportSubmitted',
  'ReportAmended',
  'ReportReturned',
] as const;
type ComplianceEvent = StoredDomainEvent<EventOfType<(typeof HANDLES)[number]>>;

/** What the projection keeps of a campaign: the plan as issued, its amendments, and the versions they make. */
export interface StoredPlan extends CampaignPlan {
  readonly issuingUnitId: string;
  /** The log position of the plan's issue. */
  readonly issuedPosition: string;
  readonly amendments: readonly { amendedOn: string; position: string; endsOn: string | null; requirements: Record<string, unknown> }[];
  readonly issued: { readonly endsOn: string; readonly requirements: Requirements };
}

/** A unit's own facts for one campaign, as stored. */
interface StoredUnitFacts {
  sessions: Record<string, string>;
  implementationPlanOn: string | null;
  actionPlan: { adoptedOn: string; focalTasks: number } | null;
  reports: Partial<Record<ReportKind, (ReportStep & { seq: string })[]>>;
}

/** A member's facts for one campaign, as stored. */
interface StoredMemberFacts {
  studied: Record<string, string>;
  /** By pledge id: a member may file again after withdrawing. */
  pledges: Record<string, PledgeFacts>;
}

interface UnitRow {
  readonly level: OrgLevel;
  endedOn: string | null;
  mergedInto: string | null;
}

interface RawSpan {
  readonly unitId: string;
  readonly from: string;
  readonly to: string | null;
}

/** When a change became known: the position of the last event of its group, its transaction, and when it was recorded. */
interface Mark {
  position: bigint;
  readonly transaction: string;
  readonly recordedAt: Date;
}

const emptyUnitFacts = (): StoredUnitFacts => ({ sessions: {}, implementationPlanOn: null, actionPlan: null, reports: {} });
const emptyMemberFacts = (): StoredMemberFacts => ({ studied: {}, pledges: {} });
const MAX_HOPS = 32;

const pairKey = (campaignId: string, unitId: string): string => `c ${campaignId} ${unitId}`;
const countKey = (unitId: string): string => `m ${unitId}`;

/**
 * The compliance of every unit with every campaign, as a timeline over business days, and
 * each unit's member count over business days; both bitemporal (see the migration). For each
 * event it finds the timelines the event can change, computes them afresh from the working
 * state (`compliance-rules.ts`) and writes the difference: the rows that no longer hold are
 * closed at the event's position, the new ones inserted from it. Events stored together
 * (one transaction: one bulk import) are one change of knowledge: a timeline touched several
 * times by them is computed once.
 */
export class ComplianceProjection implements Projection<(typeof HANDLES)[number]> {
  readonly name = COMPLIANCE_PROJECTION;
  readonly handles = HANDLES;
  readonly tables = [
    'compliance_units',
    'compliance_member_spans',
    'compliance_campaigns',
    'compliance_unit_facts',
    'compliance_member_facts',
    'compliance_sessions',
    'compliance_versions',
    'unit_member_versions',
    'compliance_knowledge',
    'compliance_org_versions',
    'compliance_org_closure',
    'unit_rollups',
    'compliance_rollups',
    STREAM_REVISIONS,
  ];

  async apply(events: readonly ComplianceEvent[], manager: EntityManager): Promise<void> {
    const batch = new Batch(manager);
    const fresh = await unappliedEvents(manager, STREAM_REVISIONS, events);
    await batch.prefetch(fresh);
    for (const event of fresh) {
      const mark: Mark = { position: event.position, transaction: event.transaction, recordedAt: event.recordedAt };
      await batch.knowledgeAt(mark);
      if (isHierarchyEvent(event)) await batch.hierarchyEvent(event, mark);
      const touched = await batch.touchedBy(event);
      await batch.settleBefore(touched, mark);
      await batch.applyState(event);
      batch.markPending(touched, mark);
    }
    await batch.endOfHierarchyChange();
    await batch.settleAll();
    await batch.writeRollups();
    await batch.writeDocs();
  }
}

const HIERARCHY_EVENTS: ReadonlySet<string> = new Set(ORG_STRUCTURE_EVENT_TYPES);
const isHierarchyEvent = (e: ComplianceEvent): e is StoredDomainEvent<EventOfType<(typeof ORG_STRUCTURE_EVENT_TYPES)[number]>> => HIERARCHY_EVENTS.has(e.type);

/** The view's copy of the hierarchy. */
const HIERARCHY: HierarchyTables = { versions: 'compliance_org_versions', closure: 'compliance_org_closure' };

/** One batch's work: caches of the working state, the timelines waiting to be computed. */
class Batch {
  private readonly units = new Map<string, UnitRow | null>();
  private readonly plans = new Map<string, StoredPlan | null>();
  private readonly unitFacts = new Map<string, StoredUnitFacts>();
  private readonly memberFacts = new Map<string, StoredMemberFacts>();
  private readonly dirtyUnitFacts = new Set<string>();
  private readonly dirtyMemberFacts = new Set<string>();
  private readonly pending = new Map<string, Mark>();
  /** Each member's spans as enrolled and transferred, once read in this batch (kept in step with every change). */
  private readonly spans = new Map<string, RawSpan[]>();
  /** The campaigns each member has facts for, once read in this batch. */
  private readonly memberCampaigns = new Map<string, Set<string>>();
  /** The campaigns each unit has a stored timeline for, once read in this batch. */
  private readonly unitCampaigns = new Map<string, Set<string>>();
  private spanInserts: { memberId: string; from: string; unitId: string }[] = [];
  /**
   * The change of the hierarchy under way (hierarchy events of one transaction): the places the
   * units it changes had before it, the units it establishes, the units whose parent it changed.
   */
  private hierarchy: { mark: Mark; before: Map<string, Place>; established: Set<string>; moved: Set<string> } | null = null;
  /** The last position of each change of knowledge of the batch, by its transaction. */
  private readonly known = new Map<string, Mark>();
  /** The changes of the rollups, written at the end of the batch. */
  private unitRollups: RollupChange[] = [];
  private complianceRollups: RollupChange[] = [];

  constructor(private readonly m: EntityManager) {}

  // ---- the hierarchy and what it adds up to ---------------------------------------------

  /**
   * Notes the change of knowledge the event belongs to (every one is recorded, whatever it
   * changed: a question as known at a time reads the plan as it was then); one of another
   * transaction than the change of the hierarchy under way ends it.
   */
  async knowledgeAt(mark: Mark): Promise<void> {
    const known = this.known.get(mark.transaction);
    if (!known || known.position < mark.position) this.known.set(mark.transaction, { ...mark });
    if (this.hierarchy && this.hierarchy.mark.transaction !== mark.transaction) await this.endOfHierarchyChange();
  }

  /**
   * Applies a hierarchy event to the view's copy of the hierarchy, after noting the places of
   * the units it can move (the unit and every unit below it on any day) as they were before
   * the change of knowledge it belongs to.
   */
  async hierarchyEvent(e: StoredDomainEvent<EventOfType<(typeof ORG_STRUCTURE_EVENT_TYPES)[number]>>, mark: Mark): Promise<void> {
    if (!this.hierarchy) {
      // Timelines waiting from an earlier change are computed in the places they were known in.
      await this.settleOlderThan(mark);
      this.hierarchy = { mark: { ...mark }, before: new Map(), established: new Set(), moved: new Set() };
    }
    const h = this.hierarchy;
    h.mark.position = mark.position;
    if (e.type === 'OrgUnitEstablished') h.established.add(e.data.unitId);
    else {
      const below: { descendant_id: string }[] = await this.m.query(`SELECT DISTINCT descendant_id FROM compliance_org_closure WHERE ancestor_id = $1`, [e.data.unitId]);
      const fresh = [...new Set([e.data.unitId, ...below.map((r) => r.descendant_id)])].filter((u) => !h.before.has(u) && !h.established.has(u));
      for (const [u, place] of await readPlaces(this.m, fresh)) h.before.set(u, place);
    }
    for (const u of await applyOrgUnitEvent(e, e.position, this.m, HIERARCHY)) h.moved.add(u);
  }

  /**
   * The end of a change of the hierarchy: the closure refreshed for the units that moved, and
   * what each unit it touched adds above it moved from its old places to its new ones, with
   * its timelines as they stand (those waiting are computed afterwards, in the new places).
   */
  async endOfHierarchyChange(): Promise<void> {
    const h = this.hierarchy;
    if (!h) return;
    this.hierarchy = null;
    await refreshOrgUnitClosure(this.m, [...h.moved], HIERARCHY);
    const units = [...new Set([...h.before.keys(), ...h.established])];
    const after = await readPlaces(this.m, units);
    const counts: { unit_id: string; valid_from: string; valid_to: string | null; members: number }[] = await this.m.query(
      `SELECT unit_id, to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to, members
         FROM unit_member_versions WHERE unit_id = ANY($1::uuid[]) AND known_to IS NULL`,
      [units],
    );
    const pairs: (Record<string, unknown> & { campaign_id: string; unit_id: string; valid_from: string; valid_to: string | null })[] = await this.m.query(
      `SELECT campaign_id, unit_id, to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to, ${PAIR_COLUMNS.filter((c) => c !== 'requirements').join(', ')}
         FROM compliance_versions WHERE unit_id = ANY($1::uuid[]) AND known_to IS NULL`,
      [units],
    );
    const countsOf = groupBy(counts, (r) => r.unit_id);
    const pairsOf = groupBy(pairs, (r) => `${r.campaign_id} ${r.unit_id}`);
    const unitDeltas = new RollupDeltas('unit_rollups');
    for (const u of units) {
      const before = h.established.has(u) ? NOWHERE : h.before.get(u)!;
      const segments = (countsOf.get(u) ?? []).map((r) => ({ from: r.valid_from, to: r.valid_to, members: r.members }));
      addUnitShare(unitDeltas, before, segments, -1);
      addUnitShare(unitDeltas, after.get(u)!, segments, 1);
    }
    const campaignDeltas = new Map<string, RollupDeltas>();
    for (const rows of pairsOf.values()) {
      const { campaign_id: campaignId, unit_id: u } = rows[0]!;
      const deltas = campaignDeltas.get(campaignId) ?? new RollupDeltas('compliance_rollups');
      campaignDeltas.set(campaignId, deltas);
      const segments = rows.map((r) => pairSegment({ from: r.valid_from, to: r.valid_to, payload: r }));
      addPairShare(deltas, h.established.has(u) ? NOWHERE : h.before.get(u)!, segments, -1);
      addPairShare(deltas, after.get(u)!, segments, 1);
    }
    const end = this.endOf(h.mark);
    this.unitRollups.push(...changesOf(unitDeltas, null, end));
    for (const [c, d] of campaignDeltas) this.complianceRollups.push(...changesOf(d, c, end));
  }

  /**
   * The position a change of knowledge ends at, as far as the batch has read: what it changes
   * in the rollups is written there, so that every position a question can be asked at (the
   * end of a change of knowledge, or of a batch) sees all of it or none of it, in the places
   * the units have there.
   */
  private endOf(mark: Mark): bigint {
    return this.known.get(mark.transaction)!.position;
  }

  /**
   * Records when each change of knowledge the batch read was recorded (at its last position
   * read), and writes the changes of the rollups the batch made. Timelines are computed when
   * their state is next needed, not in log order, so their changes are written together at the
   * end, each at the end of its change of knowledge (all after those of earlier batches).
   */
  async writeRollups(): Promise<void> {
    await recordKnowledge(this.m, 'compliance_knowledge', [...this.known.values()]);
    await writeRollupChanges(this.m, 'unit_rollups', this.unitRollups);
    await writeRollupChanges(this.m, 'compliance_rollups', this.complianceRollups);
    this.unitRollups = [];
    this.complianceRollups = [];
  }

  /**
   * What the timelines written add above their units moves from their old rows to their new
   * ones, at the end of the change of knowledge each was made by (`ends`, by key).
   */
  private async rollUp(counts: readonly TimelineItem[], pairs: readonly TimelineItem[], old: { counts: Written; pairs: Written }, ends: ReadonlyMap<string, bigint>): Promise<void> {
    const changedCounts = counts.filter((i) => old.counts.changed.has(keyText(i.key)));
    const changedPairs = pairs.filter((i) => old.pairs.changed.has(keyText(i.key)));
    if (changedCounts.length === 0 && changedPairs.length === 0) return;
    const places = await readPlaces(this.m, [...new Set([...changedCounts, ...changedPairs].map((i) => i.key['unit_id']!))]);
    const deltas = new Map<string, { campaignId: string | null; position: bigint; deltas: RollupDeltas }>();
    const deltasOf = (campaignId: string | null, position: bigint): RollupDeltas => {
      const k = `${campaignId} ${position}`;
      if (!deltas.has(k)) deltas.set(k, { campaignId, position, deltas: new RollupDeltas(campaignId === null ? 'unit_rollups' : 'compliance_rollups') });
      return deltas.get(k)!.deltas;
    };
    for (const item of changedCounts) {
      const place = places.get(item.key['unit_id']!)!;
      const out = deltasOf(null, ends.get(keyText(item.key))!);
      addUnitShare(out, place, (old.counts.rows.get(keyText(item.key)) ?? []).map(countSegment), -1);
      addUnitShare(out, place, item.fresh.map(countSegment), 1);
    }
    for (const item of changedPairs) {
      const place = places.get(item.key['unit_id']!)!;
      const out = deltasOf(item.key['campaign_id']!, ends.get(keyText(item.key))!);
      addPairShare(out, place, (old.pairs.rows.get(keyText(item.key)) ?? []).map(pairSegment), -1);
      addPairShare(out, place, item.fresh.map(pairSegment), 1);
    }
    for (const d of deltas.values()) (d.campaignId === null ? this.unitRollups : this.complianceRollups).push(...changesOf(d.deltas, d.campaignId, d.position));
  }

  /** Reads at once the spans and campaigns of every member the events name. */
  async prefetch(events: readonly ComplianceEvent[]): Promise<void> {
    const members = new Set<string>();
    for (const e of events) {
      const d = e.data as { memberId?: string; attendeeMemberIds?: string[]; add?: string[]; remove?: string[] };
      if (d.memberId) members.add(d.memberId);
      for (const list of [d.attendeeMemberIds, d.add, d.remove]) for (const id of list ?? []) members.add(id);
    }
    if (members.size === 0) return;
    await this.rawSpans([...members]);
    await this.loadMemberCampaigns([...members]);
  }

  // ---- the timelines an event can change ------------------------------------------------

  async touchedBy(e: ComplianceEvent): Promise<Set<string>> {
    const keys = new Set<string>();
    const pairs = (campaignId: string, unitIds: Iterable<string>): void => {
      for (const u of unitIds) keys.add(pairKey(campaignId, u));
    };
    switch (e.type) {
      case 'OrgUnitEstablished':
      case 'OrgUnitRenamed':
      case 'OrgUnitTransferred':
      case 'CampaignPlanIssued':
        return keys;
      case 'OrgUnitMerged':
      case 'OrgUnitTerminated': {
        const units = new Set([e.data.unitId]);
        if (e.type === 'OrgUnitMerged') for (const u of await this.chain(e.data.intoUnitId)) units.add(u);
        await this.everyTimelineOf(units, keys);
        return keys;
      }
      case 'MemberEnrolled':
      case 'MemberTransferred':
      case 'MemberLeft': {
        const memberId = e.data.memberId;
        const units = new Set(await this.unitsOfMember(memberId));
        if (e.type === 'MemberEnrolled') for (const u of await this.chain(e.data.unitId)) units.add(u);
        if (e.type === 'MemberTransferred') for (const u of await this.chain(e.data.toUnitId)) units.add(u);
        await this.everyTimelineOf(units, keys);
        for (const campaignId of await this.campaignsOfMember(memberId)) pairs(campaignId, units);
        return keys;
      }
      case 'CampaignPlanAmended': {
        const rows: { unit_id: string }[] = await this.m.query(
          `SELECT DISTINCT unit_id FROM compliance_versions WHERE campaign_id = $1 AND known_to IS NULL`,
          [e.data.campaignId],
        );
        pairs(e.data.campaignId, rows.map((r) => r.unit_id));
        for (const key of this.pending.keys()) if (key.startsWith(`c ${e.data.campaignId} `)) keys.add(key);
        return keys;
      }
      case 'StudySessionHeld':
      case 'StudySessionAttendanceCorrected':
      case 'StudySessionVoided': {
        const { campaignId, unitId, sessionId } = e.data;
        keys.add(pairKey(campaignId, unitId));
        let members: readonly string[];
        if (e.type === 'StudySessionHeld') members = e.data.attendeeMemberIds;
        else if (e.type === 'StudySessionAttendanceCorrected') members = [...e.data.add, ...e.data.remove];
        else members = await this.attendees(sessionId);
        pairs(campaignId, await this.unitsOfMembers(members));
        return keys;
      }
      case 'PledgeSubmitted':
      case 'PledgeRevised':
      case 'PledgeWithdrawn':
        pairs(e.data.campaignId, await this.unitsOfMember(e.data.memberId));
        return keys;
      case 'ImplementationPlanIssued':
      case 'ActionPlanAdopted':
      case 'ReportSubmitted':
      case 'ReportAmended':
      case 'ReportReturned':
        keys.add(pairKey(e.data.campaignId, e.data.unitId));
        return keys;
      default: {
        const unreachable: never = e;
        return unreachable;
      }
    }
  }

  /**
   * Member counts of the units, and their timelines for every campaign any of them has one
   * for (stored or waiting): members moving between them carry their facts along.
   */
  private async everyTimelineOf(units: Set<string>, keys: Set<string>): Promise<void> {
    if (units.size === 0) return;
    for (const u of units) keys.add(countKey(u));
    const missing = [...units].filter((u) => !this.unitCampaigns.has(u));
    if (missing.length > 0) {
      const rows: { campaign_id: string; unit_id: string }[] = await this.m.query(
        `SELECT DISTINCT campaign_id, unit_id FROM compliance_versions WHERE unit_id = ANY($1::uuid[]) AND known_to IS NULL`,
        [missing],
      );
      for (const u of missing) this.unitCampaigns.set(u, new Set());
      for (const r of rows) this.unitCampaigns.get(r.unit_id)!.add(r.campaign_id);
    }
    const campaigns = new Set<string>();
    for (const u of units) for (const c of this.unitCampaigns.get(u)!) campaigns.add(c);
    for (const key of this.pending.keys()) {
      const [kind, campaignId, unitId] = key.split(' ');
      if (kind === 'c' && units.has(unitId!)) campaigns.add(campaignId!);
    }
    for (const c of campaigns) for (const u of units) keys.add(pairKey(c, u));
  }

  // ---- when timelines are computed -------------------------------------------------------

  /** Timelines waiting for a change of another transaction are computed before the next change touches their state. */
  async settleBefore(keys: Set<string>, mark: Mark): Promise<void> {
    const due: [string, Mark][] = [];
    for (const key of keys) {
      const waiting = this.pending.get(key);
      if (waiting && waiting.transaction !== mark.transaction) {
        due.push([key, waiting]);
        this.pending.delete(key);
      }
    }
    await this.settle(due);
  }

  markPending(keys: Set<string>, mark: Mark): void {
    for (const key of keys) {
      const waiting = this.pending.get(key);
      if (waiting) waiting.position = mark.position;
      else this.pending.set(key, { ...mark });
    }
  }

  /** Computes every timeline waiting for a change of another transaction than `mark`'s. */
  async settleOlderThan(mark: Mark): Promise<void> {
    const due: [string, Mark][] = [];
    for (const [key, waiting] of this.pending) if (waiting.transaction !== mark.transaction) due.push([key, waiting]);
    for (const [key] of due) this.pending.delete(key);
    await this.settle(due);
  }

  async settleAll(): Promise<void> {
    const due = [...this.pending];
    this.pending.clear();
    await this.settle(due);
  }

  /**
   * Computes the given timelines afresh and writes their differences, each at its own
   * position: the units' members, their facts and the stored rows are read for all of them at
   * once, and the rows written in one statement per table.
   */
  private async settle(due: readonly [string, Mark][]): Promise<void> {
    if (due.length === 0) return;
    await this.flushSpans();
    const counts: { unitId: string; position: bigint }[] = [];
    const pairs: { campaignId: string; unitId: string; position: bigint }[] = [];
    const ends = new Map<string, bigint>();
    for (const [key, mark] of due) {
      const [kind, a, b] = key.split(' ');
      if (kind === 'm') {
        counts.push({ unitId: a!, position: mark.position });
        ends.set(keyText({ unit_id: a! }), this.endOf(mark));
      } else {
        pairs.push({ campaignId: a!, unitId: b!, position: mark.position });
        ends.set(keyText({ campaign_id: a!, unit_id: b! }), this.endOf(mark));
      }
    }
    const members = await this.membersOfUnits([...new Set([...counts.map((c) => c.unitId), ...pairs.map((p) => p.unitId)])]);

    const countItems: TimelineItem[] = counts.map((c) => ({
      key: { unit_id: c.unitId },
      position: c.position,
      fresh: memberCountTimeline((members.get(c.unitId) ?? []).flatMap((m) => m.spans)).map((x) => ({ from: x.from, to: x.to, payload: { members: x.members } })),
    }));
    const writtenCounts = await writeTimelines(this.m, 'unit_member_versions', countItems);

    const items: TimelineItem[] = [];
    for (const campaignId of new Set(pairs.map((p) => p.campaignId))) {
      const plan = await this.plan(campaignId);
      if (!plan) continue;
      const mine = pairs.filter((p) => p.campaignId === campaignId);
      await this.loadMemberFacts(campaignId, mine.flatMap((p) => (members.get(p.unitId) ?? []).map((x) => x.memberId)));
      await this.loadUnitFacts(campaignId, mine.map((p) => p.unitId));
      for (const pair of mine) {
        const unit = await this.unit(pair.unitId);
        if (!unit) continue;
        const facts = await this.factsOfUnit(campaignId, pair.unitId);
        const inputs: UnitFacts = {
          level: unit.level,
          sessions: Object.values(facts.sessions),
          implementationPlanOn: facts.implementationPlanOn,
          actionPlan: facts.actionPlan,
          reports: facts.reports,
          members: (members.get(pair.unitId) ?? []).map(({ memberId, spans }): MemberFacts => {
            const f = this.memberFacts.get(`${campaignId} ${memberId}`) ?? emptyMemberFacts();
            return { spans, studiedOn: Object.values(f.studied), pledges: inOrder(f.pledges) };
          }),
        };
        items.push({
          key: { campaign_id: campaignId, unit_id: pair.unitId },
          position: pair.position,
          fresh: timeline(plan, inputs).map((x) => ({ from: x.from, to: x.to, payload: versionColumns(x) })),
        });
        this.unitCampaigns.get(pair.unitId)?.add(campaignId);
      }
    }
    const writtenPairs = await writeTimelines(this.m, 'compliance_versions', items);
    await this.rollUp(countItems, items, { counts: writtenCounts, pairs: writtenPairs }, ends);
  }

  // ---- the working state -----------------------------------------------------------------

  async applyState(e: ComplianceEvent): Promise<void> {
    switch (e.type) {
      case 'OrgUnitRenamed':
      case 'OrgUnitTransferred':
        return;
      case 'OrgUnitEstablished':
        await this.m.query(`INSERT INTO compliance_units (unit_id, level) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [e.data.unitId, e.data.level]);
        this.units.set(e.data.unitId, { level: e.data.level, endedOn: null, mergedInto: null });
        return;
      case 'OrgUnitMerged':
      case 'OrgUnitTerminated': {
        const into = e.type === 'OrgUnitMerged' ? e.data.intoUnitId : null;
        await this.m.query(`UPDATE compliance_units SET ended_on = $2, merged_into = $3 WHERE unit_id = $1`, [e.data.unitId, e.data.effectiveOn, into]);
        const unit = await this.unit(e.data.unitId);
        if (unit) {
          unit.endedOn = e.data.effectiveOn;
          unit.mergedInto = into;
        }
        return;
      }
      case 'MemberEnrolled':
        this.spanInserts.push({ memberId: e.data.memberId, from: e.data.joinedOn, unitId: e.data.unitId });
        this.spans.set(e.data.memberId, [...(this.spans.get(e.data.memberId) ?? []).filter((x) => x.from !== e.data.joinedOn), { unitId: e.data.unitId, from: e.data.joinedOn, to: null }]);
        return;
      case 'MemberTransferred':
      case 'MemberLeft': {
        await this.flushSpans();
        const { memberId, effectiveOn } = e.data;
        const kept = ((await this.rawSpans([memberId])).get(memberId) ?? [])
          .filter((x) => x.from < effectiveOn)
          .map((x) => (x.to === null || x.to > effectiveOn ? { ...x, to: effectiveOn } : x));
        if (e.type === 'MemberTransferred') kept.push({ unitId: e.data.toUnitId, from: effectiveOn, to: null });
        this.spans.set(memberId, kept);
        await this.m.query(`DELETE FROM compliance_member_spans WHERE member_id = $1 AND valid_from >= $2`, [memberId, effectiveOn]);
        await this.m.query(`UPDATE compliance_member_spans SET valid_to = $2 WHERE member_id = $1 AND (valid_to IS NULL OR valid_to > $2)`, [
          memberId,
          effectiveOn,
        ]);
        if (e.type === 'MemberTransferred') this.spanInserts.push({ memberId, from: effectiveOn, unitId: e.data.toUnitId });
        return;
      }
      case 'CampaignPlanIssued': {
        const d = e.data;
        const plan = planFrom({ issuedOn: d.document.issuedOn, issuingUnitId: d.issuingUnitId, issuedPosition: e.position.toString() }, { endsOn: d.endsOn, requirements: d.requirements }, []);
        await this.m.query(
          `INSERT INTO compliance_campaigns (campaign_id, issuing_unit_id, issued_on, plan) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
          [d.campaignId, d.issuingUnitId, d.document.issuedOn, JSON.stringify(plan)],
        );
        this.plans.set(d.campaignId, plan);
        return;
      }
      case 'CampaignPlanAmended': {
        const d = e.data;
        const plan = await this.plan(d.campaignId);
        if (!plan) return;
        const amended = planFrom(plan, plan.issued, [
          ...plan.amendments,
          { amendedOn: d.amendedOn, position: e.position.toString(), endsOn: d.endsOn, requirements: d.requirements },
        ]);
        await this.m.query(`UPDATE compliance_campaigns SET plan = $2 WHERE campaign_id = $1`, [d.campaignId, JSON.stringify(amended)]);
        this.plans.set(d.campaignId, amended);
        return;
      }
      case 'StudySessionHeld': {
        const { sessionId, campaignId, unitId, heldOn, attendeeMemberIds } = e.data;
        await this.m.query(
          `INSERT INTO compliance_sessions (session_id, campaign_id, unit_id, held_on, attendees) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
          [sessionId, campaignId, unitId, heldOn, attendeeMemberIds],
        );
        (await this.editUnitFacts(campaignId, unitId)).sessions[sessionId] = heldOn;
        await this.loadMemberFacts(campaignId, attendeeMemberIds);
        for (const memberId of attendeeMemberIds) (await this.editMemberFacts(campaignId, memberId)).studied[sessionId] = heldOn;
        return;
      }
      case 'StudySessionAttendanceCorrected': {
        const { sessionId, campaignId, heldOn, add, remove } = e.data;
        await this.m.query(
          `UPDATE compliance_sessions SET attendees = ARRAY(SELECT DISTINCT x FROM unnest(array_cat(attendees, $2::uuid[])) x WHERE x <> ALL($3::uuid[]))
            WHERE session_id = $1`,
          [sessionId, add, remove],
        );
        await this.loadMemberFacts(campaignId, [...add, ...remove]);
        for (const memberId of add) (await this.editMemberFacts(campaignId, memberId)).studied[sessionId] = heldOn;
        for (const memberId of remove) delete (await this.editMemberFacts(campaignId, memberId)).studied[sessionId];
        return;
      }
      case 'StudySessionVoided': {
        const { sessionId, campaignId, unitId } = e.data;
        const attendees = await this.attendees(sessionId);
        await this.m.query(`UPDATE compliance_sessions SET voided = true WHERE session_id = $1`, [sessionId]);
        delete (await this.editUnitFacts(campaignId, unitId)).sessions[sessionId];
        await this.loadMemberFacts(campaignId, attendees);
        for (const memberId of attendees) delete (await this.editMemberFacts(campaignId, memberId)).studied[sessionId];
        return;
      }
      case 'PledgeSubmitted': {
        const { pledgeId, campaignId, memberId, items, submittedOn } = e.data;
        (await this.editMemberFacts(campaignId, memberId)).pledges[pledgeId] = {
          submittedOn,
          items: [{ on: submittedOn, count: items.length }],
          withdrawnOn: null,
        };
        return;
      }
      case 'PledgeRevised': {
        const f = await this.editMemberFacts(e.data.campaignId, e.data.memberId);
        const pledge = f.pledges[e.data.pledgeId];
        if (!pledge) return;
        const steps = [...pledge.items, { on: e.data.revisedOn, count: e.data.items.length }];
        f.pledges[e.data.pledgeId] = { ...pledge, items: stableSortBy(steps, (s) => s.on) };
        return;
      }
      case 'PledgeWithdrawn': {
        const f = await this.editMemberFacts(e.data.campaignId, e.data.memberId);
        const pledge = f.pledges[e.data.pledgeId];
        if (pledge) f.pledges[e.data.pledgeId] = { ...pledge, withdrawnOn: e.data.withdrawnOn };
        return;
      }
      case 'ImplementationPlanIssued': {
        const f = await this.editUnitFacts(e.data.campaignId, e.data.unitId);
        const on = e.data.document.issuedOn;
        f.implementationPlanOn = f.implementationPlanOn !== null && f.implementationPlanOn < on ? f.implementationPlanOn : on;
        return;
      }
      case 'ActionPlanAdopted': {
        const f = await this.editUnitFacts(e.data.campaignId, e.data.unitId);
        f.actionPlan = { adoptedOn: e.data.adoptedOn, focalTasks: e.data.tasks.filter((t) => t.focal).length };
        return;
      }
      case 'ReportSubmitted':
      case 'ReportAmended':
      case 'ReportReturned': {
        const f = await this.editUnitFacts(e.data.campaignId, e.data.unitId);
        const seq = e.position.toString().padStart(20, '0');
        let step: ReportStep | null;
        if (e.type === 'ReportSubmitted') step = { on: e.data.submittedOn, standingSince: e.data.submittedOn };
        else if (e.type === 'ReportReturned') step = { on: e.data.returnedOn, standingSince: null };
        else step = e.data.resubmits ? { on: e.data.amendedOn, standingSince: e.data.amendedOn } : null;
        if (step === null) return;
        const steps = [...(f.reports[e.data.kind] ?? []), { ...step, seq }];
        f.reports[e.data.kind] = steps.sort((x, y) => (x.on === y.on ? (x.seq < y.seq ? -1 : 1) : x.on < y.on ? -1 : 1));
        return;
      }
      default: {
        const unreachable: never = e;
        return unreachable;
      }
    }
  }

  private async flushSpans(): Promise<void> {
    if (this.spanInserts.length === 0) return;
    const rows = this.spanInserts;
    this.spanInserts = [];
    await this.m.query(
      `INSERT INTO compliance_member_spans (member_id, valid_from, unit_id)
       SELECT * FROM unnest($1::uuid[], $2::date[], $3::uuid[]) ON CONFLICT (member_id, valid_from) DO UPDATE SET unit_id = excluded.unit_id, valid_to = NULL`,
      [rows.map((r) => r.memberId), rows.map((r) => r.from), rows.map((r) => r.unitId)],
    );
  }

  async writeDocs(): Promise<void> {
    const unitKeys = [...this.dirtyUnitFacts];
    if (unitKeys.length > 0)
      await this.m.query(
        `INSERT INTO compliance_unit_facts (campaign_id, unit_id, facts)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[]) ON CONFLICT (campaign_id, unit_id) DO UPDATE SET facts = excluded.facts`,
        [unitKeys.map((k) => k.split(' ')[0]), unitKeys.map((k) => k.split(' ')[1]), unitKeys.map((k) => JSON.stringify(this.unitFacts.get(k)))],
      );
    const memberKeys = [...this.dirtyMemberFacts];
    if (memberKeys.length > 0)
      await this.m.query(
        `INSERT INTO compliance_member_facts (campaign_id, member_id, facts)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::jsonb[]) ON CONFLICT (campaign_id, member_id) DO UPDATE SET facts = excluded.facts`,
        [
          memberKeys.map((k) => k.split(' ')[0]),
          memberKeys.map((k) => k.split(' ')[1]),
          memberKeys.map((k) => JSON.stringify(this.memberFacts.get(k))),
        ],
      );
  }

  // ---- reading the working state ---------------------------------------------------------

  private async unit(unitId: string): Promise<UnitRow | null> {
    if (!this.units.has(unitId)) {
      const [row]: { level: OrgLevel; ended_on: string | null; merged_into: string | null }[] = await this.m.query(
        `SELECT level, to_char(ended_on, 'YYYY-MM-DD') AS ended_on, merged_into FROM compliance_units WHERE unit_id = $1`,
        [unitId],
      );
      this.units.set(unitId, row ? { level: row.level, endedOn: row.ended_on, mergedInto: row.merged_into } : null);
    }
    return this.units.get(unitId)!;
  }

  private async plan(campaignId: string): Promise<StoredPlan | null> {
    if (!this.plans.has(campaignId)) {
      const [row]: { plan: StoredPlan }[] = await this.m.query(`SELECT plan FROM compliance_campaigns WHERE campaign_id = $1`, [campaignId]);
      this.plans.set(campaignId, row?.plan ?? null);
    }
    return this.plans.get(campaignId)!;
  }

  /** The unit and the units it merged into, in order. */
  private async chain(unitId: string): Promise<string[]> {
    const out = [unitId];
    let current = await this.unit(unitId);
    for (let hop = 0; current?.mergedInto && hop < MAX_HOPS; hop++) {
      out.push(current.mergedInto);
      current = await this.unit(current.mergedInto);
    }
    return out;
  }

  /** Raw spans (as enrolled and transferred) carried through the ends of their units: where the member belongs, when. */
  private async resolve(raw: readonly RawSpan[]): Promise<RawSpan[]> {
    const out: RawSpan[] = [];
    for (const span of raw) {
      let unitId = span.unitId;
      let from = span.from;
      for (let hop = 0; hop < MAX_HOPS; hop++) {
        const unit = await this.unit(unitId);
        const end = unit?.endedOn ?? null;
        if (end === null || (span.to !== null && end >= span.to)) {
          out.push({ unitId, from, to: span.to });
          break;
        }
        if (end > from) out.push({ unitId, from, to: end });
        if (!unit?.mergedInto) break;
        from = from > end ? from : end;
        unitId = unit.mergedInto;
      }
    }
    return out;
  }

  private async rawSpans(memberIds: readonly string[]): Promise<Map<string, RawSpan[]>> {
    const missing = [...new Set(memberIds.filter((id) => !this.spans.has(id)))];
    if (missing.length > 0) {
      await this.flushSpans();
      const rows: { member_id: string; unit_id: string; valid_from: string; valid_to: string | null }[] = await this.m.query(
        `SELECT member_id, unit_id, to_char(valid_from, 'YYYY-MM-DD') AS valid_from, to_char(valid_to, 'YYYY-MM-DD') AS valid_to
           FROM compliance_member_spans WHERE member_id = ANY($1::uuid[]) ORDER BY member_id, valid_from`,
        [missing],
      );
      for (const id of missing) this.spans.set(id, []);
      for (const r of rows) this.spans.get(r.member_id)!.push({ unitId: r.unit_id, from: r.valid_from, to: r.valid_to });
    }
    return new Map(memberIds.map((id) => [id, this.spans.get(id)!]));
  }

  private async unitsOfMember(memberId: string): Promise<string[]> {
    return this.unitsOfMembers([memberId]);
  }

  private async unitsOfMembers(memberIds: readonly string[]): Promise<string[]> {
    if (memberIds.length === 0) return [];
    const units = new Set<string>();
    for (const spans of (await this.rawSpans(memberIds)).values()) for (const s of await this.resolve(spans)) units.add(s.unitId);
    return [...units];
  }

  /** The members who belong to each unit on some day (through the units merged into it), with the days they do. */
  private async membersOfUnits(unitIds: readonly string[]): Promise<Map<string, { memberId: string; spans: Span[] }[]>> {
    const out = new Map<string, { memberId: string; spans: Span[] }[]>(unitIds.map((u) => [u, []]));
    if (unitIds.length === 0) return out;
    await this.flushSpans();
    const rows: { root: string; member_id: string }[] = await this.m.query(
      `WITH RECURSIVE preds AS (
           SELECT u AS root, u AS unit_id, 0 AS depth FROM unnest($1::uuid[]) AS u
         UNION
           SELECT p.root, c.unit_id, p.depth + 1 FROM compliance_units c JOIN preds p ON c.merged_into = p.unit_id WHERE p.depth < ${MAX_HOPS})
       SELECT DISTINCT p.root, s.member_id FROM preds p JOIN compliance_member_spans s ON s.unit_id = p.unit_id`,
      [unitIds],
    );
    const raw = await this.rawSpans([...new Set(rows.map((r) => r.member_id))]);
    await this.loadUnits([...new Set([...raw.values()].flatMap((spans) => spans.map((x) => x.unitId)))]);
    for (const r of rows) {
      const here = (await this.resolve(raw.get(r.member_id)!)).filter((x) => x.unitId === r.root).map(({ from, to }) => ({ from, to }));
      if (here.length > 0) out.get(r.root)!.push({ memberId: r.member_id, spans: here });
    }
    for (const list of out.values()) list.sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
    return out;
  }

  private async loadUnits(unitIds: readonly string[]): Promise<void> {
    const missing = unitIds.filter((u) => !this.units.has(u));
    if (missing.length === 0) return;
    const rows: { unit_id: string; level: OrgLevel; ended_on: string | null; merged_into: string | null }[] = await this.m.query(
      `SELECT unit_id, level, to_char(ended_on, 'YYYY-MM-DD') AS ended_on, merged_into FROM compliance_units WHERE unit_id = ANY($1::uuid[])`,
      [missing],
    );
    for (const u of missing) this.units.set(u, null);
    for (const r of rows) this.units.set(r.unit_id, { level: r.level, endedOn: r.ended_on, mergedInto: r.merged_into });
    const next = rows.flatMap((r) => (r.merged_into && !this.units.has(r.merged_into) ? [r.merged_into] : []));
    if (next.length > 0) await this.loadUnits(next);
  }

  private async loadUnitFacts(campaignId: string, unitIds: readonly string[]): Promise<void> {
    const missing = unitIds.filter((u) => !this.unitFacts.has(`${campaignId} ${u}`));
    if (missing.length === 0) return;
    const rows: { unit_id: string; facts: StoredUnitFacts }[] = await this.m.query(
      `SELECT unit_id, facts FROM compliance_unit_facts WHERE campaign_id = $1 AND unit_id = ANY($2::uuid[])`,
      [campaignId, missing],
    );
    const found = new Map(rows.map((r) => [r.unit_id, r.facts]));
    for (const u of missing) this.unitFacts.set(`${campaignId} ${u}`, found.get(u) ?? emptyUnitFacts());
  }

  private async attendees(sessionId: string): Promise<string[]> {
    const [row]: { attendees: string[] }[] = await this.m.query(`SELECT attendees FROM compliance_sessions WHERE session_id = $1`, [sessionId]);
    return row?.attendees ?? [];
  }

  private async loadMemberCampaigns(memberIds: readonly string[]): Promise<void> {
    const missing = [...new Set(memberIds.filter((id) => !this.memberCampaigns.has(id)))];
    if (missing.length === 0) return;
    const rows: { member_id: string; campaign_id: string }[] = await this.m.query(
      `SELECT member_id, campaign_id FROM compliance_member_facts WHERE member_id = ANY($1::uuid[])`,
      [missing],
    );
    for (const id of missing) this.memberCampaigns.set(id, new Set());
    for (const r of rows) this.memberCampaigns.get(r.member_id)!.add(r.campaign_id);
  }

  private async campaignsOfMember(memberId: string): Promise<string[]> {
    await this.loadMemberCampaigns([memberId]);
    return [...this.memberCampaigns.get(memberId)!];
  }

  private async factsOfUnit(campaignId: string, unitId: string): Promise<StoredUnitFacts> {
    const key = `${campaignId} ${unitId}`;
    if (!this.unitFacts.has(key)) {
      const [row]: { facts: StoredUnitFacts }[] = await this.m.query(`SELECT facts FROM compliance_unit_facts WHERE campaign_id = $1 AND unit_id = $2`, [
        campaignId,
        unitId,
      ]);
      this.unitFacts.set(key, row?.facts ?? emptyUnitFacts());
    }
    return this.unitFacts.get(key)!;
  }

  private async editUnitFacts(campaignId: string, unitId: string): Promise<StoredUnitFacts> {
    const facts = await this.factsOfUnit(campaignId, unitId);
    this.dirtyUnitFacts.add(`${campaignId} ${unitId}`);
    return facts;
  }

  private async loadMemberFacts(campaignId: string, memberIds: readonly string[]): Promise<void> {
    const missing = memberIds.filter((id) => !this.memberFacts.has(`${campaignId} ${id}`));
    if (missing.length === 0) return;
    const rows: { member_id: string; facts: StoredMemberFacts }[] = await this.m.query(
      `SELECT member_id, facts FROM compliance_member_facts WHERE campaign_id = $1 AND member_id = ANY($2::uuid[])`,
      [campaignId, missing],
    );
    const found = new Map(rows.map((r) => [r.member_id, r.facts]));
    for (const id of missing) this.memberFacts.set(`${campaignId} ${id}`, found.get(id) ?? emptyMemberFacts());
  }

  private async editMemberFacts(campaignId: string, memberId: string): Promise<StoredMemberFacts> {
    await this.loadMemberFacts(campaignId, [memberId]);
    await this.loadMemberCampaigns([memberId]);
    this.memberCampaigns.get(memberId)!.add(campaignId);
    const key = `${campaignId} ${memberId}`;
    this.dirtyMemberFacts.add(key);
    return this.memberFacts.get(key)!;
  }
}

/**
 * A member's pledges by date, then id: the same order however they were stored (a jsonb
 * object's keys come back sorted, not in the order they were added).
 */
function inOrder(pledges: Record<string, PledgeFacts>): PledgeFacts[] {
  return Object.entries(pledges)
    .sort(([a, x], [b, y]) => (x.submittedOn !== y.submittedOn ? (x.submittedOn < y.submittedOn ? -1 : 1) : a < b ? -1 : a > b ? 1 : 0))
    .map(([, p]) => p);
}

function stableSortBy<T>(items: T[], key: (t: T) => string): T[] {
  return items.map((t, i) => ({ t, i })).sort((a, b) => (key(a.t) === key(b.t) ? a.i - b.i : key(a.t) < key(b.t) ? -1 : 1)).map((x) => x.t);
}

/** The plan's versions: as issued from its issue, then each amendment (by date, then log order) from its `amendedOn`. */
export function planFrom(
  { issuedOn, issuingUnitId, issuedPosition }: Pick<StoredPlan, 'issuedOn' | 'issuingUnitId' | 'issuedPosition'>,
  issued: StoredPlan['issued'],
  amendments: StoredPlan['amendments'],
): StoredPlan {
  const ordered = [...amendments].sort((a, b) =>
    a.amendedOn === b.amendedOn ? (BigInt(a.position) < BigInt(b.position) ? -1 : 1) : a.amendedOn < b.amendedOn ? -1 : 1,
  );
  const versions: { from: string; endsOn: string; requirements: Requirements }[] = [{ from: issuedOn, ...issued }];
  for (const a of ordered) {
    const prev = versions.at(-1)!;
    const next = {
      from: a.amendedOn > issuedOn ? a.amendedOn : issuedOn,
      endsOn: a.endsOn ?? prev.endsOn,
      requirements: amendRequirements(prev.requirements, a.requirements as Parameters<typeof amendRequirements>[1]),
    };
    if (next.from === prev.from) versions[versions.length - 1] = next;
    else versions.push(next);
  }
  return { issuedOn, issuingUnitId, issuedPosition, issued, amendments: ordered, versions };
}

// ---- writing timelines ----------------------------------------------------------------

interface TimelineRow {
  readonly from: string;
  readonly to: string | null;
  readonly payload: Record<string, unknown>;
}

const PAIR_COLUMNS = [
  'status',
  'requirements',
  'members',
  'members_studied',
  'pledges',
  'pledges_counted',
  'late_pledges',
  'short_pledges',
  'sessions',
  'focal_tasks',
] as const;

function versionColumns(s: Segment): Record<(typeof PAIR_COLUMNS)[number], unknown> {
  const f = s.evaluation.figures;
  return {
    status: s.evaluation.status,
    requirements: s.evaluation.requirements,
    members: f.members,
    members_studied: f.membersStudied,
    pledges: f.pledges,
    pledges_counted: f.pledgesCounted,
    late_pledges: f.latePledges,
    short_pledges: f.shortPledges,
    sessions: f.sessions,
    focal_tasks: f.focalTasks,
  };
}

/** A canonical text of a row's content, to compare the stored with the fresh. */
const same = (a: TimelineRow, b: TimelineRow): boolean => a.from === b.from && a.to === b.to && canonicalJson(a.payload) === canonicalJson(b.payload);

/** What a write of timelines found: the rows that held before, and the timelines that changed (by their key's text). */
interface Written {
  readonly rows: ReadonlyMap<string, readonly TimelineRow[]>;
  readonly changed: ReadonlySet<string>;
}

/** A timeline's key as text: its values in the order of its columns. */
const keyText = (key: Record<string, string>): string => ['campaign_id', 'unit_id'].filter((k) => k in key).map((k) => key[k]).join(' ');

const countSegment = (r: TimelineRow): CountSegment => ({ from: r.from, to: r.to, members: Number(r.payload['members']) });

function pairSegment(r: TimelineRow): PairSegment {
  const p = r.payload;
  return {
    from: r.from,
    to: r.to,
    status: p['status'] as PairSegment['status'],
    figures: {
      members_studied: Number(p['members_studied']),
      pledges: Number(p['pledges']),
      pledges_counted: Number(p['pledges_counted']),
      late_pledges: Number(p['late_pledges']),
      short_pledges: Number(p['short_pledges']),
      sessions: Number(p['sessions']),
      focal_tasks: Number(p['focal_tasks']),
    },
  };
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const list = out.get(key(t));
    if (list) list.push(t);
    else out.set(key(t), [t]);
  }
  return out;
}

interface TimelineItem {
  readonly key: Record<string, string>;
  readonly fresh: readonly TimelineRow[];
  readonly position: bigint;
}

const TABLES = {
  compliance_versions: {
    keys: [
      ['campaign_id', 'uuid'],
      ['unit_id', 'uuid'],
    ],
    columns: [
      ['status', 'text'],
      ['requirements', 'jsonb'],
      ['members', 'int'],
      ['members_studied', 'int'],
      ['pledges', 'int'],
      ['pledges_counted', 'int'],
      ['late_pledges', 'int'],
      ['short_pledges', 'int'],
      ['sessions', 'int'],
      ['focal_tasks', 'int'],
    ],
  },
  unit_member_versions: { keys: [['unit_id', 'uuid']], columns: [['members', 'int']] },
} as const;

/**
 * Replaces the latest knowledge of each timeline by its fresh rows: rows that no longer hold
 * get `known_to` (the item's position), new rows are inserted known from it, rows that still
 * hold are left as they are. One read, one update and one insert for all the items.
 */
async function writeTimelines(m: EntityManager, table: keyof typeof TABLES, items: readonly TimelineItem[]): Promise<Written> {
  const changed = new Set<string>();
  if (items.length === 0) return { rows: new Map(), changed };
  const { keys, columns } = TABLES[table];
  const keyNames: string[] = keys.map(([k]) => k);
  const columnNames = columns.map(([c]) => c);
  const keyOf = (r: Record<string, unknown>): string => keyText(Object.fromEntries(keyNames.map((k) => [k, String(r[k])])));
  const stored: (Record<string, unknown> & { valid_from: string; valid_to: string | null })[] = await m.query(
    `SELECT ${keyNames.map((k) => `t.${k}`).join(', ')}, to_char(t.valid_from, 'YYYY-MM-DD') AS valid_from, to_char(t.valid_to, 'YYYY-MM-DD') AS valid_to,
            ${columnNames.map((c) => `t.${c}`).join(', ')}
       FROM ${table} t JOIN unnest(${keys.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}) AS x(${keyNames.join(', ')})
         ON ${keyNames.map((k) => `t.${k} = x.${k}`).join(' AND ')}
      WHERE t.known_to IS NULL`,
    keyNames.map((k) => items.map((item) => item.key[k])),
  );
  const current = new Map<string, TimelineRow[]>();
  for (const r of stored) {
    const list = current.get(keyOf(r)) ?? [];
    list.push({ from: r.valid_from, to: r.valid_to, payload: Object.fromEntries(columnNames.map((c) => [c, r[c]])) });
    current.set(keyOf(r), list);
  }
  const closing: { key: Record<string, string>; from: string; position: bigint }[] = [];
  const opening: { key: Record<string, string>; row: TimelineRow; position: bigint }[] = [];
  for (const item of items) {
    const now = current.get(keyOf(item.key)) ?? [];
    const before = closing.length + opening.length;
    for (const c of now) if (!item.fresh.some((f) => same(c, f))) closing.push({ key: item.key, from: c.from, position: item.position });
    for (const f of item.fresh) if (!now.some((c) => same(c, f))) opening.push({ key: item.key, row: f, position: item.position });
    if (closing.length + opening.length > before) changed.add(keyOf(item.key));
  }
  if (closing.length > 0) {
    const n = keys.length;
    await m.query(
      `UPDATE ${table} t SET known_to = x.position
         FROM unnest(${keys.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')}, $${n + 1}::date[], $${n + 2}::bigint[]) AS x(${keyNames.join(', ')}, valid_from, position)
        WHERE ${keyNames.map((k) => `t.${k} = x.${k}`).join(' AND ')} AND t.valid_from = x.valid_from AND t.known_to IS NULL`,
      [...keyNames.map((k) => closing.map((c) => c.key[k])), closing.map((c) => c.from), closing.map((c) => c.position.toString())],
    );
  }
  if (opening.length > 0) {
    const all = [...keys, ['valid_from', 'date'], ['valid_to', 'date'], ['known_from', 'bigint'], ...columns] as const;
    const values = all.map(([name]) =>
      opening.map((o) => {
        if (name === 'valid_from') return o.row.from;
        if (name === 'valid_to') return o.row.to;
        if (name === 'known_from') return o.position.toString();
        if (keyNames.includes(name)) return o.key[name];
        const v = o.row.payload[name];
        return name === 'requirements' ? JSON.stringify(v) : v;
      }),
    );
    await m.query(
      `INSERT INTO ${table} (${all.map(([name]) => name).join(', ')})
       SELECT * FROM unnest(${all.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ')})`,
      values,
    );
  }
  return { rows: current, changed };
}
