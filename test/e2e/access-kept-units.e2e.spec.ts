import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { orgUnitStream } from '../../src/events/org/org-unit-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { expectProblem } from '../support/problems.js';
import { api, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

/**
 * The units a scope check walks are kept between commands, but never trusted: when another
 * instance has moved one since, a command neither passes on the old hierarchy nor is refused
 * by it.
 */
describe('units kept from earlier scope checks', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  async function setting() {
    const p = (await establish(app, { name: 'Tỉnh P', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const q = (await establish(app, { name: 'Tỉnh Q', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const d = (await establish(app, { name: 'Huyện D', kind: 'district_federation', parentId: p, establishedOn: '2000-01-01' })).id;
    const g = (await establish(app, { name: 'CĐCS G', kind: 'grassroots_union', parentId: d, establishedOn: '2000-01-01' })).id;
    const officer = (unit: string) => tokenFor(app, { sub: `officer-${unit.slice(0, 8)}`, role: 'officer', unit });
    const enrol = (token: string, n: number) =>
      api(app, token).post('/members').send({ unitId: g, fullName: `Đoàn viên ${n}`, memberCode: `K-${randomUUID().slice(0, 8)}`, joinedOn: '2024-03-01' });
    // P's officer enrols once: the walk up from G through D is kept.
    expect((await enrol(officer(p), 0)).status).toBe(201);
    // Another instance moves D from P to Q: nothing of this instance sees it happen.
    const store = app.service.app.get(EventStore);
    const [last] = await store.readStream(orgUnitStream(d), { direction: 'backwards', maxCount: 1 });
    await store.appendToStream(
      orgUnitStream(d),
      [
        {
          id: randomUUID(),
          type: 'OrgUnitTransferred',
          schemaVersion: 1,
          data: { unitId: d, fromParentId: p, toParentId: q, effectiveOn: '2020-01-01' },
          occurredOn: '2020-01-01',
          metadata: { actor: { id: 'other-instance', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
        },
      ],
      last!.streamRevision,
    );
    return { p, q, officer, enrol };
  }

  it('refuses the officer of the unit’s former province, though the kept walk says it is theirs', async () => {
    const h = await setting();
    expectProblem(await h.enrol(h.officer(h.p), 1), 403, 'auth.out_of_scope', ['unitId']);
  });

  it('lets the officer of its new province act, though the kept walk says it is not theirs', async () => {
    const h = await setting();
    expect((await h.enrol(h.officer(h.q), 2)).status).toBe(201);
  });
});
