import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { REPORT_SLOT_EVENTS, type ReportSubmitted, reportSlotStream, reportStream } from '../../../events/campaign/report-events.js';
import type { AccessReference } from '../../../infrastructure/commands/command-access.js';
import type { CommandResult } from '../../../infrastructure/commands/command-context.js';
import { CommandMessage } from '../../../infrastructure/commands/command-message.js';
import { CommandRunner } from '../../../infrastructure/commands/command-runner.js';
import type { StreamReading } from '../../../infrastructure/commands/stream-reading.js';
import { isOfType } from '../../../infrastructure/event-store/domain-events.js';
import { EventStore } from '../../../infrastructure/event-store/event-store.port.js';
import { businessToday } from '../../../shared/values.js';
import { Hierarchy } from '../../org/hierarchy/hierarchy.js';
import { actingUnit, firstEvent, unitFactPlan } from '../campaign-reading.js';
import { decideReport, evolveReport, initialReportState, type ReportCommand } from './report.decider.js';

export class ReportCommandMessage extends CommandMessage<ReportCommand> {}

const isSlotEvent = isOfType(REPORT_SLOT_EVENTS.map((d) => d.type));

/**
 * The report that holds the unit's place for its kind: a claim whose report was never stored, or
 * is another unit's (a claim left by a failed append under an id taken meanwhile), holds nothing.
 */
async function claimedReport(reading: StreamReading, slot: string): Promise<string | null> {
  const claims = (await reading.read(slot)).filter(isSlotEvent);
  const claim = claims[claims.length - 1]?.data;
  if (!claim) return null;
  const [first] = await reading.read(reportStream(claim.reportId));
  const held = first?.type === 'ReportSubmitted' && first.data.unitId === claim.unitId && first.data.kind === claim.kind && first.data.campaignId === claim.campaignId;
  return held ? claim.reportId : null;
}

/**
 * A report is submitted and amended by officers of the reporting unit's subtree, and
 * acknowledged or returned only by those of the unit it was sent to (not by units above it).
 */
@CommandHandler(ReportCommandMessage)
export class ReportCommandHandler implements ICommandHandler<ReportCommandMessage, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly store: EventStore,
  ) {}

  async execute({ command: c, context }: ReportCommandMessage): Promise<CommandResult> {
    const submitted = ((await firstEvent(this.store, reportStream(c.reportId))) as ReportSubmitted | null)?.data ?? null;
    const date = c.type === 'SubmitReport' ? c.submittedOn : c.type === 'AmendReport' ? c.amendedOn : c.on;
    const unitId = c.type === 'SubmitReport' ? c.unitId : (submitted?.unitId ?? null);
    const scope: AccessReference[] = [];
    if (c.type === 'SubmitReport') scope.push({ unitId: c.unitId, on: date, field: 'unitId' });
    const receiving = c.type === 'AcknowledgeReport' || c.type === 'ReturnReport';
    const slot = c.type === 'SubmitReport' ? reportSlotStream(c.campaignId, c.unitId, c.kind) : null;
    if (submitted) {
      // Only the receiving unit itself (or the unit it merged into) acknowledges or returns a report.
      scope.push(
        receiving
          ? { unitId: submitted.submittedTo, on: date, field: 'id', receives: true, exact: true }
          : { unitId: submitted.unitId, on: date, field: c.type === 'SubmitReport' ? 'reportId' : 'id' },
      );
    }
    const plan = unitFactPlan(
      { stream: reportStream(c.reportId), id: c.reportId, initialState: initialReportState, evolve: evolveReport },
      { campaignId: c.type === 'SubmitReport' ? c.campaignId : (submitted?.campaignId ?? null), unitId, date, field: 'unitId', scope },
      businessToday(),
      async (state, setting, reading) => {
        // The unit reports to its parent as the hierarchy stands that day (a merged parent's successor).
        const parentId = c.type === 'SubmitReport' ? ((await new Hierarchy(reading).chainOn(c.unitId, date))[1] ?? null) : null;
        // The receiver (or its successor) acts on what it was sent, inside the campaign's subtree or
        // not (the issuing unit's own report goes to the level above it): it must only be active.
        const receiver = receiving && submitted ? { ...(await actingUnit(reading, submitted.submittedTo, date, setting.campaign)), inCampaign: true } : null;
        const existingReportId = slot ? await claimedReport(reading, slot) : null;
        return decideReport(c, state, { ...setting, parentId, receiver, existingReportId });
      },
    );
    if (c.type !== 'SubmitReport' || !slot) return this.runner.run(plan, context);
    // One report of a kind per unit: the submission holds the unit's place for it alone and claims it with the report.
    return this.runner.run(
      {
        ...plan,
        exclusive: [slot],
        prefetch: [...(plan.prefetch ?? []), slot],
        alongside: async () => [
          { stream: slot, events: [{ type: 'ReportSlotClaimed' as const, data: { campaignId: c.campaignId, unitId: c.unitId, kind: c.kind, reportId: c.reportId, claimedOn: c.submittedOn } }] },
        ],
      },
      context,
    );
  }
}
