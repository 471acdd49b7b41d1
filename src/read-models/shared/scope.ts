import { ORG_STRUCTURE_PROJECTION } from '../org-structure/org-structure.projection.js';

/**
 * SQL condition: the unit `unitExpr` lies within the caller's scope (`scopeParam`, a uuid or
 * null for everything) as the hierarchy stood on `dateParam`. Every view filters by it, so
 * no query returns a row outside the caller's scope.
 */
export const withinScope = (unitExpr: string, scopeParam: string, dateParam: string): string =>
  `org_unit_within(${unitExpr}, ${scopeParam}::uuid, ${dateParam}::date)`;

/** The views the scope condition reads: a query filtered by scope waits for them too. */
export const SCOPE_PROJECTIONS = [ORG_STRUCTURE_PROJECTION] as const;
