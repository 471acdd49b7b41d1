import { memberStream } from '../../../events/org/member-events.js';
import { orgUnitStream, type OrgUnitEvent } from '../../../events/org/org-unit-events.js';
import type { MemberEvent } from '../../../events/org/member-events.js';
import type { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { evolveMember, initialMemberState, type MemberState } from '../domain/member.decider.js';
import type { MemberContext } from '../domain/member.decider.js';
import { evolveOrgUnit, initialOrgUnitState, type OrgUnitContext, type OrgUnitState, parentOn } from '../domain/org-unit.decider.js';

/** Deep enough for any real hierarchy; a longer chain means corrupt data, not a deeper tree. */
const MAX_DEPTH = 32;

/** Loads current aggregate state from the event store (never from a read model). */
export class OrgStateLoader {
  constructor(private readonly store: EventStore) {}

  async unit(unitId: string): Promise<OrgUnitState> {
    const events = await this.store.readStream(orgUnitStream(unitId));
    return events.reduce((s, e) => evolveOrgUnit(s, e as unknown as OrgUnitEvent), initialOrgUnitState());
  }

  async member(memberId: string): Promise<MemberState> {
    const events = await this.store.readStream(memberStream(memberId));
    return events.reduce((s, e) => evolveMember(s, e as unknown as MemberEvent), initialMemberState());
  }

  /** The unit a command names besides its own, with that unit's ancestors on `date`. */
  async related(unitId: string, date: string): Promise<OrgUnitContext> {
    const related = await this.unit(unitId);
    return {
      related,
      relatedAncestorIds: await this.ancestorIds(related, date),
      relatedTerminatedOn: (await this.fate(unitId, related)).terminatedOn,
    };
  }

  /**
   * Where a unit ends up through its recorded mergers: the ids along the way (itself first)
   * and the date the last one was terminated, if it was. Commands that place something in a
   * unit lock this chain.
   */
  async fate(unitId: string, loaded?: OrgUnitState): Promise<{ chain: string[]; terminatedOn: string | null }> {
    const chain = [unitId];
    for (let hops = 0; hops < MAX_DEPTH; hops++) {
      const unit = hops === 0 && loaded ? loaded : await this.unit(chain[chain.length - 1]!);
      if (!unit.exists || unit.end === null) return { chain, terminatedOn: null };
      if (unit.end.kind === 'terminated') return { chain, terminatedOn: unit.end.on };
      if (chain.includes(unit.end.intoUnitId!)) break;
      chain.push(unit.end.intoUnitId!);
    }
    return { chain, terminatedOn: null };
  }

  /** What a member command dated `date` needs: the target unit and where the member stands. */
  async memberContext(member: MemberState, targetUnitId: string | null, date: string): Promise<MemberContext> {
    return {
      targetUnit: targetUnitId ? await this.unit(targetUnitId) : { exists: false },
      membership: member.exists ? await this.membershipOn(member.unitId, date) : { unitId: '', endedOn: null },
    };
  }

  /** Ids of the unit's ancestors on `date`, nearest first. */
  async ancestorIds(unit: OrgUnitState, date: string): Promise<string[]> {
    const ids: string[] = [];
    let current = unit;
    while (current.exists && ids.length < MAX_DEPTH) {
      const parentId = parentOn(current, date) ?? null;
      if (parentId === null || ids.includes(parentId)) break;
      ids.push(parentId);
      current = await this.unit(parentId);
    }
    return ids;
  }

  /**
   * Where a membership recorded in `unitId` stands on `date`: the unit it has reached through
   * mergers, or the date it ended with a termination. `load` reads the units on the way.
   */
  async membershipOn(
    unitId: string,
    date: string,
    load: (id: string) => Promise<OrgUnitState> = (id) => this.unit(id),
  ): Promise<{ unitId: string; endedOn: string | null }> {
    let id = unitId;
    for (let hops = 0; hops < MAX_DEPTH; hops++) {
      const unit = await load(id);
      if (!unit.exists || unit.end === null || unit.end.on > date) return { unitId: id, endedOn: null };
      if (unit.end.kind === 'terminated') return { unitId: id, endedOn: unit.end.on };
      id = unit.end.intoUnitId!;
    }
    return { unitId: id, endedOn: null };
  }
}
