/**
 * The child units recorded under a unit, as the organisation view knows them once it has
 * caught up with the log. Commands use it where a rule spans many streams (a unit with
 * children may not be terminated); the answer is as fresh as the log when it was asked.
 */
export abstract class OrgUnitDependents {
  /** Ids of units that are children of `unitId` on `date` or on any later date. */
  abstract childrenOnOrAfter(unitId: string, date: string): Promise<string[]>;
}
