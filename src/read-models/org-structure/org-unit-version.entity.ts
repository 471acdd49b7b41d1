import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One version of an org unit, valid from `validFrom` (inclusive) to `validTo` (exclusive). */
@Entity({ name: 'org_unit_versions' })
export class OrgUnitVersion {
  @PrimaryColumn({ name: 'unit_id', type: 'uuid' })
  unitId!: string;

  @PrimaryColumn({ name: 'valid_from', type: 'date' })
  validFrom!: string;

  @Column({ name: 'valid_to', type: 'date', nullable: true })
  validTo!: string | null;

  @Column({ type: 'text' })
  code!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  kind!: string;

  @Column({ type: 'text' })
  level!: string;

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId!: string | null;

  @Column({ type: 'text' })
  status!: 'active' | 'terminated' | 'merged';

  @Column({ name: 'merged_into', type: 'uuid', nullable: true })
  mergedInto!: string | null;

  @Column({ name: 'established_on', type: 'date' })
  establishedOn!: string;

  /** Global position of the last event that changed this version. */
  @Column({ type: 'bigint' })
  position!: string;
}
