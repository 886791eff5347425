import { Counter, Registry } from 'prom-client';
import request from 'supertest';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { bearer, permanentUpdate, startHarness, type Harness } from './harness.ts';

let h: Harness;
afterEach(() => h.close());

describe('cross-cutting behaviour', () => {
  it('sets security headers and never x-powered-by', async () => {
    h = await startHarness();
    const res = await h.http.get('/api/v1/health');
    expect([res.status, res.body]).toEqual([200, { status: 'ok' }]);
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    });
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('answers unknown paths with JSON 404', async () => {
    h = await startHarness();
    const res = await h.http.get('/api/v1/nothing-here');
    expect([res.status, res.body]).toEqual([404, { error: 'Not found' }]);
  });

  it('turns malformed, missing and non-JSON bodies into Wrong JSON body', async () => {
    h = await startHarness();
    const malformed = await h.http.post('/api/v1/login').set('Content-Type', 'application/json').send('{"username": "admin",');
    const missing = await h.http.post('/api/v1/login');
    const text = await h.http.post('/api/v1/login').set('Content-Type', 'text/plain').send('username=admin');
    const scalar = await h.http.post('/api/v1/login').set('Content-Type', 'application/json').send('"admin"');
    for (const res of [malformed, missing, text, scalar]) expect([res.status, res.body]).toEqual([400, { error: 'Wrong JSON body' }]);
    const field = await h.http.post('/api/v1/login').send({ username: 'admin' });
    expect(field.body).toEqual({ error: 'Wrong JSON body: no value for `password`' });
  });

  it('refuses bodies over the limit with 413', async () => {
    h = await startHarness({ bodyLimit: 2048 });
    const items = Array.from({ length: 50 }, (_, i) => ({ ...permanentUpdate(), identifier_number: String(i) }));
    const res = await h.http.put('/api/v1/access/identifiers?type=card').set(bearer(h.adminToken)).send({ list_items: items });
    expect([res.status, res.body]).toEqual([413, { error: 'Request body too large' }]);
  });

  it('hides internal failures behind a JSON 500 without details', async () => {
    h = await startHarness();
    h.db.close();
    const res = await h.http.get('/api/v1/users').set(bearer(h.adminToken));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'Internal server error' });
    expect(res.text).not.toMatch(/at |sqlite|Error:/i);
  });

  it('serves its metrics and the daemon metrics from one registry', async () => {
    h = await startHarness();
    const metrics = new Registry();
    new Counter({ name: 'doorctl_reads_total', help: 'daemon metric', registers: [metrics] }).inc(3);
    const app = createApp({ services: h.services, logger: silentLogger, clock: h.clock, metrics });
    const http = request(app);
    await http.get('/api/v1/access/identifier/item/00000000-0000-4000-8000-000000000000').set(bearer(h.adminToken));
    const res = await http.get('/metrics').set(bearer(h.operatorToken));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toContain('doorctl_reads_total 3');
    expect(res.text).toContain('doorctl_http_requests_total{method="GET",route="/api/v1/access/identifier/item/:uid",status="404"} 1');
    // A second app on the same registry reuses the metrics instead of failing to register them.
    expect(() => createApp({ services: h.services, logger: silentLogger, clock: h.clock, metrics })).not.toThrow();
  });
});
