import type { ReportEvent, ReportSubmitted } from '../../../events/campaign/report-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { checkFact, notBefore, type UnitFactSetting, type UnitOnDate } from '../campaign-facts.js';

type Report = ReportSubmitted['data'];
export type ReportStatus = 'submitted' | 'acknowledged' | 'returned';

export type ReportState =
  | { readonly exists: false }
  | { readonly exists: true; readonly report: Report; readonly status: ReportStatus; readonly lastChangeOn: string };

export const initialReportState = (): ReportState => ({ exists: false });

export function evolveReport(state: ReportState, event: ReportEvent): ReportState {
  switch (event.type) {
    case 'ReportSubmitted':
      return { exists: true, report: event.data, status: 'submitted', lastChangeOn: event.data.submittedOn };
    case 'ReportAmended':
      if (!state.exists) return state;
      return {
        ...state,
        report: { ...state.report, figures: event.data.figures, narrative: event.data.narrative },
        // Amended, it awaits acknowledgement again: an acknowledgement covers what the receiver saw.
        status: 'submitted',
        lastChangeOn: event.data.amendedOn,
      };
    case 'ReportAcknowledged':
      return state.exists ? { ...state, status: 'acknowledged', lastChangeOn: event.data.acknowledgedOn } : state;
    case 'ReportReturned':
      return state.exists ? { ...state, status: 'returned', lastChangeOn: event.data.returnedOn } : state;
    default: {
      const unreachable: never = event;
      return unreachable;
    }
  }
}

export interface SubmitReport {
  readonly type: 'SubmitReport';
  readonly reportId: string;
  readonly campaignId: string;
  readonly unitId: string;
  readonly kind: Report['kind'];
  readonly submittedOn: string;
  readonly figures: Report['figures'];
  readonly narrative: string;
}

export interface AmendReport {
  readonly type: 'AmendReport';
  readonly reportId: string;
  readonly amendedOn: string;
  readonly figures: Report['figures'] | null;
  readonly narrative: string | null;
  readonly reason: string;
}

export interface AcknowledgeReport {
  readonly type: 'AcknowledgeReport';
  readonly reportId: string;
  readonly on: string;
}

export interface ReturnReport {
  readonly type: 'ReturnReport';
  readonly reportId: string;
  readonly on: string;
  readonly reason: string;
}

export type ReportCommand = SubmitReport | AmendReport | AcknowledgeReport | ReturnReport;

/**
 * What a report decision needs: today, the campaign, the reporting unit on the command's date;
 * for a submission the unit's parent that day (through its mergers), which receives it; for an
 * acknowledgement or a return, the receiving unit that day (the one it merged into, if it did).
 */
export interface ReportContext extends UnitFactSetting {
  readonly parentId: string | null;
  readonly receiver: UnitOnDate | null;
  /** For a submission: the unit's report of that kind already stored, if one is. */
  readonly existingReportId: string | null;
}

/**
 * A unit submits one report of each kind per campaign, to its parent as the hierarchy stands on
 * the submission date (a correction is an amendment); only that
 * parent (or the unit it merged into) acknowledges or returns it, while it is active. An
 * amendment keeps the first submission's date and awaits acknowledgement again; the amendment
 * of a returned report submits it again.
 */
export function decideReport(c: ReportCommand, state: ReportState, context: ReportContext): ReportEvent[] {
  if (c.type === 'SubmitReport') return [submit(c, state, context)];
  if (!state.exists) throw new NotFound('report.not_found', `report ${c.reportId} does not exist`);
  const { reportId, campaignId, unitId, kind, submittedTo } = state.report;
  const date = c.type === 'AmendReport' ? c.amendedOn : c.on;
  const field = c.type === 'AmendReport' ? 'amendedOn' : 'on';
  notBefore(date, state.lastChangeOn, field, 'report.change_predates_history', "the report's latest change");
  switch (c.type) {
    case 'AmendReport': {
      checkFact(context, campaignId, date, field, context.unit, 'id');
      const figures = c.figures ?? state.report.figures;
      const narrative = c.narrative ?? state.report.narrative;
      if (JSON.stringify(figures) === JSON.stringify(state.report.figures) && narrative === state.report.narrative) {
        throw new RuleViolation('report.amendment_empty', 'the amendment changes neither the figures nor the narrative', 'figures');
      }
      return [
        {
          type: 'ReportAmended',
          data: { reportId, campaignId, unitId, kind, submittedTo, amendedOn: date, figures, narrative, reason: c.reason, resubmits: state.status === 'returned' },
        },
      ];
    }
    case 'AcknowledgeReport':
    case 'ReturnReport': {
      const receiver = context.receiver ?? { unitId: submittedTo, exists: false, level: null, active: false, inCampaign: false };
      checkFact(context, campaignId, date, field, receiver, 'id');
      if (state.status !== 'submitted') {
        throw new RuleViolation(`report.${state.status}`, `report ${reportId} is ${state.status}: ${state.status === 'returned' ? 'it must be amended first' : 'it has been acknowledged'}`);
      }
      return c.type === 'AcknowledgeReport'
        ? [{ type: 'ReportAcknowledged', data: { reportId, campaignId, unitId, kind, receivedBy: receiver.unitId, acknowledgedOn: date } }]
        : [{ type: 'ReportReturned', data: { reportId, campaignId, unitId, kind, receivedBy: receiver.unitId, returnedOn: date, reason: c.reason } }];
    }
    default: {
      const unreachable: never = c;
      return unreachable;
    }
  }
}

function submit(c: SubmitReport, state: ReportState, context: ReportContext): ReportEvent {
  if (state.exists) throw new RuleViolation('report.already_exists', `report ${c.reportId} already exists`, 'reportId');
  checkFact(context, c.campaignId, c.submittedOn, 'submittedOn', context.unit, 'unitId');
  if (context.parentId === null) throw new RuleViolation('report.no_parent', `unit ${c.unitId} has no parent on ${c.submittedOn} to report to`, 'unitId');
  if (context.existingReportId !== null) {
    throw new RuleViolation(
      'report.already_submitted',
      `unit ${c.unitId} submitted its ${c.kind} report for campaign ${c.campaignId} as report ${context.existingReportId}: amend it instead`,
      'kind',
    );
  }
  return {
    type: 'ReportSubmitted',
    data: {
      reportId: c.reportId,
      campaignId: c.campaignId,
      unitId: c.unitId,
      kind: c.kind,
      submittedTo: context.parentId,
      submittedOn: c.submittedOn,
      figures: c.figures,
      narrative: c.narrative,
    },
  };
}
