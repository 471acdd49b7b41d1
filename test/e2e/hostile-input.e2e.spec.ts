import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { memberStream } from '../../src/events/org/member-events.js';
import { orgUnitStream } from '../../src/events/org/org-unit-events.js';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { expectProblem } from '../support/problems.js';
import { api, code, enrol, establish, type TestApp, useTestApp } from '../support/test-app.js';

describe('input the database cannot store, or the service should not walk', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const province = (name: string) => ({ code: code('P'), name, kind: 'provincial_federation', establishedOn: '2000-01-01' });

  it('refuses a NUL character in any text field with 400 naming the field', async () => {
    const res = await api(app).post('/org-units').send(province('a\u0000b'));
    expectProblem(res, 400, 'request.invalid', ['name']);
  });

  describe('text that is only white space (it is trimmed to nothing)', () => {
    const blanks: [string, string][] = [
      ['spaces', '   '],
      ['tabs and line breaks', ' \t\n '],
      ['a no-break space', '\u00a0'],
      ['an ideographic space', '\u3000 '],
    ];
    const streamLength = async (stream: string): Promise<number> => (await app.service.app.get(EventStore).readStream(stream)).length;

    it.each(blanks)('refuses %s as a unit’s name or code with 400 naming the field, creating nothing', async (_what, blank) => {
      for (const [field, body] of [
        ['name', { name: blank, code: code('P') }],
        ['code', { name: 'LĐLĐ tỉnh', code: blank }],
      ] as const) {
        const unitId = randomUUID();
        const res = await api(app).post('/org-units').send({ unitId, kind: 'provincial_federation', establishedOn: '2000-01-01', ...body });
        expectProblem(res, 400, 'request.invalid', [field]);
        expect(await streamLength(orgUnitStream(unitId))).toBe(0);
      }
    });

    it.each(blanks)('refuses %s as a new name or a termination’s reason with 400 naming the field, appending nothing', async (_what, blank) => {
      const unit = await establish(app, { name: 'LĐLĐ tỉnh Trắng', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      expectProblem(await api(app).post(`/org-units/${unit.id}/rename`).send({ name: blank, effectiveOn: '2001-01-01' }), 400, 'request.invalid', ['name']);
      expectProblem(await api(app).post(`/org-units/${unit.id}/terminate`).send({ effectiveOn: '2001-01-01', reason: blank }), 400, 'request.invalid', ['reason']);
      expect(await streamLength(orgUnitStream(unit.id))).toBe(1);
    });

    it.each(blanks)('refuses %s as a member’s full name or code with 400 naming the field, enrolling nobody', async (_what, blank) => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const school = await establish(app, { name: 'CĐCS Trường', kind: 'grassroots_union', parentId: province.id, establishedOn: '2000-01-01' });
      for (const [field, body] of [
        ['fullName', { fullName: blank, memberCode: code('M') }],
        ['memberCode', { fullName: 'Lò Văn Tám', memberCode: blank }],
      ] as const) {
        const memberId = randomUUID();
        const res = await api(app).post('/members').send({ memberId, unitId: school.id, joinedOn: '2010-01-01', ...body });
        expectProblem(res, 400, 'request.invalid', [field]);
        expect(await streamLength(memberStream(memberId))).toBe(0);
        const memberIds = [randomUUID(), memberId];
        const imported = await api(app)
          .post('/members/import')
          .send({ members: memberIds.map((id, i) => ({ memberId: id, unitId: school.id, joinedOn: '2010-01-01', fullName: 'Lò Thị Chín', memberCode: code('M'), ...(i === 1 ? body : {}) })) });
        expectProblem(imported, 400, 'request.invalid', [`members[1].${field}`]);
        for (const id of memberIds) expect(await streamLength(memberStream(id))).toBe(0);
      }
    });

    it.each(blanks)('refuses %s as the reason a member leaves with 400 naming it, appending nothing', async (_what, blank) => {
      const province = await establish(app, { name: 'LĐLĐ tỉnh', kind: 'provincial_federation', establishedOn: '2000-01-01' });
      const school = await establish(app, { name: 'CĐCS Trường', kind: 'grassroots_union', parentId: province.id, establishedOn: '2000-01-01' });
      const member = await enrol(app, { unitId: school.id, fullName: 'Lường Thị Mai', joinedOn: '2010-01-01' });
      expectProblem(await api(app).post(`/members/${member.id}/leave`).send({ effectiveOn: '2020-01-01', reason: blank }), 400, 'request.invalid', ['reason']);
      expect(await streamLength(memberStream(member.id))).toBe(1);
    });
  });

  it('refuses broken UTF-16 (a lone surrogate) with 400 naming the field', async () => {
    const res = await api(app)
      .post('/org-units')
      .set('content-type', 'application/json')
      .send(`{"code":"X-1","name":"a\\ud800b","kind":"provincial_federation","establishedOn":"2000-01-01"}`);
    expectProblem(res, 400, 'request.invalid', ['name']);
  });

  it('refuses bodies nested deeper than any request needs, without failing', async () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const res = await api(app).post('/members/import').set('content-type', 'application/json').send(`{"members":${deep}}`);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('keeps well-formed Vietnamese text and emoji intact', async () => {
    const name = 'Công đoàn cơ sở Trường THPT Nguyễn Bỉnh Khiêm 🎓';
    const unit = await establish(app, { name, kind: 'provincial_federation', establishedOn: '2000-01-01' });
    const res = await api(app).get(`/org-units/${unit.id}`).query({ minPosition: unit.position }).expect(200);
    expect(res.body.name).toBe(name);
  });

  it('accepts business dates of any year from 0001', async () => {
    const unit = await establish(app, { name: 'Cổ', kind: 'provincial_federation', establishedOn: '0099-03-01' });
    const res = await api(app).get(`/org-units/${unit.id}`).query({ asOf: '0099-03-01', minPosition: unit.position }).expect(200);
    expect(res.body.establishedOn).toBe('0099-03-01');
  });

  it('treats a weak If-Match tag as never matching (412), appending nothing', async () => {
    const unit = await establish(app, { name: 'Weak', kind: 'provincial_federation', establishedOn: '2000-01-01' });
    const res = await api(app).post(`/org-units/${unit.id}/rename`).set('If-Match', 'W/"0"').send({ name: 'Weaker', effectiveOn: '2001-01-01' });
    expectProblem(res, 412, 'command.precondition_failed');
    const ok = await api(app).post(`/org-units/${unit.id}/rename`).set('If-Match', '"0"').send({ name: 'Strong', effectiveOn: '2001-01-01' });
    expect(ok.status).toBe(200);
    expect(ok.body.streamRevision).toBe(1);
  });

  it('refuses a forged paging cursor with 400 naming it', async () => {
    const unit = await establish(app, { name: 'Cursor', kind: 'provincial_federation', establishedOn: '2000-01-01' });
    const forged = Buffer.from(JSON.stringify(['a\u0000', 'x'])).toString('base64url');
    const res = await api(app).get(`/org-units/${unit.id}/children`).query({ cursor: forged, minPosition: unit.position });
    expectProblem(res, 400, 'request.invalid', ['cursor']);
  });

  it('refuses a command body that is not JSON with 415', async () => {
    const res = await api(app).post('/org-units').set('content-type', 'text/plain').send('code=X&name=Y');
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([{ field: 'Content-Type', message: expect.stringContaining('text/plain') }]);
  });
});
