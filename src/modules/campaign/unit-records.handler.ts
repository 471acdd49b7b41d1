import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { actionPlanStream, classificationStream, implementationPlanStream, type InspectionRecorded, inspectionStream } from '../../events/campaign/unit-record-events.js';
import type { CommandResult } from '../../infrastructure/commands/command-context.js';
import { CommandMessage } from '../../infrastructure/commands/command-message.js';
import { CommandRunner } from '../../infrastructure/commands/command-runner.js';
import { EventStore } from '../../infrastructure/event-store/event-store.port.js';
import { businessToday } from '../../shared/values.js';
import { type ActionPlanCommand, decideActionPlan, evolveActionPlan, initialActionPlanState } from './action-plan/action-plan.decider.js';
import { firstEvent, unitFactPlan } from './campaign-reading.js';
import { type ClassifyUnit, decideClassification, evolveClassification, initialClassificationState } from './classification/classification.decider.js';
import { decideImplementationPlan, evolveImplementationPlan, type IssueImplementationPlan, initialImplementationPlanState } from './implementation-plan/implementation-plan.decider.js';
import { decideInspection, evolveInspection, initialInspectionState, type RecordInspection } from './inspection/inspection.decider.js';

/** What a unit records as a collective for a campaign: its plans, its grade, its inspections. */
export type UnitRecordCommand = IssueImplementationPlan | ActionPlanCommand | ClassifyUnit | RecordInspection;

export class UnitRecordCommandMessage extends CommandMessage<UnitRecordCommand> {}

/**
 * Each by officers of the unit's subtree (a grade or an inspection by those above the unit),
 * for the span from the fact's date on. The
 * implementation plan, the action plan and the grade have one stream per unit and campaign;
 * an inspection has its own.
 */
@CommandHandler(UnitRecordCommandMessage)
export class UnitRecordCommandHandler implements ICommandHandler<UnitRecordCommandMessage, CommandResult> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly store: EventStore,
  ) {}

  async execute({ command: c, context }: UnitRecordCommandMessage): Promise<CommandResult> {
    const today = businessToday();
    const fact = { campaignId: c.campaignId, unitId: c.unitId, field: 'unitId' };
    switch (c.type) {
      case 'IssueImplementationPlan':
        return this.runner.run(
          unitFactPlan(
            { stream: implementationPlanStream(c.campaignId, c.unitId), id: c.unitId, initialState: initialImplementationPlanState, evolve: evolveImplementationPlan },
            { ...fact, date: c.document.issuedOn },
            today,
            (state, setting) => decideImplementationPlan(c, state, setting),
          ),
          context,
        );
      case 'AdoptActionPlan':
      case 'CompleteActionTask':
        return this.runner.run(
          unitFactPlan(
            { stream: actionPlanStream(c.campaignId, c.unitId), id: c.unitId, initialState: initialActionPlanState, evolve: evolveActionPlan },
            { ...fact, date: c.type === 'AdoptActionPlan' ? c.adoptedOn : c.completedOn },
            today,
            (state, setting) => decideActionPlan(c, state, setting),
          ),
          context,
        );
      case 'ClassifyUnit':
        return this.runner.run(
          unitFactPlan(
            { stream: classificationStream(c.campaignId, c.unitId), id: c.unitId, initialState: initialClassificationState, evolve: evolveClassification },
            // A unit is graded from above: by the levels over it, not by its own officers.
            { ...fact, date: c.decidedOn, scope: [{ unitId: c.unitId, on: c.decidedOn, field: 'unitId', above: true }] },
            today,
            (state, setting) => decideClassification(c, state, setting),
          ),
          context,
        );
      case 'RecordInspection': {
        // An id already taken is the inspected unit's: outside the caller's scope it answers as out of scope.
        const existing = (await firstEvent(this.store, inspectionStream(c.inspectionId))) as InspectionRecorded | null;
        const taken = existing ? [{ unitId: existing.data.unitId, on: c.conductedOn, field: 'inspectionId' }] : [];
        // Inspected from above: by the levels over the unit, not by its own officers.
        const scope = [{ unitId: c.unitId, on: c.conductedOn, field: 'unitId', above: true }, ...taken];
        return this.runner.run(
          unitFactPlan(
            { stream: inspectionStream(c.inspectionId), id: c.inspectionId, initialState: initialInspectionState, evolve: evolveInspection },
            { ...fact, date: c.conductedOn, scope },
            today,
            (state, setting) => decideInspection(c, state, setting),
          ),
          context,
        );
      }
      default: {
        const unreachable: never = c;
        return unreachable;
      }
    }
  }
}
