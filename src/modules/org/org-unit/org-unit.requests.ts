import { ORG_UNIT_KINDS, type OrgUnitKind } from '../../../events/org/org-unit-events.js';
import { CodeField, DateField, IdField, TextField } from '../../../infrastructure/http/fields.js';

export class EstablishOrgUnitRequest {
  @IdField({ optional: true, description: 'The id of the new unit, to make creation retry-safe; generated when absent' })
  unitId?: string;

  @TextField(64, { description: 'The unit’s own code', example: 'LDLD-BT' })
  code!: string;

  @TextField(300, { example: 'Liên đoàn Lao động tỉnh Bình Thuận' })
  name!: string;

  @CodeField(ORG_UNIT_KINDS, { description: 'The kind of unit; its level follows from it' })
  kind!: OrgUnitKind;

  @IdField({ optional: true, description: 'The parent, of a higher level; absent for a unit at the top (administrators only)' })
  parentId?: string;

  @DateField()
  establishedOn!: string;
}

export class RenameOrgUnitRequest {
  @TextField(300)
  name!: string;

  @DateField()
  effectiveOn!: string;
}

export class TransferOrgUnitRequest {
  @IdField({ description: 'The new parent, of a higher level, active and not within the unit’s own subtree' })
  newParentId!: string;

  @DateField()
  effectiveOn!: string;
}

export class MergeOrgUnitRequest {
  @IdField({ description: 'The unit of the same level that continues; members and children follow from the date' })
  intoUnitId!: string;

  @DateField()
  effectiveOn!: string;
}

export class TerminateOrgUnitRequest {
  @DateField()
  effectiveOn!: string;

  @TextField(2000)
  reason!: string;
}
