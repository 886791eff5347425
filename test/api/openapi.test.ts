/**
 * Walks every operation of the generated OpenAPI document: each protected one answers 401 Log In
 * without a token, and each admin one 403 for an operator, whatever its parameters and body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_EXTENSION } from '../../src/api/route-registry.ts';
import { bearer, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

type Op = { method: string; path: string; role: string | undefined; security: unknown };

function operations(): Op[] {
  const doc = h.app.openapi() as unknown as { paths: Record<string, Record<string, Record<string, unknown>>> };
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ method, path, role: op[ROLE_EXTENSION] as string | undefined, security: op.security })),
  );
}

/** A concrete URL for a templated path (the values need not exist: auth is checked first). */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');

function send(op: Op, token?: string) {
  const req = (h.http as unknown as Record<string, (url: string) => import('supertest').Test>)[op.method]!(concrete(op.path));
  if (token) req.set(bearer(token));
  return req.send({});
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1, served at /openapi.json, and documents every registered route', async () => {
    const res = await h.http.get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(operations()).toHaveLength(h.app.routeSpecs.length);
    const paths = operations().map((o) => `${o.method} ${o.path}`);
    expect(paths).toEqual(expect.arrayContaining([
      'put /api/v1/access/identifiers', 'post /api/v1/access/identifier/item', 'get /api/v1/access/identifier/item/{uid}',
      'post /api/v1/login', 'put /api/v1/users', 'post /api/v1/access/general/wiegand/type', 'get /api/v1/health', 'get /metrics',
      'get /api/v1/events', 'get /api/v1/events/stream', 'get /api/v1/doors', 'post /api/v1/access/general/lock/open/remote/accepted/{lock}',
      'post /seam/access_codes/create', 'post /seam/access_codes/update', 'put /seam/access_codes/update', 'patch /seam/access_codes/update',
      'post /seam/access_codes/get', 'post /seam/access_codes/list', 'post /seam/access_codes/delete', 'post /seam/access_codes/generate_code',
      'post /seam/action_attempts/get',
    ]));
    const stream = res.body.paths['/api/v1/events/stream'].get;
    expect(Object.keys(stream.responses['200'].content)).toEqual(['text/event-stream']);
    expect(stream[ROLE_EXTENSION]).toBe('operator');
    const update = res.body.paths['/api/v1/access/identifiers'].put;
    expect(update.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/IdentifierResults' });
    expect(res.body.components.schemas.ExtendedInfo.enum).toContain('has_dublicates');
  });

  it('marks every protected operation with the bearer scheme and its role', () => {
    for (const op of operations()) {
      if (op.role === undefined) expect(op.security, `${op.method} ${op.path}`).toBeUndefined();
      else expect(op.security, `${op.method} ${op.path}`).toEqual([{ bearerAuth: [] }]);
    }
    const publicOps = operations().filter((o) => o.role === undefined).map((o) => `${o.method} ${o.path}`);
    expect(publicOps.sort()).toEqual(['get /api/v1/health', 'post /api/v1/login']);
  });

  it('every protected operation answers 401 Log In without a token', async () => {
    for (const op of operations().filter((o) => o.role !== undefined)) {
      const res = await send(op);
      expect([res.status, res.body], `${op.method} ${op.path}`).toEqual([401, { error: 'Log In' }]);
    }
  });

  it('every admin operation answers 403 for an operator (session or API key), and no operator operation does', async () => {
    const created = h.services.auth.createApiKey('walker', 'operator');
    if (!created.ok) throw new Error('api key');
    // Logout last: it ends the operator session the other requests use.
    const ops = operations()
      .filter((o) => o.role !== undefined)
      .sort((a, b) => Number(a.path === '/api/v1/logout') - Number(b.path === '/api/v1/logout'));
    for (const token of [created.value.key, h.operatorToken]) {
      for (const op of ops) {
        const res = await send(op, token);
        if (op.role === 'admin') expect([res.status, res.body], `${op.method} ${op.path}`).toEqual([403, { error: 'Administrator rights required' }]);
        else expect(res.status, `${op.method} ${op.path}`).not.toBeOneOf([401, 403]);
      }
    }
  });

  it('renders a self-contained docs page under a strict CSP', async () => {
    const res = await h.http.get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.text).not.toMatch(/<script|https?:\/\/(?!localhost)/i);
    for (const op of operations()) expect(res.text).toContain(`<code>${op.path.replace(/&/g, '&amp;')}</code>`);
    expect(res.text).toContain('id="schema-IdentifierResults"');
  });
});
