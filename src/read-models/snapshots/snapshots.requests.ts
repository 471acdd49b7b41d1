import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { DateField, IdField } from '../../infrastructure/http/fields.js';
import { IsKnowledgeTime } from '../../infrastructure/http/validators.js';
import type { ComplianceFigures, StatusCounts } from '../compliance/compliance-reader.js';
import type { ComplianceStatus } from '../compliance/compliance-rules.js';
import { FiguresAnswer, RequirementAnswer, UnitRefAnswer, UnitsByStatusAnswer } from '../compliance/compliance.responses.js';
import type { RestatedUnit, RestatementView, SealAnswer, SnapshotView, UnitStanding, VerificationView } from './period-snapshots.js';
import type { SnapshotDocument, SnapshotUnit } from './snapshot-document.js';

export class SealSnapshotRequest {
  @IdField({ optional: true, description: 'An id for the snapshot (retry-safe); generated when absent' }) snapshotId?: string;
  @IdField({ description: 'The unit whose subtree is sealed' }) unitId!: string;
  @DateField({ description: 'The business date the compliance is as of' }) asOf!: string;

  @ApiPropertyOptional({ type: String, example: '2024-05-03', description: 'As known at (a timestamp with its zone, or a date: by the end of that day, Vietnam time); absent: as known now' })
  @ValidateIf((_o, v) => v !== undefined)
  @IsKnowledgeTime()
  knownAt?: string;
}

export class SealAnswerClass implements SealAnswer {
  @ApiProperty({ format: 'uuid', description: 'The snapshot (also `snapshotId`)' }) id!: string;
  @ApiProperty({ description: 'The revision of the snapshot’s stream (0)' }) streamRevision!: number;
  @ApiProperty({ format: 'uuid' }) snapshotId!: string;
  @ApiProperty({ description: 'SHA-256 (hex) of the canonical JSON (RFC 8785) of the document' }) contentHash!: string;
  @ApiProperty({ example: '4096', description: 'The log position the document reflects' }) position!: string;
  @ApiProperty({ example: '4100', description: 'The position of the PeriodSnapshotSealed event (a minPosition for reading it back)' }) sealedPosition!: string;
  @ApiProperty({ type: String, nullable: true, description: 'The ledger root at the position; null: the service keeps no ledger yet' }) ledgerRoot!: string | null;
  @ApiProperty({ description: 'Units in the document' }) units!: number;
}

export class SnapshotUnitAnswer extends UnitRefAnswer implements SnapshotUnit {
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) parentId!: string | null;
  @ApiProperty() status!: ComplianceStatus;
  @ApiProperty({ type: RequirementAnswer, isArray: true }) requirements!: RequirementAnswer[];
  @ApiProperty({ type: FiguresAnswer, description: 'Its own figures' }) figures!: FiguresAnswer;
}

export class SnapshotSummaryAnswer {
  @ApiProperty({ type: UnitRefAnswer }) unit!: UnitRefAnswer;
  @ApiProperty() status!: ComplianceStatus;
  @ApiProperty({ type: RequirementAnswer, isArray: true }) requirements!: RequirementAnswer[];
  @ApiProperty({ type: FiguresAnswer, description: 'Of the whole subtree' }) figures!: ComplianceFigures;
  @ApiProperty({ type: UnitsByStatusAnswer }) children!: { total: number; byStatus: StatusCounts };
  @ApiProperty({ type: UnitsByStatusAnswer }) subtree!: { total: number; byStatus: StatusCounts };
}

export class SnapshotDocumentAnswer implements SnapshotDocument {
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ format: 'date' }) asOf!: string;
  @ApiProperty({ type: String, nullable: true }) knownAt!: string | null;
  @ApiProperty() position!: string;
  @ApiProperty({ type: SnapshotSummaryAnswer }) summary!: SnapshotSummaryAnswer;
  @ApiProperty({ type: SnapshotUnitAnswer, isArray: true, description: 'Every active unit of the subtree on asOf, by code' }) units!: SnapshotUnitAnswer[];
}

export class SealedByAnswer {
  @ApiProperty() id!: string;
  @ApiProperty() role!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) scopeUnitId!: string | null;
}

export class SnapshotAnswer implements SnapshotView {
  @ApiProperty({ format: 'uuid' }) snapshotId!: string;
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty({ format: 'date' }) asOf!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'The knowledge time asked for; null: as known when sealed' }) knownAt!: string | null;
  @ApiProperty() position!: string;
  @ApiProperty() contentHash!: string;
  @ApiProperty({ example: 'sha256-jcs' }) hashAlgorithm!: string;
  @ApiProperty({ format: 'date-time' }) sealedAt!: string;
  @ApiProperty({ type: SealedByAnswer }) sealedBy!: SealedByAnswer;
  @ApiProperty() sealedPosition!: string;
  @ApiProperty({ type: SnapshotDocumentAnswer }) document!: SnapshotDocumentAnswer;
}

export class VerificationAnswer implements VerificationView {
  @ApiProperty({ format: 'uuid' }) snapshotId!: string;
  @ApiProperty({ description: 'The recomputed document and the kept copy both hash to contentHash' }) verified!: boolean;
  @ApiProperty() contentHash!: string;
  @ApiProperty({ description: 'The hash of the document recomputed from the events up to position' }) recomputedHash!: string;
  @ApiProperty({ description: 'The hash of the document as the service keeps it now' }) storedDocumentHash!: string;
  @ApiProperty() position!: string;
  @ApiProperty() eventsReplayed!: number;
  @ApiProperty({ type: String, isArray: true }) differingUnits!: string[];
}

export class UnitStandingAnswer implements UnitStanding {
  @ApiProperty() status!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, description: 'Each requirement’s status by code' }) requirements!: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) figures!: Record<string, number>;
}

export class RestatedUnitAnswer implements RestatedUnit {
  @ApiProperty({ format: 'uuid' }) unitId!: string;
  @ApiProperty() code!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: UnitStandingAnswer, nullable: true }) before!: UnitStandingAnswer | null;
  @ApiProperty({ type: UnitStandingAnswer, nullable: true }) after!: UnitStandingAnswer | null;
  @ApiProperty({ type: String, isArray: true }) changes!: string[];
  @ApiProperty({ type: String, isArray: true, description: 'Ids of the later-recorded events behind the change' }) causes!: string[];
}

export class RestatementSummaryAnswer {
  @ApiProperty({ type: UnitStandingAnswer }) before!: UnitStandingAnswer;
  @ApiProperty({ type: UnitStandingAnswer, nullable: true, description: 'Null when, as known now, the unit did not exist on asOf or the campaign did not cover it' })
  after!: UnitStandingAnswer | null;
  @ApiProperty({ type: String, isArray: true }) changes!: string[];
}

export class RestatementAnswer implements RestatementView {
  @ApiProperty({ format: 'uuid' }) snapshotId!: string;
  @ApiProperty({ format: 'date' }) asOf!: string;
  @ApiProperty({ description: 'The position the snapshot reflects' }) sealedPosition!: string;
  @ApiProperty({ description: 'The position today’s answer reflects' }) position!: string;
  @ApiProperty() changed!: boolean;
  @ApiProperty({ type: RestatementSummaryAnswer }) summary!: RestatementSummaryAnswer;
  @ApiProperty({ type: RestatedUnitAnswer, isArray: true }) units!: RestatedUnitAnswer[];
}
