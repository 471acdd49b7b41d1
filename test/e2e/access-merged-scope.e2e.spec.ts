import { describe, expect, it } from '@jest/globals';
import { expectProblem } from '../support/problems.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { api, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

/**
 * The scope of a unit that has been merged away passes to the unit it merged into: from the
 * merger on, the old unit's officer no longer acts on what was its subtree, in commands as in
 * views; and since a command changes what it touches from its date on, not for facts dated
 * before the merger either.
 */
describe('scope after a merger of the scope unit itself', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('refuses the officer of a merged district the units of its former subtree from the merger on', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh Bình Thuận', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const d1 = (await establish(app, { name: 'LĐLĐ huyện Hàm Thuận Bắc', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const d2 = (await establish(app, { name: 'LĐLĐ thành phố Phan Thiết', kind: 'district_federation', parentId: province, establishedOn: '2000-01-01' })).id;
    const school = (await establish(app, { name: 'CĐCS Trường TH Ma Lâm', kind: 'grassroots_union', parentId: d1, establishedOn: '2005-01-01' })).id;
    const merged = await api(app).post(`/org-units/${d1}/merge`).send({ intoUnitId: d2, effectiveOn: '2025-09-01' }).expect(200);
    const officerOfD1 = tokenFor(app, { sub: 'officer-d1', role: 'officer', unit: d1 });
    const officerOfD2 = tokenFor(app, { sub: 'officer-d2', role: 'officer', unit: d2 });

    expectProblem(await api(app, officerOfD1).post(`/org-units/${school}/rename`).send({ name: 'CĐCS mới', effectiveOn: '2025-09-02' }), 403, 'auth.out_of_scope', ['id']);
    expectProblem(
      await api(app, officerOfD1).post('/members').send({ unitId: school, fullName: 'Trần Văn Bình', memberCode: 'HTB-1', joinedOn: '2025-09-03' }),
      403,
      'auth.out_of_scope',
      ['unitId'],
    );
    expectProblem(await api(app, officerOfD1).get(`/org-units/${school}`).query({ asOf: '2025-09-02', minPosition: merged.body.position }), 404, 'org_unit.not_found');
    // Before the merger the school was D1's; from it on, D2's. A fact dated before it changes
    // the school in D2's time too: neither district records it, the province above both does.
    const backDated = { unitId: school, fullName: 'Trần Văn An', memberCode: 'HTB-2', joinedOn: '2025-08-01' };
    expectProblem(await api(app, officerOfD1).post('/members').send(backDated), 403, 'auth.out_of_scope', ['unitId']);
    expectProblem(await api(app, officerOfD2).post('/members').send(backDated), 403, 'auth.out_of_scope', ['unitId']);
    await api(app, tokenFor(app, { sub: 'officer-province', role: 'officer', unit: province })).post('/members').send(backDated).expect(201);
    await api(app, officerOfD2).post(`/org-units/${school}/rename`).send({ name: 'CĐCS mới', effectiveOn: '2025-09-02' }).expect(200);
  });
});

/**
 * A guarded append refused because a stream the command read moved (here: its unit renamed,
 * every time, between the reading and the append) must not wear the command out: the next
 * attempt holds its locks, which renames do not take.
 */
describe('commands amid renames of the units they read', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('enrols a member even when the unit it joins is renamed under every guarded append', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh Lâm Đồng', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const district = (await establish(app, { name: 'Công đoàn ngành Giáo dục', kind: 'local_sector_union', parentId: province, establishedOn: '2000-01-01' })).id;
    const school = (await establish(app, { name: 'CĐCS Trường A', kind: 'grassroots_union', parentId: district, establishedOn: '2000-01-01' })).id;
    const officer = tokenFor(app, { sub: 'officer-province', role: 'officer', unit: province });
    const store = app.service.app.get(EventStore);
    const original = store.appendGuarded.bind(store);
    let renames = 0;
    store.appendGuarded = async (stream, events, expected, guard) => {
      if (stream.startsWith('member-')) {
        await api(app).post(`/org-units/${school}/rename`).send({ name: `Tên ${++renames}`, effectiveOn: '2024-01-01' }).expect(200);
      }
      return original(stream, events, expected, guard);
    };
    try {
      for (const token of [app.adminToken, officer]) {
        const res = await api(app, token).post('/members').send({ unitId: school, fullName: 'Đoàn viên', memberCode: `A-${renames}`, joinedOn: '2024-03-01' });
        expect(res.status).toBe(201);
      }
      expect(renames).toBeGreaterThanOrEqual(2);
    } finally {
      store.appendGuarded = original;
    }
  });
});

/**
 * Commands waiting for a unit that another command holds alone wait on the lock connections,
 * never on the event store's: the holder can still append, and nobody times out.
 */
describe('commands waiting for a unit being terminated', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  it('lets the termination finish at once, and every waiting enrolment through, however many wait', async () => {
    const province = (await establish(app, { name: 'LĐLĐ tỉnh Bắc Kạn', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const unit = (await establish(app, { name: 'CĐCS Trường B', kind: 'grassroots_union', parentId: province, establishedOn: '2000-01-01' })).id;
    const store = app.service.app.get(EventStore);
    const original = store.appendToStream.bind(store);
    let reached!: () => void;
    const atAppend = new Promise<void>((resolve) => (reached = resolve));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    store.appendToStream = async (stream, events, expected) => {
      if (events.some((e) => e.type === 'OrgUnitTerminated')) {
        reached();
        await gate;
      }
      return original(stream, events, expected);
    };
    try {
      // The termination holds the unit alone and is about to append...
      const terminated = api(app).post(`/org-units/${unit}/terminate`).send({ effectiveOn: '2025-06-01', reason: 'giải thể' }).then((res) => res);
      await atAppend;
      // ...while more enrolments than the store has connections wait for the unit.
      const enrolments = Array.from({ length: 16 }, (_, i) =>
        api(app).post('/members').send({ unitId: unit, fullName: `Đoàn viên ${i}`, memberCode: `B-${i}`, joinedOn: '2024-03-01' }).then((res) => res.status),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      const opened = Date.now();
      open();
      expect((await terminated).status).toBe(200);
      expect(Date.now() - opened).toBeLessThan(2000);
      expect(await Promise.all(enrolments)).toEqual(Array.from({ length: 16 }, () => 201));
    } finally {
      store.appendToStream = original;
    }
  });
});

