import { MEMBER_EVENTS, memberStream } from '../../../events/org/member-events.js';
import { ORG_UNIT_EVENTS, orgUnitStream } from '../../../events/org/org-unit-events.js';
import { isOfType, type StoredDomainEvent } from '../../../infrastructure/event-store/domain-events.js';
import type { StreamReading } from '../../../infrastructure/commands/stream-reading.js';
import { dayBefore } from '../../../shared/values.js';
import { evolveMember, initialMemberState, type MemberContext, type MemberState } from '../member/member.decider.js';
import { evolveOrgUnit, initialOrgUnitState, isActiveOn, type OrgUnitContext, type OrgUnitState, parentOn } from '../org-unit/org-unit.decider.js';
import type { OrgLevel } from '../../../events/org/org-unit-events.js';

const isOrgUnitEvent = isOfType(ORG_UNIT_EVENTS.map((d) => d.type));
const isMemberEvent = isOfType(MEMBER_EVENTS.map((d) => d.type));

/** Deep enough for any real hierarchy; a longer chain means corrupt data, not a deeper tree. */
const MAX_DEPTH = 32;

/**
 * The hierarchy on a date, as the event streams record it (never a lagging view): where a
 * unit stands, through the mergers of its ancestors, and where a membership has gone through
 * the mergers of its unit. The one place commands and the scope rule learn it from.
 */
export class Hierarchy {
  private readonly units = new WeakMap<readonly StoredDomainEvent[], OrgUnitState>();
  private readonly members = new WeakMap<readonly StoredDomainEvent[], MemberState>();

  /** The units this reading of the hierarchy has looked at: what a command locks so they hold still. */
  readonly unitsRead = new Set<string>();

  /**
   * `walk`: read units as a scope check walks them, from the units kept from earlier checks
   * where they are (checked against the store before the command takes effect).
   */
  constructor(
    private readonly reading: StreamReading,
    private readonly options: { readonly walk?: boolean } = {},
  ) {}

  async unit(unitId: string): Promise<OrgUnitState> {
    this.unitsRead.add(unitId);
    const stream = orgUnitStream(unitId);
    const events = await (this.options.walk ? this.reading.walk(stream) : this.reading.read(stream));
    let state = this.units.get(events);
    if (!state) {
      state = initialOrgUnitState();
      for (const event of events.filter(isOrgUnitEvent)) state = evolveOrgUnit(state, event);
      this.units.set(events, state);
    }
    return state;
  }

  async member(memberId: string): Promise<MemberState> {
    const events = await this.reading.read(memberStream(memberId));
    let state = this.members.get(events);
    if (!state) {
      state = initialMemberState();
      for (const event of events.filter(isMemberEvent)) state = evolveMember(state, event);
      this.members.set(events, state);
    }
    return state;
  }

  /**
   * The unit and its ancestors on `date`, nearest first, up to `stopAt` (included) when it is
   * reached. The unit keeps its own place even once merged. An ancestor merged by `date` hands
   * its place to the unit it merged into, for a child still there on some day from the merger
   * on: a child that had ended (been terminated or merged) by then, or never had an active
   * day, stays where it was, as the organisation view keeps it.
   */
  async chainOn(unitId: string, date: string, stopAt: string | null = null): Promise<string[]> {
    const chain = [unitId];
    if (unitId === stopAt) return chain;
    let child = await this.unit(unitId);
    let id = child.exists ? (parentOn(child, date) ?? null) : null;
    for (let hops = 0; id !== null && hops < MAX_DEPTH * 2; hops++) {
      const unit = await this.unit(id);
      if (unit.exists && unit.end?.kind === 'merged' && unit.end.on <= date && unit.end.intoUnitId && !endedBy(child, unit.end.on)) {
        id = unit.end.intoUnitId;
        continue;
      }
      if (chain.includes(id)) break;
      chain.push(id);
      if (id === stopAt) return chain;
      child = unit;
      id = unit.exists ? (parentOn(unit, date) ?? null) : null;
    }
    return chain;
  }

  /** Whether `unitId` lies in the subtree of `scope` on `date`. */
  async isWithin(unitId: string, scope: string, date: string): Promise<boolean> {
    const chain = await this.chainOn(unitId, date, scope);
    return chain[chain.length - 1] === scope;
  }

  /**
   * Where a unit ends up through its recorded mergers: the ids along the way (itself first)
   * and the date the last one was terminated, if it was.
   */
  async fate(unitId: string): Promise<{ chain: string[]; terminatedOn: string | null }> {
    const chain = [unitId];
    for (let hops = 0; hops < MAX_DEPTH; hops++) {
      const unit = await this.unit(chain[chain.length - 1]!);
      if (!unit.exists || unit.end === null) return { chain, terminatedOn: null };
      if (unit.end.kind === 'terminated') return { chain, terminatedOn: unit.end.on };
      if (chain.includes(unit.end.intoUnitId!)) break;
      chain.push(unit.end.intoUnitId!);
    }
    return { chain, terminatedOn: null };
  }

