import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { api, signToken, type TestApp, useTestApp } from '../support/test-app.js';

/**
 * The OpenAPI document (GET /docs-json) and its UI (GET /docs) against the contract of
 * API.md and the routes the application actually serves: a route of API.md that is served
 * must be in the document, with its body, answers, problem+json errors and bearer auth.
 * API.md routes not built yet do not fail the test.
 */

/** API.md lives beside the project root: ../shared/API.md. */
const API_MD = fileURLToPath(new URL('../../../shared/API.md', import.meta.url));
const PACKAGE_JSON = fileURLToPath(new URL('../../package.json', import.meta.url));

/** The UI's and the document's own routes: the document does not describe itself. */
const DOCS_ROUTES = /^\/docs(-json|\/.*)?$/;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];

interface ContractRoute {
  readonly method: Method;
  /** Express form, `/org-units/:id`. */
  readonly path: string;
  /** The table gives it a JSON body (`{ … }`). */
  readonly body: boolean;
  /** The query column, as written. */
  readonly query: string;
}

interface Operation {
  readonly parameters?: { name: string; in: string; required?: boolean; schema?: object }[];
  readonly requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  readonly responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  readonly security?: Record<string, string[]>[];
}

interface OpenApiDocument {
  readonly openapi: string;
  readonly info: { title: string; version: string };
  readonly paths: Record<string, Partial<Record<Method, Operation>>>;
  readonly components: { schemas: Record<string, Schema>; securitySchemes?: Record<string, object> };
}

const key = (method: string, path: string): string => `${method.toUpperCase()} ${path}`;

/** `/org-units/:id` → `/org-units/{id}`. */
const toOpenApiPath = (path: string): string => path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

/**
 * The tests that read API.md run where it is (beside the project root, as in CI); a checkout
 * without it reports them as skipped, saying why.
 */
const CONTRACT_MISSING = existsSync(API_MD) ? null : `${API_MD} is missing (API.md is kept beside the project root, in ../shared)`;
if (CONTRACT_MISSING) console.warn(`OpenAPI tests against API.md skipped: ${CONTRACT_MISSING}`);
const skipped = it.skip;
const againstContract = (title: string, test: () => Promise<void> | void): void =>
  CONTRACT_MISSING ? skipped(`${title} (skipped: ${CONTRACT_MISSING})`, test) : it(title, test);

function readContract(): string {
  if (!existsSync(API_MD)) {
    throw new Error(`The API contract is missing: expected ${API_MD} (../shared/API.md beside the project root)`);
  }
  return readFileSync(API_MD, 'utf8');
}

/**
 * The routes of API.md: the first cell of every table row that names a method and a path
 * (`POST /reports/:id/amend · /acknowledge · /return` names three), and the routes named in
 * the running text (`GET /health`).
 */
function contractRoutes(markdown: string): ContractRoute[] {
  const routes: ContractRoute[] = [];
  for (const line of markdown.split('\n')) {
    if (line.trimStart().startsWith('|')) {
      const cells = line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim());
      const route = /^(GET|POST|PUT|PATCH|DELETE)\s+(\/\S*)((?:\s+·\s+\/\S+)*)$/.exec(cells[0] ?? '');
      if (!route) continue;
      const [, method, path, more] = route;
      const siblings = (more ?? '')
        .split('·')
        .map((s) => s.trim())
        .filter((s) => s.startsWith('/'))
        .map((suffix) => path!.replace(/\/[^/]+$/, suffix));
      const second = cells[1] ?? '';
      for (const p of [path!, ...siblings]) {
        routes.push({ method: method!.toLowerCase() as Method, path: p, body: second.startsWith('`{'), query: second });
      }
    } else {
      for (const [, method, path] of line.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`\s]*)`/g)) {
        routes.push({ method: method!.toLowerCase() as Method, path: path!, body: false, query: '' });
      }
    }
  }
  return routes;
}

/** Every route the running application serves, read from its router. */
function servedRoutes(app: TestApp): { method: Method; path: string }[] {
  const express = app.service.app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  return express.router.stack
    .filter((layer) => layer.route)
    .flatMap((layer) =>
      Object.keys(layer.route!.methods)
        .filter((m): m is Method => (METHODS as readonly string[]).includes(m))
        .map((method) => ({ method, path: layer.route!.path })),
    );
}

/** The routes served by the application's controllers (not the docs' own). */
const apiRoutes = (app: TestApp) => servedRoutes(app).filter((r) => !DOCS_ROUTES.test(r.path));

const documentedRoutes = (doc: OpenApiDocument): string[] =>
  Object.entries(doc.paths).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => key(m, path)));

const operation = (doc: OpenApiDocument, method: Method, path: string): Operation | undefined => doc.paths[toOpenApiPath(path)]?.[method];

interface Schema {
  readonly $ref?: string;
  readonly type?: string;
  readonly properties?: Record<string, unknown>;
}

