import { Injectable } from '@nestjs/common';
import { campaignStream } from '../../../events/campaign/campaign-events.js';
import type { AccessScope } from '../../../infrastructure/auth/caller-scope.js';
import { StreamReading } from '../../../infrastructure/commands/stream-reading.js';
import { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { NotFound } from '../../../shared/domain-errors.js';
import { businessToday } from '../../../shared/values.js';
import { Hierarchy } from '../../org/hierarchy/hierarchy.js';
import { campaignIn } from '../campaign-reading.js';
import type { CampaignAnswer } from './campaign.responses.js';

/**
 * A campaign's plan read from its own stream (a handful of events): always current. A caller
 * sees it when her unit lies above, at or below the issuing unit today: the officers who
 * carry it out and the bodies above the one that issued it.
 */
@Injectable()
export class CampaignPlanReader {
  constructor(private readonly store: EventStore) {}

  async read(campaignId: string, scope: AccessScope): Promise<CampaignAnswer> {
    const reading = new StreamReading(this.store);
    const events = await reading.read(campaignStream(campaignId));
    const campaign = await campaignIn(reading, campaignId);
    const notFound = new NotFound('campaign.not_found', `campaign ${campaignId} does not exist or is outside your scope`);
    if (!campaign.exists) throw notFound;
    if (scope.unitId !== null) {
      const hierarchy = new Hierarchy(reading);
      const today = businessToday();
      const related =
        (await hierarchy.isWithin(campaign.issuingUnitId, scope.unitId, today)) || (await hierarchy.isWithin(scope.unitId, campaign.issuingUnitId, today));
      if (!related) throw notFound;
    }
    const last = events[events.length - 1]!;
    const { plan } = campaign;
    return {
      campaignId: plan.campaignId,
      issuingUnitId: plan.issuingUnitId,
      year: plan.year,
      theme: plan.theme,
      endsOn: campaign.current.endsOn,
      acceptsFacts: campaign.current.acceptsFacts,
      document: plan.document,
      references: plan.references,
      recipients: plan.recipients,
      materials: plan.materials,
      requirements: campaign.current.requirements,
      issued: { endsOn: plan.endsOn, acceptsFacts: plan.acceptsFacts, requirements: plan.requirements },
      amendments: campaign.amendments,
      streamRevision: Number(last.streamRevision),
      position: String(last.position),
    };
  }
}
