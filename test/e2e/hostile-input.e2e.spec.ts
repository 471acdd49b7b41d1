import { describe, expect, it } from '@jest/globals';
import { expectProblem } from '../support/problems.js';
import { api, code, establish, type TestApp, useTestApp } from '../support/test-app.js';

describe('input the database cannot store, or the service should not walk', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  const province = (name: string) => ({ code: code('P'), name, kind: 'provincial_federation', establishedOn: '2000-01-01' });

  it('refuses a NUL character in any text field with 400 naming the field', async () => {
    const res = await api(app).post('/org-units').send(province('a\u0000b'));
    expectProblem(res, 400, 'request.invalid', ['name']);
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
