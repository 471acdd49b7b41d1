import { ApiProperty } from '@nestjs/swagger';
import type { CampaignPlanAmended, CampaignPlanIssued, Requirements } from '../../../events/campaign/campaign-events.js';

type Plan = CampaignPlanIssued['data'];

export class FactsWindowAnswer {
  @ApiProperty({ format: 'date' }) from!: string;
  @ApiProperty({ format: 'date' }) until!: string;
}

export class CampaignAnswer {
  @ApiProperty({ format: 'uuid' }) campaignId!: string;
  @ApiProperty({ format: 'uuid' }) issuingUnitId!: string;
  @ApiProperty() year!: number;
  @ApiProperty() theme!: string;
  @ApiProperty({ format: 'date', description: 'As amended' }) endsOn!: string;
  @ApiProperty({ type: FactsWindowAnswer, description: 'The dates facts of the campaign may carry, as amended' }) acceptsFacts!: Plan['acceptsFacts'];
  @ApiProperty({ type: Object, description: 'The plan document: number (null on a copy without one), kind, title, issuedOn, issuedBy, signedBy' })
  document!: Plan['document'];
  @ApiProperty({ type: Object, isArray: true, description: 'Upstream documents cited: number, issuedOn, issuer, title' }) references!: Plan['references'];
  @ApiProperty({ type: String, isArray: true }) recipients!: string[];
  @ApiProperty({ type: Object, isArray: true, description: 'title, url' }) materials!: Plan['materials'];
  @ApiProperty({ type: Object, description: 'The requirements as they now stand, every amendment applied (API.md)' }) requirements!: Requirements;
  @ApiProperty({ type: Object, description: 'endsOn, acceptsFacts and requirements as first issued' })
  issued!: { endsOn: string; acceptsFacts: Plan['acceptsFacts']; requirements: Requirements };
  @ApiProperty({ type: Object, isArray: true, description: 'Each amendment in order: amendedOn, the parts it replaced, reason, document' })
  amendments!: readonly CampaignPlanAmended['data'][];
  @ApiProperty({ description: 'Revision of the campaign stream; also what If-Match on an amendment compares with' }) streamRevision!: number;
  @ApiProperty({ example: '4096', description: 'The log position of its latest event' }) position!: string;
}
