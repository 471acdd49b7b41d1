import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { api, enrol, establish, startTestApp, type TestApp } from '../support/test-app.js';

describe('organisation through HTTP', () => {
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTestApp(db.url);
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

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
});
