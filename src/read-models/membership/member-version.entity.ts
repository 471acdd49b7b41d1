import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One period of a membership, valid from `validFrom` (inclusive) to `validTo` (exclusive). */
@Entity({ name: 'member_versions' })
export class MemberVersion {
  @PrimaryColumn({ name: 'member_id', type: 'uuid' })
  memberId!: string;

  @PrimaryColumn({ name: 'valid_from', type: 'date' })
  validFrom!: string;

  @Column({ name: 'valid_to', type: 'date', nullable: true })
  validTo!: string | null;

  @Column({ name: 'unit_id', type: 'uuid' })
  unitId!: string;

  @Column({ name: 'full_name', type: 'text' })
  fullName!: string;

  @Column({ name: 'member_code', type: 'text' })
  memberCode!: string;

  @Column({ name: 'joined_on', type: 'date' })
  joinedOn!: string;

  @Column({ type: 'text' })
  status!: 'active' | 'left' | 'unit_terminated';

  /** Global position of the last event that changed this period. */
  @Column({ type: 'bigint' })
  position!: string;
}
