import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { EventStore } from '../../src/infrastructure/event-store/event-store.port.js';
import { api, type TestApp, useTestApp } from '../support/test-app.js';

interface Schema {
  readonly $ref?: string;
  readonly allOf?: readonly Schema[];
  readonly nullable?: boolean;
  readonly type?: string;
  readonly properties?: Record<string, Schema>;
  readonly required?: readonly string[];
  readonly items?: Schema;
}

interface Document {
  readonly paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  readonly components: { readonly schemas: Record<string, Schema> };
}

/** A value of the wrong type for a property of this schema. */
function wrongValue(doc: Document, schema: Schema): unknown {
  const ref = schema.$ref ?? schema.allOf?.[0]?.$ref;
  const resolved = ref ? doc.components.schemas[ref.split('/').pop()!] : schema;
  if (!resolved || resolved.properties || resolved.type === 'object') return 'not an object';
  switch (resolved.type) {
    case 'array':
      return 'not a list';
    case 'integer':
    case 'number':
      return 'not a number';
    case 'boolean':
      return 'not a boolean';
    default:
      return 12345;
  }
}

/**
 * Every command route the OpenAPI document describes, sent bodies that are wrong in every
 * field at once: the answer is 400 naming each field (the missing ones, those of the wrong
 * type, an unknown one), and nothing is appended.
 */
describe('command input, every route from the OpenAPI document', () => {
  let app!: TestApp;
  useTestApp((started) => (app = started));

  it('names every missing, mistyped, null or unknown field of every command with 400, appending nothing', async () => {
    const doc = (await api(app).get('/docs-json').expect(200)).body as Document;
    const store = app.service.app.get(EventStore);
    const before = await store.headPosition();
    const faults: string[] = [];
    let routes = 0;
    for (const [path, operations] of Object.entries(doc.paths)) {
      const ref = operations['post']?.requestBody?.content?.['application/json']?.schema?.$ref;
      if (!ref) continue;
      const schema = doc.components.schemas[ref.split('/').pop()!]!;
      const url = path.replace(/\{[^}]+\}/g, () => randomUUID());
      routes++;
      const required = schema.required ?? [];
      const empty = await api(app).post(url).send({});
      const missing = new Set((empty.body.errors ?? []).map((e: { field: string }) => e.field.split(/[.[]/)[0]));
      if (empty.status !== 400) faults.push(`POST ${path} {} → ${empty.status}`);
      for (const field of required) if (!missing.has(field)) faults.push(`POST ${path} {}: ${field} (required) not named`);

      const properties = Object.entries(schema.properties ?? {});
      const wrong = Object.fromEntries([...properties.map(([name, s]) => [name, wrongValue(doc, s)]), ['notAField', 1]]);
      const res = await api(app).post(url).send(wrong);
      const named = new Set((res.body.errors ?? []).map((e: { field: string }) => e.field.split(/[.[]/)[0]));
      if (res.status !== 400) faults.push(`POST ${path} with every field wrong → ${res.status}`);
      for (const [name] of [...properties, ['notAField']]) if (!named.has(name)) faults.push(`POST ${path}: ${name} not named (${JSON.stringify(wrong[name as string])})`);

      // null is a wrong value too, except where the document says it means something.
      for (const [name, property] of properties) {
        if (property.nullable) continue;
        const withNull = await api(app).post(url).send({ [name]: null });
        const fields = (withNull.body.errors ?? []).map((e: { field: string }) => e.field.split(/[.[]/)[0]);
        if (withNull.status !== 400 || !fields.includes(name)) faults.push(`POST ${path}: ${name}: null → ${withNull.status} ${JSON.stringify(fields)}`);
      }
    }
    expect(faults).toEqual([]);
    expect(routes).toBeGreaterThanOrEqual(30);
    expect(await store.headPosition()).toBe(before);
  });
});
