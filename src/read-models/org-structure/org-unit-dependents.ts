import type { DataSource } from 'typeorm';
import type { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import type { ProjectionProgress } from '../../infrastructure/projections/projection-progress.js';
import { OrgUnitDependents } from '../../shared/org-unit-dependents.port.js';
import { ORG_STRUCTURE_PROJECTION } from './org-structure.projection.js';

export class OrgStructureDependents extends OrgUnitDependents {
  constructor(
    private readonly ds: DataSource,
    private readonly store: EventStore,
    private readonly progress: ProjectionProgress,
  ) {
    super();
  }

  async childrenOnOrAfter(unitId: string, date: string): Promise<string[]> {
    await this.progress.waitFor([ORG_STRUCTURE_PROJECTION], await this.store.headPosition());
    const rows: { unit_id: string }[] = await this.ds.query(
      `SELECT DISTINCT unit_id FROM org_unit_versions
        WHERE parent_id = $1 AND status = 'active' AND (valid_to IS NULL OR valid_to > $2::date)
        ORDER BY unit_id`,
      [unitId, date],
    );
    return rows.map((r) => r.unit_id);
  }
}
