import type { CommendationDecided, CommendationEvent, CommendationProposed, CommendationReviewed } from '../../../events/campaign/commendation-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { checkFact, notBefore, type UnitFactSetting } from '../campaign-facts.js';

type Proposal = CommendationProposed['data'];
export type CommendationStatus = 'proposed' | CommendationReviewed['data']['outcome'] | CommendationDecided['data']['outcome'];

export type CommendationState =
  | { readonly exists: false }
  | { readonly exists: true; readonly proposal: Proposal; readonly status: CommendationStatus; readonly lastChangeOn: string };

export const initialCommendationState = (): CommendationState => ({ exists: false });

export function evolveCommendation(state: CommendationState, event: CommendationEvent): CommendationState {
  switch (event.type) {
    case 'CommendationProposed':
      return { exists: true, proposal: event.data, status: 'proposed', lastChangeOn: event.data.proposedOn };
    case 'CommendationReviewed':
      return state.exists ? { ...state, status: event.data.outcome, lastChangeOn: event.data.reviewedOn } : state;
    case 'CommendationResubmitted':
      return state.exists
        ? { ...state, proposal: { ...state.proposal, achievements: event.data.achievements, dossier: event.data.dossier }, status: 'proposed', lastChangeOn: event.data.resubmittedOn }
        : state;
    case 'CommendationDecided':
      return state.exists ? { ...state, status: event.data.outcome, lastChangeOn: event.data.decidedOn } : state;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export interface ProposeCommendation {
  readonly type: 'ProposeCommendation';
  readonly commendationId: string;
  readonly campaignId: string;
  readonly proposingUnitId: string;
  readonly nominee: Proposal['nominee'];
  readonly category: Proposal['category'];
  readonly awardForm: Proposal['awardForm'];
  readonly achievements: string;
  readonly dossier: Proposal['dossier'];
  readonly proposedOn: string;
}

export interface ReviewCommendation {
  readonly type: 'ReviewCommendation';
  readonly commendationId: string;
  readonly outcome: CommendationReviewed['data']['outcome'];
  readonly note: string | null;
  readonly reviewedOn: string;
}

export interface ResubmitCommendation {
  readonly type: 'ResubmitCommendation';
  readonly commendationId: string;
  readonly achievements: string | null;
  readonly dossier: Proposal['dossier'] | null;
  readonly note: string;
  readonly resubmittedOn: string;
}

export interface DecideCommendation {
  readonly type: 'DecideCommendation';
  readonly commendationId: string;
  readonly outcome: CommendationDecided['data']['outcome'];
  readonly decisionNumber: string | null;
  readonly decidedOn: string;
}

export type CommendationCommand = ProposeCommendation | ReviewCommendation | ResubmitCommendation | DecideCommendation;

/**
 * What a commendation decision needs: today, the campaign, the unit acting on the date (the
 * proposing unit; for a review or a decision, the issuing unit or the one it merged into), and
 * for a proposal whether the nominee (a member, or a unit) lay in the proposing unit's subtree
 * that day.
 */
export interface CommendationContext extends UnitFactSetting {
  readonly nomineeWithin: boolean;
}

const DECIDED: readonly CommendationStatus[] = ['granted', 'rejected', 'escalated'];

/**
 * A proposal moves proposed → reviewed (endorsed or returned) → decided, in that order only;
 * a returned one may be submitted again, and a decided one is final.
 */
export function decideCommendation(c: CommendationCommand, state: CommendationState, context: CommendationContext): CommendationEvent[] {
  if (c.type === 'ProposeCommendation') return [propose(c, state, context)];
  if (!state.exists) throw new NotFound('commendation.not_found', `commendation ${c.commendationId} does not exist`);
  const { commendationId, campaignId, proposingUnitId } = state.proposal;
  if (DECIDED.includes(state.status)) throw new RuleViolation('commendation.decided', `commendation ${commendationId} was decided (${state.status}): it is final`);
  const date = c.type === 'ReviewCommendation' ? c.reviewedOn : c.type === 'ResubmitCommendation' ? c.resubmittedOn : c.decidedOn;
  const field = c.type === 'ReviewCommendation' ? 'reviewedOn' : c.type === 'ResubmitCommendation' ? 'resubmittedOn' : 'decidedOn';
  notBefore(date, state.lastChangeOn, field, 'commendation.change_predates_history', "the proposal's latest step");
  // The unit acting: the proposing unit submitting again, the issuer (or its successor) reviewing or deciding.
  checkFact(context, campaignId, date, field, context.unit, 'id');
  const expect = (status: CommendationStatus, code: string, what: string): void => {
    if (state.status !== status) throw new RuleViolation(code, `commendation ${commendationId} is ${state.status}: ${what}`);
  };
  switch (c.type) {
    case 'ReviewCommendation':
      expect('proposed', 'commendation.not_awaiting_review', 'only a proposal (or one submitted again) is reviewed');
      return [{ type: 'CommendationReviewed', data: { commendationId, campaignId, proposingUnitId, outcome: c.outcome, note: c.note, reviewedOn: date } }];
    case 'ResubmitCommendation':
      expect('returned', 'commendation.not_returned', 'only a returned proposal is submitted again');
      return [
        {
          type: 'CommendationResubmitted',
          data: {
            commendationId,
            campaignId,
            proposingUnitId,
            achievements: c.achievements ?? state.proposal.achievements,
            dossier: c.dossier ?? state.proposal.dossier,
            resubmittedOn: date,
            note: c.note,
          },
        },
      ];
    case 'DecideCommendation':
      expect('endorsed', 'commendation.not_endorsed', 'the council decides only an endorsed proposal');
      if (c.outcome === 'granted' && c.decisionNumber === null) {
        throw new RuleViolation('commendation.decision_number_required', 'a grant is made by a decision: give its number', 'decisionNumber');
      }
      return [{ type: 'CommendationDecided', data: { commendationId, campaignId, proposingUnitId, outcome: c.outcome, decisionNumber: c.decisionNumber, decidedOn: date } }];
    default: {
      const unreachable: never = c;
      return unreachable;
    }
  }
}

function propose(c: ProposeCommendation, state: CommendationState, context: CommendationContext): CommendationEvent {
  if (state.exists) throw new RuleViolation('commendation.already_exists', `commendation ${c.commendationId} already exists`, 'commendationId');
  checkFact(context, c.campaignId, c.proposedOn, 'proposedOn', context.unit, 'proposingUnitId');
  if (!context.nomineeWithin) {
    throw new RuleViolation(
      'commendation.nominee_outside',
      `${c.nominee.type} ${c.nominee.id} is not ${c.nominee.type === 'member' ? 'a member' : 'a unit'} of the subtree of ${c.proposingUnitId} on ${c.proposedOn}`,
      'nominee.id',
    );
  }
  return {
    type: 'CommendationProposed',
    data: {
      commendationId: c.commendationId,
      campaignId: c.campaignId,
      proposingUnitId: c.proposingUnitId,
      nominee: c.nominee,
      category: c.category,
      awardForm: c.awardForm,
      achievements: c.achievements,
      dossier: c.dossier,
      proposedOn: c.proposedOn,
    },
  };
}
