import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { memberStream } from '../../src/events/org/member-events.js';
import { orgUnitStream } from '../../src/events/org/org-unit-events.js';
import { UnitLocks } from '../../src/infrastructure/commands/unit-locks.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { expectProblem } from '../support/problems.js';
import { api, code, enrol, establish, type TestApp, tokenFor, useTestApp } from '../support/test-app.js';

const LOCK_CLASS = 0x4f55;

/**
 * A command's scope check and its append hold still what the check read: the races a
 * concurrent reorganisation could open, each played out step by step.
 */
describe('access under concurrent reorganisations', () => {
  let app: TestApp;
  useTestApp((started) => (app = started));

  async function session(): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: app.service.databaseUrl });
    await c.connect();
    return c;
  }
  const waitingForLocks = async (c: pg.Client): Promise<number> =>
    Number((await c.query(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND NOT granted`, [LOCK_CLASS])).rows[0].n);
  async function until(check: () => Promise<boolean>, ms = 5000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`not reached in ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  /** A promise and the function that settles it. */
  function latch(): { promise: Promise<void>; open: () => void } {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    return { promise, open };
  }

  async function province() {
    const p = (await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const d1 = (await establish(app, { name: 'Huyện 1', kind: 'district_federation', parentId: p, establishedOn: '2000-01-01' })).id;
    const d2 = (await establish(app, { name: 'Huyện 2', kind: 'district_federation', parentId: p, establishedOn: '2000-01-01' })).id;
    return { p, d1, d2 };
  }

  it('never records a district officer’s fact about a member another command is moving out of the district', async () => {
    const { d1, d2 } = await province();
    const c = await session();
    // B's lock key sorts first: a command waiting for B holds none of its other locks yet.
    const { rows } = await c.query(`SELECT u::text AS id FROM (SELECT gen_random_uuid() u FROM generate_series(1, 100000)) s ORDER BY hashtext(u::text) LIMIT 1`);
    const a = (await establish(app, { name: 'A', kind: 'grassroots_union', parentId: d1, establishedOn: '2000-01-01' })).id;
    const a2 = (await establish(app, { name: 'A2', kind: 'grassroots_union', parentId: d1, establishedOn: '2000-01-01' })).id;
    const b = (await establish(app, { unitId: rows[0].id as string, name: 'B', kind: 'grassroots_union', parentId: d2, establishedOn: '2000-01-01' })).id;
    const member = (await enrol(app, { unitId: a, fullName: 'Mùa A Dính', joinedOn: '2020-01-01' })).id;
    const store = app.service.app.get(EventStore);
    const original = store.appendToStream.bind(store);
    const atAppend = latch();
    const gate = latch();
    store.appendToStream = async (stream, events, revision) => {
      if (stream === memberStream(member) && events.some((e) => e.type === 'MemberLeft')) {
        atAppend.open();
        await gate.promise;
      }
      return original(stream, events, revision);
    };
    try {
      // Another instance holds B for a moment: an administrator's move of her from A to B waits for it.
      await c.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, b]);
      let moved = false;
      const toB = api(app)
        .post(`/members/${member}/transfer`)
        .send({ toUnitId: b, effectiveOn: '2025-03-01' })
        .then((res) => {
          moved = true;
          return res;
        });
      await until(async () => (await waitingForLocks(c)) === 1);
      // Meanwhile she moves from A to A2, still in district 1...
      await api(app).post(`/members/${member}/transfer`).send({ toUnitId: a2, effectiveOn: '2025-02-01' }).expect(200);
      // ...and the district officer's leave passes its check (she is in A2) and is about to append.
      const leave = api(app, tokenFor(app, { sub: 'officer-d1', role: 'officer', unit: d1 }))
        .post(`/members/${member}/leave`)
        .send({ effectiveOn: '2025-04-01', reason: 'nghỉ việc' })
        .then((res) => res);
      await atAppend.promise;
      // B is free again: the move to B must now wait for the leave, not slip in before its append.
      await c.query('SELECT pg_advisory_unlock_all()');
      await until(async () => moved || (await waitingForLocks(c)) === 1);
      expect(moved).toBe(false);
      gate.open();
      const [left, transfer] = await Promise.all([leave, toB]);
      expect(left.status).toBe(200);
      expectProblem(transfer, 422, 'member.already_left');
      const events = await store.readStream(memberStream(member));
      expect(events.map((e) => [e.type, e.metadata.actor.id])).toEqual([
        ['MemberEnrolled', 'test-admin'],
        ['MemberTransferred', 'test-admin'],
        ['MemberLeft', 'officer-d1'],
      ]);
      expect((events[2]!.data as { unitId: string }).unitId).toBe(a2);
    } finally {
      store.appendToStream = original;
      await c.end();
    }
  });

  it('decides only on a consistent reading: a check torn by two reorganisations is looked at again, not refused', async () => {
    const s = (await establish(app, { name: 'Tỉnh S', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const other = (await establish(app, { name: 'Tỉnh khác', kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
    const p = (await establish(app, { name: 'P', kind: 'district_federation', parentId: s, establishedOn: '2000-01-01' })).id;
    const p2 = (await establish(app, { name: 'P2', kind: 'district_federation', parentId: s, establishedOn: '2000-01-01' })).id;
    const u = (await establish(app, { name: 'U', kind: 'grassroots_union', parentId: p, establishedOn: '2000-01-01' })).id;
    const store = app.service.app.get(EventStore);
    const original = store.readStream.bind(store);
    const atRead = latch();
    const gate = latch();
    let armed = true;
    store.readStream = async (stream, options) => {
      if (armed && stream === orgUnitStream(p)) {
        armed = false;
        atRead.open();
        await gate.promise;
      }
      return original(stream, options);
    };
    try {
      // The check has read U (under P) and is about to read P...
      const rename = api(app, tokenFor(app, { sub: 'officer-s', role: 'officer', unit: s }))
        .post(`/org-units/${u}/rename`)
        .send({ name: 'U mới', effectiveOn: '2025-09-01' })
        .then((res) => res);
      await atRead.promise;
      // ...when U moves to P2 (still in S) and P leaves S: U was within S all along.
      await api(app).post(`/org-units/${u}/transfer`).send({ newParentId: p2, effectiveOn: '2025-08-01' }).expect(200);
      await api(app).post(`/org-units/${p}/transfer`).send({ newParentId: other, effectiveOn: '2025-08-01' }).expect(200);
      gate.open();
      expect((await rename).status).toBe(200);
    } finally {
      store.readStream = original;
    }
  });

  describe('an administrator without a unit placing a unit under a parent being terminated', () => {
    type Placement = 'establish' | 'transfer';
    const TERMINATED_ON = '2026-02-01';
    const PLACED_ON = '2025-08-01';

    /** A province with a commune union (the parent to be terminated) and a grassroots unit under another district. */
    async function setting(tag: string) {
      const p = (await establish(app, { name: `Tỉnh ${tag}`, kind: 'provincial_federation', establishedOn: '2000-01-01' })).id;
      const parent = (await establish(app, { name: `Xã ${tag}`, kind: 'commune_union', parentId: p, establishedOn: '2025-07-01' })).id;
      const elsewhere = (await establish(app, { name: `Huyện ${tag}`, kind: 'district_federation', parentId: p, establishedOn: '2000-01-01' })).id;
      const school = (await establish(app, { name: `CĐCS ${tag}`, kind: 'grassroots_union', parentId: elsewhere, establishedOn: '2000-01-01' })).id;
      return { parent, elsewhere, school };
    }

    /** The command placing a unit under `parent`: a new one (its id chosen here), or `school` moved there. */
    function place(placement: Placement, parent: string, school: string, newId: string) {
      return placement === 'establish'
        ? api(app).post('/org-units').send({ unitId: newId, code: code('G'), name: 'CĐCS mới', kind: 'grassroots_union', parentId: parent, establishedOn: PLACED_ON })
        : api(app).post(`/org-units/${school}/transfer`).send({ newParentId: parent, effectiveOn: PLACED_ON });
    }
    const terminate = (parent: string) => api(app).post(`/org-units/${parent}/terminate`).send({ effectiveOn: TERMINATED_ON, reason: 'sáp nhập xã' });

    /**
     * What the event streams say in the end: whether the parent is terminated, and whether a
     * unit was placed under it (the new one established, or the school transferred there).
     */
    async function outcome(placement: Placement, parent: string, school: string, newId: string) {
      const store = app.service.app.get(EventStore);
      const terminated = (await store.readStream(orgUnitStream(parent))).some((e) => e.type === 'OrgUnitTerminated');
      const placed =
        placement === 'establish'
          ? (await store.readStream(orgUnitStream(newId))).length > 0
          : (await store.readStream(orgUnitStream(school))).some((e) => e.type === 'OrgUnitTransferred' && (e.data as { toParentId: string }).toParentId === parent);
      return { terminated, placed };
    }

    it.each<Placement>(['establish', 'transfer'])(
      'waits (%s) for a termination that has decided and is about to append, then is refused: no unit is left under a terminated parent',
      async (placement) => {
        const { parent, school } = await setting(`chờ ${placement}`);
        const newId = randomUUID();
        const c = await session();
        const store = app.service.app.get(EventStore);
        const original = store.appendToStream.bind(store);
        const atAppend = latch();
        const gate = latch();
        store.appendToStream = async (stream, events, revision) => {
          if (stream === orgUnitStream(parent) && events.some((e) => e.type === 'OrgUnitTerminated')) {
            atAppend.open();
            await gate.promise;
          }
          return original(stream, events, revision);
        };
        try {
          // The termination has found no child and holds its parent: it is about to append.
          const ended = terminate(parent).then((res) => res);
          await atAppend.promise;
          let done = false;
          const placing = place(placement, parent, school, newId).then((res) => {
            done = true;
            return res;
          });
          // The placement must wait for the parent, not slip in before the termination's append.
          await until(async () => done || (await waitingForLocks(c)) === 1);
          expect(done).toBe(false);
          gate.open();
          const [end, placed] = await Promise.all([ended, placing]);
          expect(end.status).toBe(200);
          expect(placed.status).toBe(422);
          expect(['org_unit.parent_terminated', 'org_unit.parent_not_active']).toContain(placed.body.code);
          expect(await outcome(placement, parent, school, newId)).toEqual({ terminated: true, placed: false });
        } finally {
          store.appendToStream = original;
          gate.open();
          await c.end();
        }
      },
    );

    it.each<Placement>(['establish', 'transfer'])(
      'lets exactly one of a termination and a concurrent placement (%s) through, round after round',
      async (placement) => {
        for (let round = 0; round < 12; round++) {
          const { parent, school } = await setting(`${placement} ${round}`);
          const newId = randomUUID();
          // Which one is sent first alternates, so that each gets to go first.
          const first = round % 2 === 0;
          const answers = await Promise.all(first ? [terminate(parent), place(placement, parent, school, newId)] : [place(placement, parent, school, newId), terminate(parent)]);
          const [end, placed] = first ? [answers[0]!, answers[1]!] : [answers[1]!, answers[0]!];
          const final = await outcome(placement, parent, school, newId);
          if (end.status === 200) {
            // The parent is terminated: nothing was placed under it.
            expect(placed.status).toBe(422);
            expect(['org_unit.parent_terminated', 'org_unit.parent_not_active']).toContain(placed.body.code);
            expect(final).toEqual({ terminated: true, placed: false });
          } else {
            // The unit was placed: the termination is refused while it has a child.
            expect({ status: end.status, code: end.body.code }).toEqual({ status: 422, code: 'org_unit.has_children' });
            expect([200, 201]).toContain(placed.status);
            expect(final).toEqual({ terminated: false, placed: true });
          }
        }
      },
    );
  });

  it('answers 503 with Retry-After when the units a command needs stay held past the lock timeout', async () => {
    const { p, d1 } = await province();
    const unit = (await establish(app, { name: 'G', kind: 'grassroots_union', parentId: d1, establishedOn: '2000-01-01' })).id;
    const c = await session();
    // Another command (of any instance) holds district 1 for long.
    await c.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, d1]);
    try {
      const started = Date.now();
      const res = await api(app, tokenFor(app, { sub: 'officer-p', role: 'officer', unit: p }))
        .post(`/org-units/${unit}/rename`)
        .send({ name: 'G mới', effectiveOn: '2025-01-01' });
      expectProblem(res, 503, 'command.units_busy');
      expect(res.headers['retry-after']).toBe('1');
      expect(Date.now() - started).toBeGreaterThanOrEqual(4500);
    } finally {
      await c.end();
    }
  }, 20_000);

  it('takes locks in the order of their keys: ids sharing a lock key cannot deadlock two commands', async () => {
    const c = await session();
    const { rows } = await c.query(
      `SELECT ids FROM (SELECT hashtext(u::text) h, array_agg(u::text ORDER BY u::text) ids
                          FROM (SELECT gen_random_uuid() u FROM generate_series(1, 400000)) s GROUP BY 1 HAVING count(*) > 1) t LIMIT 1`,
    );
    const [a, z] = rows[0].ids as string[];
    // Sorts between the two colliding ids as text, under a key of its own.
    const between = `${a}0`;
    const locks = new UnitLocks(app.service.databaseUrl, 4);
    await c.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCK_CLASS, a]);
    try {
      const hold = () => new Promise((resolve) => setTimeout(resolve, 200));
      const first = locks.withLocks([a!, between], hold).then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));
      await until(async () => (await waitingForLocks(c)) === 1);
      const second = locks.withLocks([between, z!], hold).then(() => 'ok', (e: { code?: string }) => e.code ?? String(e));
      await until(async () => (await waitingForLocks(c)) === 2);
      await c.query('SELECT pg_advisory_unlock_all()');
      expect(await Promise.all([first, second])).toEqual(['ok', 'ok']);
    } finally {
      await locks.close();
      await c.end();
    }
  });
});
