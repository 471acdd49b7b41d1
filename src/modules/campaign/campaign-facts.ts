import type { OrgLevel } from '../../events/org/org-unit-events.js';
import { NotFound, RuleViolation } from '../../shared/domain-errors.js';
import { type CampaignState, type ExistingCampaign, notInFuture } from './campaign/campaign.decider.js';

/**
 * A unit as a campaign fact dated D needs it, read from the event streams by the handler:
 * whether it existed, its level, whether it was active on D (established, not yet terminated
 * or merged away) and whether it lay in the campaign's subtree on D.
 */
export interface UnitOnDate {
  readonly unitId: string;
  readonly exists: boolean;
  readonly level: OrgLevel | null;
  readonly active: boolean;
  readonly inCampaign: boolean;
}

/** What every campaign fact's decision needs besides its own stream. */
export interface FactSetting {
  readonly today: string;
  readonly campaign: CampaignState;
}

/** What a unit's campaign fact is decided with: today, the campaign, the unit on the fact's date. */
export interface UnitFactSetting extends FactSetting {
  readonly unit: UnitOnDate;
}

/** The campaign a fact belongs to: it must exist. */
export function campaignOf(setting: FactSetting, campaignId: string): ExistingCampaign {
  if (!setting.campaign.exists) throw new NotFound('campaign.not_found', `campaign ${campaignId} does not exist`);
  return setting.campaign;
}

/**
 * The rules every dated fact of a campaign keeps: its date is not after today and falls in
 * the window the plan accepts (the campaign year unless the plan says otherwise); the unit
 * recording it existed and was active on that date (not after its termination or merger), in
 * the campaign's subtree.
 */
export function checkFact(setting: FactSetting, campaignId: string, date: string, dateField: string, unit: UnitOnDate, unitField: string): ExistingCampaign {
  const campaign = campaignOf(setting, campaignId);
  notInFuture(date, setting.today, dateField);
  const window = campaign.current.acceptsFacts;
  if (date < window.from || date > window.until) {
    throw new RuleViolation(
      'campaign.fact_outside_window',
      `${dateField} ${date} is outside the dates campaign ${campaign.campaignId} accepts facts for (${window.from} to ${window.until})`,
      dateField,
    );
  }
  checkUnit(unit, date, unitField, campaign);
  return campaign;
}

export function checkUnit(unit: UnitOnDate, date: string, field: string, campaign: ExistingCampaign): void {
  if (!unit.exists) throw new RuleViolation('org_unit.unknown_unit', `org unit ${unit.unitId} does not exist`, field);
  if (!unit.active) {
    throw new RuleViolation('campaign.unit_not_active', `org unit ${unit.unitId} is not active on ${date} (not yet established, or terminated or merged by then)`, field);
  }
  if (!unit.inCampaign) {
    throw new RuleViolation(
      'campaign.unit_outside_campaign',
      `org unit ${unit.unitId} is not in the subtree of ${campaign.issuingUnitId}, which issued campaign ${campaign.campaignId}, on ${date}`,
      field,
    );
  }
}

/** A change to a recorded fact is not dated before what it changes. */
export function notBefore(date: string, earliest: string, field: string, code: string, what: string): void {
  if (date < earliest) throw new RuleViolation(code, `${field} ${date} is before ${what} (${earliest})`, field);
}
