import { describe, expect, it } from '@jest/globals';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { api, enrol, establish, type TestApp, useTestApp } from '../support/test-app.js';
import { EVENT_CATALOGUE } from '../../src/events/event-catalogue.js';

describe('organisation through HTTP', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  it('answers the hierarchy as it stood on a date after a later transfer', async () => {
    const province = await establish(app, { name: 'LĐLĐ tỉnh Bình Thuận', kind: 'provincial_federation', establishedOn: '2000-01-01' });
    const district = await establish(app, { name: 'LĐLĐ Phan Thiết', kind: 'district_federation', parentId: province.id, establishedOn: '2001-01-01' });
    const school = await establish(app, { name: 'CĐCS Trường A', kind: 'grassroots_union', parentId: district.id, establishedOn: '2005-01-01' });
    await enrol(app, { unitId: school.id, fullName: 'Nguyễn Văn A', joinedOn: '2010-01-01' });
    const moved = await api(app).post(`/org-units/${school.id}/transfer`).send({ newParentId: province.id, effectiveOn: '2025-07-01' });
    expect(moved.status).toBe(200);

    const before = await api(app).get(`/org-units/${school.id}`).query({ asOf: '2024-05-01', minPosition: moved.body.position });
    expect(before.status).toBe(200);
    expect(before.body.parentId).toBe(district.id);
    expect(before.body.ancestors.map((a: { unitId: string }) => a.unitId)).toEqual([district.id, province.id]);
    const after = await api(app).get(`/org-units/${school.id}`).query({ asOf: '2025-07-01' });
    expect(after.body.parentId).toBe(province.id);
    expect(after.body.members).toEqual({ direct: 1, subtree: 1 });
  });

  it('records the metadata of every appended event: actor, correlation, causation, idempotency key, business date', async () => {
    const res = await api(app)
      .post('/org-units')
      .set('X-Correlation-Id', 'audit-trail-42')
      .set('Idempotency-Key', 'establish-hanoi-1')
      .send({ code: 'LDLD-HN', name: 'LĐLĐ thành phố Hà Nội', kind: 'provincial_federation', establishedOn: '1946-01-01' });
    expect(res.status).toBe(201);
    expect(res.headers['x-correlation-id']).toBe('audit-trail-42');
    const [event] = await app.service.app.get(EventStore).readStream(`orgUnit-${res.body.id}`);
    expect(event!.type).toBe('OrgUnitEstablished');
    expect(event!.schemaVersion).toBe(EVENT_CATALOGUE.OrgUnitEstablished.schemaVersion);
    expect(event!.occurredOn).toBe('1946-01-01');
    expect(event!.recordedAt).toBeInstanceOf(Date);
    expect(event!.position.toString()).toBe(res.body.position);
    expect(event!.metadata).toMatchObject({
      actor: { id: 'test-admin', role: 'admin', scopeUnitId: null },
      correlationId: 'audit-trail-42',
      idempotencyKey: 'establish-hanoi-1',
    });
    expect(event!.metadata.causationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(event!.metadata.requestHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses to terminate a unit while units are recorded under it on or after the date', async () => {
    const province = await establish(app, { name: 'LĐLĐ tỉnh Thái Nguyên', kind: 'provincial_federation', establishedOn: '2000-01-01' });
    const district = await establish(app, { name: 'LĐLĐ huyện Chợ Mới', kind: 'district_federation', parentId: province.id, establishedOn: '2000-01-01' });
    const school = await establish(app, { name: 'CĐCS Trường E', kind: 'grassroots_union', parentId: district.id, establishedOn: '2001-01-01' });

    const refused = await api(app).post(`/org-units/${district.id}/terminate`).send({ effectiveOn: '2025-07-01', reason: 'district level abolished' });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('org_unit.has_children');
    expect(refused.body.detail).toContain(school.id);

    await api(app).post(`/org-units/${school.id}/transfer`).send({ newParentId: province.id, effectiveOn: '2025-07-01' }).expect(200);
    // Terminating on an earlier date would leave the school under a terminated unit in between.
    const early = await api(app).post(`/org-units/${district.id}/terminate`).send({ effectiveOn: '2025-01-01', reason: 'abolished' });
    expect(early.status).toBe(422);
    const done = await api(app).post(`/org-units/${district.id}/terminate`).send({ effectiveOn: '2025-07-01', reason: 'district level abolished' });
    expect(done.status).toBe(200);
    const view = await api(app).get(`/org-units/${district.id}`).query({ asOf: '2025-07-01', minPosition: done.body.position }).expect(200);
    expect(view.body.status).toBe('terminated');
  });

  it('never lets a unit be terminated while a child is placed under it at the same moment', async () => {
    const province = await establish(app, { name: 'LĐLĐ tỉnh Lâm Đồng', kind: 'provincial_federation', establishedOn: '2000-01-01' });
    for (let round = 0; round < 12; round++) {
      const commune = await establish(app, { name: `Công đoàn xã ${round}`, kind: 'commune_union', parentId: province.id, establishedOn: '2025-07-01' });
      const [terminated, child] = await Promise.all([
        api(app).post(`/org-units/${commune.id}/terminate`).send({ effectiveOn: '2026-02-01', reason: 'race' }),
        api(app).post('/org-units').send({ code: `G-${round}-${commune.id.slice(0, 6)}`, name: 'CĐCS', kind: 'grassroots_union', parentId: commune.id, establishedOn: '2025-08-01' }),
      ]);
      // Exactly one of the two goes through; the other is refused by the rules.
      const outcome = [terminated.status, child.status];
      expect([[200, 422], [422, 201]]).toContainEqual(outcome);
      const refused = outcome[0] === 422 ? terminated : child;
      expect(['org_unit.has_children', 'org_unit.parent_terminated', 'org_unit.parent_not_active']).toContain(refused.body.code);
    }
  });

  it('refuses to place a unit under one whose mergers lead to a terminated unit', async () => {
    const province = await establish(app, { name: 'LĐLĐ tỉnh Cao Bằng', kind: 'provincial_federation', establishedOn: '2000-01-01' });
    const d1 = await establish(app, { name: 'D1', kind: 'district_federation', parentId: province.id, establishedOn: '2000-01-01' });
    const d2 = await establish(app, { name: 'D2', kind: 'district_federation', parentId: province.id, establishedOn: '2000-01-01' });
    await api(app).post(`/org-units/${d1.id}/merge`).send({ intoUnitId: d2.id, effectiveOn: '2025-03-01' }).expect(200);
    await api(app).post(`/org-units/${d2.id}/terminate`).send({ effectiveOn: '2025-06-01', reason: 'abolished' }).expect(200);
    const res = await api(app).post('/org-units').send({ code: 'G-late', name: 'CĐCS', kind: 'grassroots_union', parentId: d1.id, establishedOn: '2025-01-01' });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('org_unit.parent_terminated');
    expect(res.body.errors).toEqual([{ field: 'parentId', message: expect.stringContaining('terminated on 2025-06-01') }]);
  });
});
