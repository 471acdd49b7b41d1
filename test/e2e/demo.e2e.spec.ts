import { describe, expect, it } from '@jest/globals';
import { type DemoApi, runDemo } from '../../src/cli/demo-scenario.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { ProjectionProgress } from '../../src/infrastructure/projections/projection-progress.js';
import { ProjectionsService } from '../../src/infrastructure/projections/projections.service.js';
import { api, type TestApp, useTestApp } from '../support/test-app.js';

describe('the demo scenario through the public API', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  it('loads both seed campaigns and the 2025 reorganisation, every command accepted; run again, it appends nothing', async () => {
    const answers: number[] = [];
    const client: DemoApi = {
      async post(path, body, key) {
        const res = await api(app).post(path).set('Idempotency-Key', key).send(body as object);
        if (res.status !== 200 && res.status !== 201) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
        answers.push(res.status);
      },
    };
    const quiet = { step: () => undefined, done: () => undefined };
    const store = app.service.app.get(EventStore);
    await runDemo(client, quiet, { membersPerUnit: 12, concurrency: 4 });
    const head = await store.headPosition();
    const first = answers.length;
    expect(first).toBeGreaterThan(300);

    await runDemo(client, quiet, { membersPerUnit: 12, concurrency: 4 });
    expect(answers.length).toBe(2 * first);
    expect(await store.headPosition()).toBe(head);

    // Reading the log stops below any transaction still open (a view's batch): wait for the views first.
    await app.service.app.get(ProjectionProgress).waitFor(app.service.app.get(ProjectionsService).names(), head, 60_000);
    const types = new Set((await store.readAll({ maxCount: 100_000 })).map((e) => e.type));
    for (const type of [
      'CampaignPlanIssued',
      'ImplementationPlanIssued',
      'StudySessionHeld',
      'StudySessionAttendanceCorrected',
      'StudySessionVoided',
      'PledgeSubmitted',
      'ActionPlanAdopted',
      'ActionTaskCompleted',
      'ReportSubmitted',
      'ReportAmended',
      'ReportReturned',
      'ReportAcknowledged',
      'CommendationProposed',
      'CommendationReviewed',
      'CommendationDecided',
      'UnitClassified',
      'InspectionRecorded',
      'OrgUnitTransferred',
      'OrgUnitTerminated',
      'OrgUnitMerged',
    ]) {
      expect([type, types.has(type)]).toEqual([type, true]);
    }
  }, 120_000);
});
