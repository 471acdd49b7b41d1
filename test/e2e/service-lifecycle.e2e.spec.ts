import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { api, enrol, establish, startTestApp, type TestApp } from '../support/test-app.js';

interface ProjectionStatus {
  name: string;
  runner: string;
  position: string;
  eventsApplied: number;
  rebuildStartedAt: string | null;
}

async function projections(app: TestApp): Promise<Record<string, ProjectionStatus>> {
  const res = await api(app).get('/admin/projections').expect(200);
  return Object.fromEntries((res.body.items as ProjectionStatus[]).map((p) => [p.name, p]));
}

async function until<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`not reached in ${timeoutMs} ms: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('the service across restarts, instances and rebuilds', () => {
  let db: TestDatabase;
  const apps: TestApp[] = [];

  async function start(): Promise<TestApp> {
    const app = await startTestApp(db.url);
    apps.push(app);
    return app;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await db.drop();
  });

  it('keeps all data over a restart and resumes projections from their checkpoints', async () => {
    const first = await start();
    const province = await establish(first, { name: 'LĐLĐ tỉnh Bắc Kạn', kind: 'provincial_federation', establishedOn: '2000-01-01' });
    const school = await establish(first, { name: 'CĐCS Trường B', kind: 'grassroots_union', parentId: province.id, establishedOn: '2003-01-01' });
    const member = await enrol(first, { unitId: school.id, fullName: 'Hoàng Thị C', joinedOn: '2015-09-01' });
    await api(first).get(`/members/${member.id}`).query({ minPosition: member.position }).expect(200);
    const before = await until(
      () => projections(first),
      (p) => Object.values(p).every((x) => BigInt(x.position) >= BigInt(member.position)),
    );
    await first.close();
    apps.splice(apps.indexOf(first), 1);

    const second = await start();
    const unit = await api(second).get(`/org-units/${province.id}`).query({ asOf: '2020-01-01' }).expect(200);
    expect(unit.body.members).toEqual({ direct: 0, subtree: 1 });
    const afterRestart = await projections(second);
    for (const name of Object.keys(before)) {
      expect(afterRestart[name]!.eventsApplied).toBe(before[name]!.eventsApplied);
      expect(BigInt(afterRestart[name]!.position) >= BigInt(before[name]!.position)).toBe(true);
    }

    // New facts are projected once, on top of what was there.
    const renamed = await api(second).post(`/org-units/${school.id}/rename`).send({ name: 'CĐCS Trường B mới', effectiveOn: '2024-01-01' }).expect(200);
    const view = await api(second).get(`/org-units/${school.id}`).query({ minPosition: renamed.body.position }).expect(200);
    expect(view.body.name).toBe('CĐCS Trường B mới');
    const now = await projections(second);
    expect(now['org-structure']!.eventsApplied).toBe(before['org-structure']!.eventsApplied + 1);
    expect(now['membership']!.eventsApplied).toBe(before['membership']!.eventsApplied);
  });

  it('runs each projection on one of two instances, and the other takes over when it stops', async () => {
    for (const app of apps.splice(0)) await app.close();
    const a = await start();
    const b = await start();
    const both = await until(
      async () => [await projections(a), await projections(b)],
      ([pa, pb]) => Object.keys(pa!).every((n) => [pa![n]!.runner, pb![n]!.runner].sort().join() === 'active,standby'),
    );
    expect(Object.keys(both[0]!).sort()).toEqual(['commendations', 'compliance', 'membership', 'org-structure', 'snapshots']);

    // Written through one instance, visible through the other, whichever runs the projection.
    const unit = await establish(b, { name: 'CĐCS Bệnh viện', kind: 'grassroots_union', establishedOn: '2001-01-01' });
    await api(a).get(`/org-units/${unit.id}`).query({ minPosition: unit.position }).expect(200);

    const survivor = both[0]!['org-structure']!.runner === 'active' ? b : a;
    const stopped = survivor === a ? b : a;
    await stopped.close();
    apps.splice(apps.indexOf(stopped), 1);
    await until(
      () => projections(survivor),
      (p) => Object.values(p).every((x) => x.runner === 'active'),
    );
    const later = await establish(survivor, { name: 'CĐCS Nhà máy', kind: 'grassroots_union', establishedOn: '2002-01-01' });
    const res = await api(survivor).get(`/org-units/${later.id}`).query({ minPosition: later.position }).expect(200);
    expect(res.body.name).toBe('CĐCS Nhà máy');
  });

  it('rebuilds a read model from the start of the log while serving, to the same answers', async () => {
    const app = apps[apps.length - 1]!;
    const province = await establish(app, { name: 'LĐLĐ tỉnh Bình Thuận', kind: 'provincial_federation', establishedOn: '2000-01-01' });
    const school = await establish(app, { name: 'CĐCS Trường D', kind: 'grassroots_union', parentId: province.id, establishedOn: '2004-01-01' });
    const member = await enrol(app, { unitId: school.id, fullName: 'Lê Văn D', joinedOn: '2016-01-01' });
    const before = await api(app).get(`/org-units/${province.id}`).query({ asOf: '2020-01-01', minPosition: member.position }).expect(200);
    const startedBefore = (await projections(app))['membership']!.rebuildStartedAt;

    await api(app).post('/admin/projections/membership/rebuild').expect(202);
    await api(app).post('/admin/projections/nonexistent/rebuild').expect(404);
    await until(
      () => projections(app),
      (p) => p['membership']!.rebuildStartedAt !== startedBefore && BigInt(p['membership']!.position) >= BigInt(member.position),
    );
    const after = await api(app).get(`/org-units/${province.id}`).query({ asOf: '2020-01-01', minPosition: member.position }).expect(200);
    expect({ ...after.body, position: undefined }).toEqual({ ...before.body, position: undefined });
    expect(after.body.members).toEqual({ direct: 0, subtree: 1 });
  });
});
