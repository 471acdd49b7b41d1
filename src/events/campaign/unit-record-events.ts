import { z } from 'zod';
import { businessDate, defineEvent, type EventOf, id, text } from '../event-definition.js';

/**
 * What one unit does for one campaign as a collective: its implementation plan, its action
 * plan with tasks, its classification, and the inspections of it. The plans and the
 * classification have one stream per unit and campaign (`<category>-<campaignId>_<unitId>`).
 */
export const IMPLEMENTATION_PLAN_CATEGORY = 'implementationPlan';
export const ACTION_PLAN_CATEGORY = 'actionPlan';
export const CLASSIFICATION_CATEGORY = 'classification';
export const INSPECTION_CATEGORY = 'inspection';
export const implementationPlanStream = (campaignId: string, unitId: string): string => `${IMPLEMENTATION_PLAN_CATEGORY}-${campaignId}_${unitId}`;
export const actionPlanStream = (campaignId: string, unitId: string): string => `${ACTION_PLAN_CATEGORY}-${campaignId}_${unitId}`;
export const classificationStream = (campaignId: string, unitId: string): string => `${CLASSIFICATION_CATEGORY}-${campaignId}_${unitId}`;
export const inspectionStream = (inspectionId: string): string => `${INSPECTION_CATEGORY}-${inspectionId}`;

const signatory = () => z.strictObject({ name: text(200), position: text(300) });

export const ImplementationPlanIssued = defineEvent({
  type: 'ImplementationPlanIssued',
  schemaVersion: 1,
  schema: z.strictObject({
    campaignId: id(),
    unitId: id(),
    document: z.strictObject({ number: text(64), title: text(500).nullable(), issuedOn: businessDate(), signedBy: signatory() }),
  }),
  occurredOn: (d) => d.document.issuedOn,
  upcasters: [],
});
export type ImplementationPlanIssued = EventOf<typeof ImplementationPlanIssued>;

export const actionTaskSchema = z.strictObject({
  taskId: id(),
  title: text(500),
  responsible: text(300),
  dueOn: businessDate(),
  focal: z.boolean(),
});

export const ActionPlanAdopted = defineEvent({
  type: 'ActionPlanAdopted',
  schemaVersion: 1,
  schema: z.strictObject({
    campaignId: id(),
    unitId: id(),
    adoptedOn: businessDate(),
    tasks: z.array(actionTaskSchema).min(1).max(200),
  }),
  occurredOn: (d) => d.adoptedOn,
  upcasters: [],
});
export type ActionPlanAdopted = EventOf<typeof ActionPlanAdopted>;

export const ActionTaskCompleted = defineEvent({
  type: 'ActionTaskCompleted',
  schemaVersion: 1,
  schema: z.strictObject({ campaignId: id(), unitId: id(), taskId: id(), completedOn: businessDate(), evidence: text(2000) }),
  occurredOn: (d) => d.completedOn,
  upcasters: [],
});
export type ActionTaskCompleted = EventOf<typeof ActionTaskCompleted>;

export const CLASSIFICATION_GRADES = ['excellent', 'good', 'completed', 'not_completed'] as const;

/** The unit's grade for the year; a later one (with its reason) replaces an earlier one. */
export const UnitClassified = defineEvent({
  type: 'UnitClassified',
  schemaVersion: 1,
  schema: z.strictObject({
    campaignId: id(),
    unitId: id(),
    grade: z.enum(CLASSIFICATION_GRADES),
    decidedOn: businessDate(),
    basis: text(2000),
    replaces: z.strictObject({ grade: z.enum(CLASSIFICATION_GRADES), decidedOn: businessDate(), reason: text(2000) }).nullable(),
  }),
  occurredOn: (d) => d.decidedOn,
  upcasters: [],
});
export type UnitClassified = EventOf<typeof UnitClassified>;

export const FINDING_SEVERITIES = ['info', 'minor', 'major', 'critical'] as const;

export const InspectionRecorded = defineEvent({
  type: 'InspectionRecorded',
  schemaVersion: 1,
  schema: z.strictObject({
    inspectionId: id(),
    campaignId: id(),
    unitId: id(),
    conductedOn: businessDate(),
    findings: z.array(z.strictObject({ code: text(64), severity: z.enum(FINDING_SEVERITIES), text: text(4000) })).max(500),
  }),
  occurredOn: (d) => d.conductedOn,
  upcasters: [],
});
export type InspectionRecorded = EventOf<typeof InspectionRecorded>;

export const IMPLEMENTATION_PLAN_EVENTS = [ImplementationPlanIssued] as const;
export type ImplementationPlanEvent = EventOf<(typeof IMPLEMENTATION_PLAN_EVENTS)[number]>;
export const ACTION_PLAN_EVENTS = [ActionPlanAdopted, ActionTaskCompleted] as const;
export type ActionPlanEvent = EventOf<(typeof ACTION_PLAN_EVENTS)[number]>;
export const CLASSIFICATION_EVENTS = [UnitClassified] as const;
export type ClassificationEvent = EventOf<(typeof CLASSIFICATION_EVENTS)[number]>;
export const INSPECTION_EVENTS = [InspectionRecorded] as const;
export type InspectionEvent = EventOf<(typeof INSPECTION_EVENTS)[number]>;