  /** The units read through the mergers of each of `unitIds` (their fates' chains): what a command holds still. */
  async chains(unitIds: readonly string[]): Promise<string[]> {
    return (await Promise.all(unitIds.map((id) => this.fate(id)))).flatMap((f) => f.chain);
  }

  /**
   * Where a membership recorded in `unitId` stands on `date`: the unit it has reached through
   * mergers, or the date it ended with a termination.
   */
  async membershipOn(unitId: string, date: string): Promise<{ unitId: string; endedOn: string | null }> {
    let id = unitId;
    for (let hops = 0; hops < MAX_DEPTH; hops++) {
      const unit = await this.unit(id);
      if (!unit.exists || unit.end === null || unit.end.on > date) return { unitId: id, endedOn: null };
      if (unit.end.kind === 'terminated') return { unitId: id, endedOn: unit.end.on };
      id = unit.end.intoUnitId!;
    }
    return { unitId: id, endedOn: null };
  }

  /**
   * Where what a command places in `unitId` (a member, a child unit) stands on `date`: the
   * unit it has reached through the mergers of `unitId`, on `date`; once that unit was
   * terminated, on its last day.
   */
  async placedIn(unitId: string, date: string): Promise<{ unitId: string; on: string }> {
    const membership = await this.membershipOn(unitId, date);
    return { unitId: membership.unitId, on: membership.endedOn === null ? date : dayBefore(membership.endedOn) };
  }

  /**
   * Where a member stands for the scope, as the member view has it: the unit her membership
   * has reached on the date through its unit's mergers; once she has left, or her unit was
   * terminated, that unit on her last day. Null for an unknown member.
   */
  async memberPlace(memberId: string, date: string): Promise<{ unitId: string; on: string } | null> {
    const member = await this.member(memberId);
    if (!member.exists) return null;
    const day = member.leftOn !== null && member.leftOn <= date ? dayBefore(member.leftOn) : date;
    const membership = await this.membershipOn(member.unitId, day);
    return { unitId: membership.unitId, on: membership.endedOn === null ? day : dayBefore(membership.endedOn) };
  }

  /**
   * The unit a member belonged to on `date`, as her membership and the hierarchy stood then
   * (through her transfers, and her unit's mergers by then); null when she was not a member
   * that day (not yet joined, left, her unit terminated, or unknown).
   */
  async memberUnitOn(memberId: string, date: string): Promise<string | null> {
    let unitId: string | null = null;
    for (const event of (await this.reading.read(memberStream(memberId))).filter(isMemberEvent)) {
      if (event.type === 'MemberEnrolled' && event.data.joinedOn <= date) unitId = event.data.unitId;
      else if (event.type === 'MemberTransferred' && event.data.effectiveOn <= date) unitId = event.data.toUnitId;
      else if (event.type === 'MemberLeft' && event.data.effectiveOn <= date) unitId = null;
    }
    if (unitId === null) return null;
    const membership = await this.membershipOn(unitId, date);
    return membership.endedOn === null ? membership.unitId : null;
  }

  /**
   * A unit as a fact dated `date` of a campaign issued by `issuingUnitId` needs it: whether
   * it exists, its level, whether it was active that day, and whether it lay in the subtree
   * of the issuing unit then.
   */
  async unitOnDate(
    unitId: string,
    date: string,
    issuingUnitId: string | null,
  ): Promise<{ unitId: string; exists: boolean; level: OrgLevel | null; active: boolean; inCampaign: boolean }> {
    const unit = await this.unit(unitId);
    if (!unit.exists) return { unitId, exists: false, level: null, active: false, inCampaign: false };
    const inCampaign = issuingUnitId !== null && (await this.isWithin(unitId, issuingUnitId, date));
    return { unitId, exists: true, level: unit.level, active: isActiveOn(unit, date), inCampaign };
  }

  /** The unit a command names besides its own, with that unit's ancestors on `date`. */
  async related(unitId: string, date: string): Promise<OrgUnitContext> {
    const [related, chain, fate] = await Promise.all([this.unit(unitId), this.chainOn(unitId, date), this.fate(unitId)]);
    return { related, relatedAncestorIds: chain.slice(1), relatedTerminatedOn: fate.terminatedOn };
  }

  /** What a member command dated `date` needs: the target unit and where the member stands. */
  async memberContext(member: MemberState, targetUnitId: string | null, date: string): Promise<MemberContext> {
    return {
      targetUnit: targetUnitId ? await this.unit(targetUnitId) : { exists: false },
      membership: member.exists ? await this.membershipOn(member.unitId, date) : { unitId: '', endedOn: null },
    };
  }
}

/** Whether the unit had no active day on or after `date` (it had ended by then, or ended on its first day). */
const endedBy = (unit: OrgUnitState, date: string): boolean =>
  unit.exists && unit.end !== null && unit.end.on <= (unit.establishedOn > date ? unit.establishedOn : date);
