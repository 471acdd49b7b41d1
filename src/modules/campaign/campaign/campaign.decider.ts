import { amendRequirements, type CampaignPlanAmended, type CampaignPlanEvent, type CampaignPlanIssued, type Requirements } from '../../../events/campaign/campaign-events.js';
import type { OrgLevel } from '../../../events/org/org-unit-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';

type Plan = CampaignPlanIssued['data'];
type Amendment = CampaignPlanAmended['data'];

/** A campaign's plan as issued and amended: the requirements in force from each amendment's date. */
export interface ExistingCampaign {
  readonly exists: true;
  readonly campaignId: string;
  readonly issuingUnitId: string;
  readonly year: number;
  readonly issuedOn: string;
  readonly plan: Plan;
  readonly amendments: readonly Amendment[];
  /** The plan as it now stands, every amendment applied. */
  readonly current: { readonly endsOn: string; readonly acceptsFacts: Plan['acceptsFacts']; readonly requirements: Requirements };
  readonly lastChangeOn: string;
}

export type CampaignState = { readonly exists: false } | ExistingCampaign;

export const initialCampaignState = (): CampaignState => ({ exists: false });

export function evolveCampaign(state: CampaignState, event: CampaignPlanEvent): CampaignState {
  switch (event.type) {
    case 'CampaignPlanIssued': {
      const plan = event.data;
      return {
        exists: true,
        campaignId: plan.campaignId,
        issuingUnitId: plan.issuingUnitId,
        year: plan.year,
        issuedOn: plan.document.issuedOn,
        plan,
        amendments: [],
        current: { endsOn: plan.endsOn, acceptsFacts: plan.acceptsFacts, requirements: plan.requirements },
        lastChangeOn: plan.document.issuedOn,
      };
    }
    case 'CampaignPlanAmended': {
      if (!state.exists) return state;
      const a = event.data;
      return {
        ...state,
        amendments: [...state.amendments, a],
        current: {
          endsOn: a.endsOn ?? state.current.endsOn,
          acceptsFacts: a.acceptsFacts ?? state.current.acceptsFacts,
          requirements: amendRequirements(state.current.requirements, a.requirements),
        },
        lastChangeOn: a.amendedOn,
      };
    }
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export interface IssueCampaignPlan {
  readonly type: 'IssueCampaignPlan';
  readonly campaignId: string;
  readonly issuingUnitId: string;
  readonly year: number;
  readonly theme: string;
  readonly endsOn: string | null;
  readonly acceptsFacts: Plan['acceptsFacts'] | null;
  readonly document: Plan['document'];
  readonly references: Plan['references'];
  readonly recipients: Plan['recipients'];
  readonly materials: Plan['materials'];
  readonly requirements: Requirements;
}

export interface AmendCampaignPlan {
  readonly type: 'AmendCampaignPlan';
  readonly campaignId: string;
  readonly amendedOn: string;
  readonly requirements: Amendment['requirements'];
  readonly endsOn: string | null;
  readonly acceptsFacts: Amendment['acceptsFacts'];
  readonly reason: string;
  readonly document: Amendment['document'];
}

export type CampaignCommand = IssueCampaignPlan | AmendCampaignPlan;

/**
 * What a plan decision needs besides the campaign's stream: today's date (business dates
 * after it are refused) and the issuing unit on the plan's date (for an amendment, the unit it
 * merged into by then).
 */
export interface CampaignContext {
  readonly today: string;
  readonly issuingUnit: { readonly exists: boolean; readonly level: OrgLevel | null; readonly activeOn: boolean };
}

export function decideCampaign(command: CampaignCommand, state: CampaignState, context: CampaignContext): CampaignPlanEvent[] {
  switch (command.type) {
    case 'IssueCampaignPlan':
      return [issue(command, state, context)];
    case 'AmendCampaignPlan':
      return [amend(command, state, context)];
    default: {
      const unreachable: never = command;
      return unreachable;
    }
  }
}

function issue(c: IssueCampaignPlan, state: CampaignState, context: CampaignContext): CampaignPlanIssued {
  if (state.exists) throw new RuleViolation('campaign.already_exists', `campaign ${c.campaignId} already exists`, 'campaignId');
  const issuedOn = c.document.issuedOn;
  notInFuture(issuedOn, context.today, 'document.issuedOn');
  const unit = context.issuingUnit;
  if (!unit.exists) throw new RuleViolation('org_unit.unknown_unit', `org unit ${c.issuingUnitId} does not exist`, 'issuingUnitId');
  if (!unit.activeOn) {
    throw new RuleViolation('campaign.issuing_unit_not_active', `org unit ${c.issuingUnitId} is not active on ${issuedOn}, the day the plan is issued`, 'issuingUnitId');
  }
  if (unit.level === 'grassroots') {
    throw new RuleViolation('campaign.issuing_unit_grassroots', `a campaign is issued for a subtree; ${c.issuingUnitId} is a grassroots unit`, 'issuingUnitId');
  }
  const yearStart = `${String(c.year).padStart(4, '0')}-01-01`;
  const yearEnd = `${String(c.year).padStart(4, '0')}-12-31`;
  if (Number(issuedOn.slice(0, 4)) > c.year || Number(issuedOn.slice(0, 4)) < c.year - 1) {
    throw new RuleViolation('campaign.issued_outside_year', `a plan for ${c.year} is issued in ${c.year} or the year before, not on ${issuedOn}`, 'document.issuedOn');
  }
  const endsOn = c.endsOn ?? yearEnd;
  checkEnd(endsOn, yearStart, c.year, 'endsOn');
  const acceptsFacts = c.acceptsFacts ?? { from: yearStart, until: endsOn };
  checkWindow(acceptsFacts, 'acceptsFacts');
  return {
    type: 'CampaignPlanIssued',
    data: {
      campaignId: c.campaignId,
      issuingUnitId: c.issuingUnitId,
      year: c.year,
      theme: c.theme,
      endsOn,
      acceptsFacts,
      document: c.document,
      references: c.references,
      recipients: c.recipients,
      materials: c.materials,
      requirements: c.requirements,
    },
  };
}

function amend(c: AmendCampaignPlan, state: CampaignState, context: CampaignContext): CampaignPlanAmended {
  if (!state.exists) throw new NotFound('campaign.not_found', `campaign ${c.campaignId} does not exist`);
  notInFuture(c.amendedOn, context.today, 'amendedOn');
  if (!context.issuingUnit.activeOn) {
    throw new RuleViolation(
      'campaign.issuing_unit_not_active',
      `unit ${state.issuingUnitId}, which issued campaign ${c.campaignId}, (or the unit it merged into) is not active on ${c.amendedOn}`,
      'amendedOn',
    );
  }
  if (c.amendedOn < state.lastChangeOn) {
    throw new RuleViolation(
      'campaign.change_predates_history',
      `amendedOn ${c.amendedOn} is before the plan's latest change (${state.lastChangeOn})`,
      'amendedOn',
    );
  }
  if (c.document !== null) notInFuture(c.document.issuedOn, context.today, 'document.issuedOn');
  const changes = Object.values(c.requirements).some((v) => v !== undefined) || c.endsOn !== null || c.acceptsFacts !== null;
  if (!changes) {
    throw new RuleViolation('campaign.amendment_empty', 'an amendment changes at least one part of the requirements, endsOn or acceptsFacts', 'requirements');
  }
  const yearStart = `${String(state.year).padStart(4, '0')}-01-01`;
  if (c.endsOn !== null) checkEnd(c.endsOn, yearStart, state.year, 'endsOn');
  if (c.acceptsFacts !== null) checkWindow(c.acceptsFacts, 'acceptsFacts');
  return {
    type: 'CampaignPlanAmended',
    data: {
      campaignId: c.campaignId,
      amendedOn: c.amendedOn,
      requirements: c.requirements,
      endsOn: c.endsOn,
      acceptsFacts: c.acceptsFacts,
      reason: c.reason,
      document: c.document,
    },
  };
}

/** Business dates are the days things happened: none is after today. */
export function notInFuture(date: string, today: string, field: string): void {
  if (date > today) throw new RuleViolation('date.in_future', `${field} ${date} is after today (${today})`, field);
}

function checkEnd(endsOn: string, yearStart: string, year: number, field: string): void {
  const latest = `${String(year + 1).padStart(4, '0')}-12-31`;
  if (endsOn < yearStart || endsOn > latest) {
    throw new RuleViolation('campaign.ends_outside_year', `${field} ${endsOn} must fall in ${year} or the year after`, field);
  }
}

function checkWindow(window: { readonly from: string; readonly until: string }, field: string): void {
  if (window.from > window.until) {
    throw new RuleViolation('campaign.empty_window', `${field}: from ${window.from} is after until ${window.until}`, `${field}.from`);
  }
}