/** The schema a `$ref` names, or the inline schema. */
function resolve(doc: OpenApiDocument, schema: Schema | undefined): Schema | undefined {
  if (!schema?.$ref) return schema;
  return doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')];
}

const ERROR_STATUS = /^[45]\d\d$/;

describe('OpenAPI: the document at /docs-json and the UI at /docs', () => {
  let app!: TestApp;
  // Every route is called once without a token: the failed-authentication limit is raised.
  useTestApp((started) => (app = started), { AUTH_FAILURE_LIMIT: '100000' });

  async function openApi(): Promise<OpenApiDocument> {
    const res = await api(app, null).get('/docs-json');
    expect(res.status).toBe(200);
    return res.body as OpenApiDocument;
  }

  it('serves the OpenAPI document without a token, titled, versioned, with a bearer JWT scheme', async () => {
    const res = await api(app, null).get('/docs-json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const doc = JSON.parse(res.text) as OpenApiDocument;
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toBeTruthy();
    expect(doc.info.version).toBe((JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version);
    expect(doc.components.securitySchemes).toEqual({ bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }) });
  });

  againstContract('reads the routes of API.md', () => {
    const routes = contractRoutes(readContract()).map((r) => key(r.method, r.path));
    // A guard against a parser that silently finds nothing: a few routes of each section.
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /org-units',
        'GET /org-units/:id/children',
        'POST /campaigns/:id/action-plans/:unitId/tasks/:taskId/complete',
        'POST /reports/:id/amend',
        'POST /reports/:id/acknowledge',
        'POST /reports/:id/return',
        'GET /campaigns/:id/compliance/:unitId',
        'GET /audit/ledger/digest',
        'GET /health',
        'GET /docs-json',
      ]),
    );
    expect(routes.length).toBeGreaterThan(40);
  });

  againstContract('documents every route of API.md that the service serves', async () => {
    const doc = await openApi();
    const documented = new Set(documentedRoutes(doc));
    const served = new Set(apiRoutes(app).map((r) => key(r.method, r.path)));
    const contract = contractRoutes(readContract()).filter((r) => !DOCS_ROUTES.test(r.path));
    const built = contract.filter((r) => served.has(key(r.method, r.path)));
    expect(built.length).toBeGreaterThan(0);
    expect(built.map((r) => key(r.method, toOpenApiPath(r.path))).filter((route) => !documented.has(route))).toEqual([]);
  });

  it('documents every route the application serves, and none that it does not', async () => {
    const doc = await openApi();
    const served = apiRoutes(app)
      .map((r) => key(r.method, toOpenApiPath(r.path)))
      .sort();
    expect(documentedRoutes(doc).sort()).toEqual(served);
  });

  againstContract('documents each command of API.md with its JSON body, its answer, its problem+json errors and bearer auth', async () => {
    const doc = await openApi();
    const served = new Set(apiRoutes(app).map((r) => key(r.method, r.path)));
    const commands = contractRoutes(readContract()).filter((r) => r.body && served.has(key(r.method, r.path)));
    expect(commands.length).toBeGreaterThan(0);
    const faults: string[] = [];
    for (const { method, path } of commands) {
      const route = key(method, path);
      const op = operation(doc, method, path);
      if (!op) {
        faults.push(`${route}: not in the document`);
        continue;
      }
      const body = resolve(doc, op.requestBody?.content?.['application/json']?.schema);
      if (!body || (!body.properties && body.type !== 'array')) faults.push(`${route}: no application/json request body schema`);
      if (op.requestBody?.required !== true) faults.push(`${route}: the request body is not required`);
      const success = Object.entries(op.responses).filter(([status]) => /^2\d\d$/.test(status));
      if (success.length === 0) faults.push(`${route}: no 2xx answer`);
      for (const [status, response] of success) {
        if (!resolve(doc, response.content?.['application/json']?.schema)?.properties) faults.push(`${route}: the ${status} answer has no schema`);
      }
      for (const status of ['400', '401', '403']) {
        if (!op.responses[status]) faults.push(`${route}: no ${status} answer`);
      }
      for (const [status, response] of Object.entries(op.responses).filter(([s]) => ERROR_STATUS.test(s))) {
        const problem = resolve(doc, response.content?.['application/problem+json']?.schema);
        if (!problem?.properties?.['type'] || !problem.properties['status']) faults.push(`${route}: the ${status} answer is not a problem+json`);
      }
      if (!op.security?.some((requirement) => 'bearer' in requirement)) faults.push(`${route}: no bearer security requirement`);
    }
    expect(faults).toEqual([]);
  });

  againstContract('documents each view of API.md with its path and query parameters, its answer and its problem+json errors', async () => {
    const doc = await openApi();
    const served = new Set(apiRoutes(app).map((r) => key(r.method, r.path)));
    const views = contractRoutes(readContract()).filter((r) => r.method === 'get' && r.path !== '/health' && served.has(key(r.method, r.path)));
    expect(views.length).toBeGreaterThan(0);
    const faults: string[] = [];
    for (const { method, path, query } of views) {
      const route = key(method, path);
      const op = operation(doc, method, path);
      if (!op) {
        faults.push(`${route}: not in the document`);
        continue;
      }
      const parameters = new Set((op.parameters ?? []).map((p) => `${p.in} ${p.name}`));
      for (const [, name] of path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)) {
        if (!parameters.has(`path ${name}`)) faults.push(`${route}: path parameter ${name} undocumented`);
      }
      // Every query accepts minPosition (API.md, conventions), and what its row names.
      const named = [...query.matchAll(/`([A-Za-z]+)\??`/g)].map((m) => m[1]!).filter((name) => name !== 'paging');
      for (const name of ['minPosition', ...named]) {
        if (!parameters.has(`query ${name}`)) faults.push(`${route}: query parameter ${name} undocumented`);
      }
      const content = op.responses['200']?.content ?? {};
      if (route.endsWith('/export')) {
        // A spreadsheet: each format it streams is documented as a file.
        for (const type of ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'text/csv']) {
          if ((content[type]?.schema as { format?: string } | undefined)?.format !== 'binary') faults.push(`${route}: the 200 answer does not document ${type}`);
        }
      } else if (!resolve(doc, content['application/json']?.schema)?.properties) faults.push(`${route}: the 200 answer has no schema`);
      for (const status of ['400', '401', '403', '404', '503']) {
        if (!op.responses[status]?.content?.['application/problem+json']) faults.push(`${route}: no problem+json ${status} answer`);
      }
      if (!op.security?.some((requirement) => 'bearer' in requirement)) faults.push(`${route}: no bearer security requirement`);
    }
    expect(faults).toEqual([]);
  });

  it('documents bearer auth on exactly the routes that refuse a caller without a token', async () => {
    const doc = await openApi();
    const mismatches: string[] = [];
    for (const { method, path } of apiRoutes(app)) {
      const op = operation(doc, method, path);
      if (!op) {
        mismatches.push(`${key(method, path)}: not in the document`);
        continue;
      }
      const documented = op.security?.some((requirement) => 'bearer' in requirement) ?? false;
      const concrete = path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) => (name === 'name' ? 'org-structure' : randomUUID()));
      // Without a token nothing is read, let alone appended: the guard refuses first.
      const res = await api(app, null)[method](concrete);
      const needsToken = res.status === 401;
      if (documented !== needsToken) mismatches.push(`${key(method, path)}: bearer ${documented ? '' : 'not '}documented, answers ${res.status} without a token`);
      if (needsToken && !op.responses['401']?.content?.['application/problem+json']) mismatches.push(`${key(method, path)}: no problem+json 401 documented`);
    }
    expect(mismatches).toEqual([]);
  });

  it('serves the UI at /docs without a token, with every script and stylesheet it loads, within its CSP', async () => {
    const page = await api(app, null).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    // No inline script: the CSP (script-src 'self') lets the page run.
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
    // The page is reachable over plain http too: its relative assets are not upgraded to https.
    expect(csp).not.toContain('upgrade-insecure-requests');

    const assets = [...page.text.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)=["']([^"']+)["']/gi)].map((m) => m[1]!);
    const scripts = assets.filter((a) => a.endsWith('.js'));
    const styles = assets.filter((a) => a.endsWith('.css'));
    expect(scripts.length).toBeGreaterThanOrEqual(2);
    expect(styles.length).toBeGreaterThanOrEqual(1);
    for (const asset of [...scripts, ...styles]) {
      const url = new URL(asset, 'http://service.test/docs');
      expect(url.host).toBe('service.test');
      const res = await api(app, null).get(url.pathname);
      expect({ asset: url.pathname, status: res.status }).toEqual({ asset: url.pathname, status: 200 });
      // nosniff is on: each must be served with its own type.
      expect(res.headers['content-type']).toMatch(asset.endsWith('.js') ? /javascript/ : /^text\/css/);
    }
    // The page's own script carries the document.
    const init = await api(app, null).get(new URL(scripts.find((s) => s.endsWith('swagger-ui-init.js'))!, 'http://service.test/docs').pathname);
    expect(init.text).toContain('"openapi"');
  });

  it('keeps the CSP of the API itself strict', async () => {
    const res = await api(app, null).get('/health');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).toContain('upgrade-insecure-requests');
  });

  it('refuses a token that does not verify on /docs as on any path, and takes a valid one', async () => {
    const forged = signToken('another-secret-of-at-least-32-characters', { sub: 'mallory', role: 'admin' });
    const refused = await api(app, forged).get('/docs-json');
    expect(refused.status).toBe(401);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect((await api(app).get('/docs')).status).toBe(200);
    expect((await api(app).get('/docs-json')).status).toBe(200);
  });
});
