import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { EVENT_CATALOGUE } from '../../src/events/event-catalogue.js';
import { orgUnitStream } from '../../src/events/org/org-unit-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { api, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

describe('events stored at an older schema version', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('are read as the current version by the projections, the scope check and the commands', async () => {
    expect(EVENT_CATALOGUE.OrgUnitEstablished.schemaVersion).toBeGreaterThan(1);
    const province = (await establish(app, { name: 'Tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    // Written directly in the shape of version 1, without a level: no command writes it so today.
    const unitId = randomUUID();
    const store = app.service.app.get(EventStore);
    const old = await store.appendToStream(
      orgUnitStream(unitId),
      [
        {
          id: randomUUID(),
          type: 'OrgUnitEstablished',
          schemaVersion: 1,
          data: { unitId, code: 'CDCS-OLD', name: 'CĐCS cũ', kind: 'grassroots_union', parentId: province, establishedOn: '2001-01-01' },
          occurredOn: '2001-01-01',
          metadata: { actor: { id: 'migration', role: 'admin', scopeUnitId: null }, correlationId: randomUUID(), causationId: null, idempotencyKey: null },
        },
      ],
      'no_stream',
    );
    expect((await store.readStream(orgUnitStream(unitId)))[0]!.schemaVersion).toBe(1);

    // The projection read it with the level of its kind.
    const view = await api(app).get(`/org-units/${unitId}?asOf=2024-01-01&minPosition=${old.position}`).expect(200);
    expect(view.body).toMatchObject({ unitId, level: 'grassroots', parentId: province, name: 'CĐCS cũ' });

    // A scoped officer's command walks it (the scope check) and decides on it (the command side):
    // members go only into grassroots units, so its level must have been read.
    const officer = tokenFor(app, { sub: 'officer-p', role: 'officer', unit: province });
    const enrolled = await api(app, officer)
      .post('/members')
      .send({ unitId, fullName: 'Lê Thị C', memberCode: 'M-OLD', joinedOn: '2020-01-01' });
    expect(enrolled.status).toBe(201);
    const renamed = await api(app, officer).post(`/org-units/${unitId}/rename`).send({ name: 'CĐCS mới', effectiveOn: '2024-06-01' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.streamRevision).toBe(1);
  });
});
