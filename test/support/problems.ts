import { expect } from '@jest/globals';
import type { Response } from 'supertest';

export interface FieldError {
  field: string;
  message: string;
}

const TITLES: Record<number, string> = {
  400: 'Invalid request',
  401: 'Not authenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  412: 'Precondition failed',
  413: 'Request too large',
  422: 'Not allowed by the rules',
  429: 'Too many requests',
  503: 'Service unavailable',
};

/**
 * An RFC 9457 answer: content type, type/title/status/detail and the code, naming exactly
 * these fields (in order) when given.
 */
export function expectProblem(res: Response, status: number, problemCode: string, fields?: readonly string[]): void {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { code: problemCode } });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body.type).toBe(`urn:problem:${problemCode}`);
  expect(res.body.title).toBe(TITLES[status]);
  expect(res.body.status).toBe(status);
  expect(typeof res.body.detail).toBe('string');
  expect(res.body.detail.length).toBeGreaterThan(0);
  if (fields) {
    expect((res.body.errors as FieldError[]).map((e) => e.field)).toEqual(fields);
    for (const e of res.body.errors as FieldError[]) expect(e.message.length).toBeGreaterThan(0);
  }
}
