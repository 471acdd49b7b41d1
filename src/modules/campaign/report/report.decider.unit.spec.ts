import { beforeEach, describe, expect, it } from '@jest/globals';
import { CAMPAIGN, DISTRICT, factSetting, SCHOOL } from '../../../../test/support/campaign-setting.js';
import { deciderSpec } from '../../../../test/support/given-when-then.js';
import type { ReportEvent } from '../../../events/campaign/report-events.js';
import { NotFound, RuleViolation } from '../../../shared/domain-errors.js';
import { decideReport, evolveReport, initialReportState, type ReportContext, type SubmitReport } from './report.decider.js';

const REPORT = '60000000-0000-4000-8000-000000000001';
const given = deciderSpec((events: readonly ReportEvent[]) => events.reduce(evolveReport, initialReportState()), decideReport);
const district = { unitId: DISTRICT, exists: true, level: 'district' as const, active: true, inCampaign: true };
const context = (over: Partial<ReportContext> = {}): ReportContext => ({ ...factSetting(), parentId: DISTRICT, receiver: district, existingReportId: null, ...over });

const submit = (over: Partial<SubmitReport> = {}): SubmitReport => ({
  type: 'SubmitReport',
  reportId: REPORT,
  campaignId: CAMPAIGN,
  unitId: SCHOOL,
  kind: 'study_results',
  submittedOn: '2024-05-02',
  figures: { membersStudied: 850 },
  narrative: 'Báo cáo',
  ...over,
});
const ids = { reportId: REPORT, campaignId: CAMPAIGN, unitId: SCHOOL, kind: 'study_results' as const };
const submitted: ReportEvent = { type: 'ReportSubmitted', data: { ...ids, submittedTo: DISTRICT, submittedOn: '2024-05-02', figures: { membersStudied: 850 }, narrative: 'Báo cáo' } };
const returned: ReportEvent = { type: 'ReportReturned', data: { ...ids, receivedBy: DISTRICT, returnedOn: '2024-05-03', reason: 'thiếu số liệu' } };
const acknowledged: ReportEvent = { type: 'ReportAcknowledged', data: { ...ids, receivedBy: DISTRICT, acknowledgedOn: '2024-05-03' } };

describe('report decider', () => {
  // Every case asserts through given/when/then: a case that checks nothing fails.
  beforeEach(() => expect.hasAssertions());

  it('sends a report to the parent the unit had on the submission date', () => {
    given([]).when(submit(), context()).then([submitted]);
  });

  it('refuses a second report of a kind from a unit, naming the first: it is amended instead', () => {
    given([]).when(submit({ reportId: '60000000-0000-4000-8000-000000000002' }), context({ existingReportId: REPORT })).thenThrows(RuleViolation, 'report.already_submitted', 'kind');
  });

  it('refuses a report from a unit with no parent that day, and a second report under the same id', () => {
    given([]).when(submit(), context({ parentId: null })).thenThrows(RuleViolation, 'report.no_parent', 'unitId');
    given([submitted]).when(submit(), context()).thenThrows(RuleViolation, 'report.already_exists', 'reportId');
    given([]).when(submit({ submittedOn: '2024-12-02' }), context()).thenThrows(RuleViolation, 'date.in_future', 'submittedOn');
  });

  it('acknowledges or returns a submitted report once, not before it was sent', () => {
    given([submitted]).when({ type: 'AcknowledgeReport', reportId: REPORT, on: '2024-05-03' }, context()).then([acknowledged]);
    given([submitted]).when({ type: 'ReturnReport', reportId: REPORT, on: '2024-05-03', reason: 'thiếu số liệu' }, context()).then([returned]);
    given([submitted, acknowledged]).when({ type: 'ReturnReport', reportId: REPORT, on: '2024-05-04', reason: 'x' }, context()).thenThrows(RuleViolation, 'report.acknowledged');
    given([submitted, returned]).when({ type: 'AcknowledgeReport', reportId: REPORT, on: '2024-05-04' }, context()).thenThrows(RuleViolation, 'report.returned');
    given([submitted]).when({ type: 'AcknowledgeReport', reportId: REPORT, on: '2024-05-01' }, context()).thenThrows(RuleViolation, 'report.change_predates_history', 'on');
    given([]).when({ type: 'AcknowledgeReport', reportId: REPORT, on: '2024-05-03' }, context()).thenThrows(NotFound, 'report.not_found');
  });

  it('is acknowledged or returned by the unit the receiver merged into, and by no unit that has ended', () => {
    const successor = '20000000-0000-4000-8000-0000000000d2';
    given([submitted])
      .when({ type: 'AcknowledgeReport', reportId: REPORT, on: '2024-08-01' }, context({ receiver: { ...district, unitId: successor } }))
      .then([{ type: 'ReportAcknowledged', data: { ...ids, receivedBy: successor, acknowledgedOn: '2024-08-01' } }]);
    given([submitted])
      .when({ type: 'ReturnReport', reportId: REPORT, on: '2024-08-01', reason: 'x' }, context({ receiver: { ...district, active: false } }))
      .thenThrows(RuleViolation, 'campaign.unit_not_active', 'id');
  });

  it('asks for a new acknowledgement once an acknowledged report is amended', () => {
    const amended: ReportEvent = {
      type: 'ReportAmended',
      data: { ...ids, submittedTo: DISTRICT, amendedOn: '2024-05-04', figures: { membersStudied: 500 }, narrative: 'Báo cáo', reason: 'sửa số liệu', resubmits: false },
    };
    given([submitted, acknowledged, amended]).when({ type: 'AcknowledgeReport', reportId: REPORT, on: '2024-05-05' }, context()).then([
      { type: 'ReportAcknowledged', data: { ...ids, receivedBy: DISTRICT, acknowledgedOn: '2024-05-05' } },
    ]);
  });

  it('amends with a reason: a returned report is so submitted again; an amendment changing nothing is refused', () => {
    const amend = { type: 'AmendReport' as const, reportId: REPORT, amendedOn: '2024-05-04', figures: { membersStudied: 870 }, narrative: null, reason: 'bổ sung' };
    const amended = (resubmits: boolean): ReportEvent => ({
      type: 'ReportAmended',
      data: { ...ids, submittedTo: DISTRICT, amendedOn: '2024-05-04', figures: { membersStudied: 870 }, narrative: 'Báo cáo', reason: 'bổ sung', resubmits },
    });
    given([submitted, returned]).when(amend, context()).then([amended(true)]);
    given([submitted]).when(amend, context()).then([amended(false)]);
    given([submitted, returned, amended(true)]).when({ type: 'AcknowledgeReport', reportId: REPORT, on: '2024-05-05' }, context()).then([
      { type: 'ReportAcknowledged', data: { ...ids, receivedBy: DISTRICT, acknowledgedOn: '2024-05-05' } },
    ]);
    given([submitted]).when({ ...amend, figures: { membersStudied: 850 } }, context()).thenThrows(RuleViolation, 'report.amendment_empty', 'figures');
  });
});
