import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, OPERATOR_PASSWORD, bearer, startHarness, type Harness } from './harness.ts';

let h: Harness;
afterEach(() => h.close());

const login = (username: string, password: string) => h.http.post('/api/v1/login').send({ username, password });

describe('login', () => {
  it('returns a bearer token valid for 2 h by default, then 401 Log In', async () => {
    h = await startHarness();
    const res = await login('operator', OPERATOR_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ token: expect.any(String), expires_at: Math.floor(h.clock.now() / 1000) + 7200, account_type: 'operator' });
    const get = () => h.http.get('/api/v1/users').set(bearer(res.body.token));
    h.clock.advanceMs(2 * 3600_000 - 1000);
    expect((await get()).status).toBe(200);
    h.clock.advanceMs(1000);
    const expired = await get();
    expect([expired.status, expired.body]).toEqual([401, { error: 'Log In' }]);
    expect(expired.headers['www-authenticate']).toBe('Bearer');
  });

  it('refuses wrong passwords and unknown users alike, journaling without the password', async () => {
    h = await startHarness();
    const wrong = await login('admin', 'not-the-password');
    const unknown = await login('mallory', 'not-the-password');
    for (const r of [wrong, unknown]) expect([r.status, r.body]).toEqual([401, { error: 'Wrong username or password' }]);
    await login('admin', ADMIN_PASSWORD);
    expect(h.journal.map((e) => [e.type, e.details?.username])).toEqual([
      ['login_failure', 'admin'],
      ['login_failure', 'mallory'],
      ['login_success', 'admin'],
    ]);
    const text = JSON.stringify(h.journal);
    expect(text).not.toContain('not-the-password');
    expect(text).not.toContain(ADMIN_PASSWORD);
  });

  it('throttles failed logins per client with growing lockouts on the injected clock', async () => {
    h = await startHarness({ loginThrottle: { freeFailures: 3, baseLockMs: 1000, windowMs: 60_000 } });
    for (let i = 0; i < 3; i++) expect((await login('admin', 'guess')).status).toBe(401);
    expect((await login('admin', 'guess')).status).toBe(401);
    const locked = await login('admin', ADMIN_PASSWORD);
    expect([locked.status, locked.body]).toEqual([429, { error: 'Too many failed logins, retry later' }]);
    expect(locked.headers['retry-after']).toBe('1');
    h.clock.advanceMs(1000);
    expect((await login('admin', 'guess')).status).toBe(401);
    const longer = await login('admin', ADMIN_PASSWORD);
    expect(longer.headers['retry-after']).toBe('2');
    h.clock.advanceMs(2000);
    expect((await login('admin', ADMIN_PASSWORD)).status).toBe(200);
    expect((await login('admin', 'guess')).status).toBe(401);
    expect(h.journal.some((e) => e.type === 'login_throttled')).toBe(true);
  });

  it('logout ends the session', async () => {
    h = await startHarness();
    const token = (await login('admin', ADMIN_PASSWORD)).body.token as string;
    expect((await h.http.post('/api/v1/logout').set(bearer(token))).body).toEqual({ success: true });
    expect((await h.http.get('/api/v1/users').set(bearer(token))).status).toBe(401);
  });
});

describe('bearer credentials and roles', () => {
  it('answers 401 Log In without or with a bad token, and 403 for an operator on admin routes', async () => {
    h = await startHarness();
    for (const headers of [{}, { Authorization: 'Bearer nonsense' }, { Authorization: `Basic ${h.adminToken}` }]) {
      const res = await h.http.get('/api/v1/users').set(headers);
      expect([res.status, res.body]).toEqual([401, { error: 'Log In' }]);
    }
    const op = await h.http.put('/api/v1/users').set(bearer(h.operatorToken)).send({ list_items: [] });
    expect([op.status, op.body]).toEqual([403, { error: 'Administrator rights required' }]);
    expect((await h.http.get('/api/v1/users').set(bearer(h.operatorToken))).status).toBe(200);
  });

  it('API keys (seam_...) are shown once, work as bearer tokens with their role, and can be revoked', async () => {
    h = await startHarness();
    const created = await h.http.post('/api/v1/admin/api-keys').set(bearer(h.adminToken)).send({ name: 'scraper', role: 'operator' });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key).toMatch(/^seam_[A-Za-z0-9_-]{43}$/);
    const list = await h.http.get('/api/v1/admin/api-keys').set(bearer(h.adminToken));
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(list.body.items).toEqual([expect.objectContaining({ id: created.body.id, name: 'scraper', role: 'operator', revoked_at: null })]);
    expect((await h.http.get('/metrics').set(bearer(key))).status).toBe(200);
    expect((await h.http.put('/api/v1/users').set(bearer(key)).send({ list_items: [] })).status).toBe(403);
    await h.http.delete(`/api/v1/admin/api-keys/${created.body.id}`).set(bearer(h.adminToken)).expect(200);
    expect((await h.http.get('/metrics').set(bearer(key))).status).toBe(401);
  });

  it('administrators manage accounts; a deleted account loses its sessions', async () => {
    h = await startHarness();
    const put = await h.http.put('/api/v1/admin/accounts/guard').set(bearer(h.adminToken)).send({ password: 'guard-password-1', role: 'operator' });
    expect(put.body).toEqual({ username: 'guard', role: 'operator' });
    const short = await h.http.put('/api/v1/admin/accounts/guard').set(bearer(h.adminToken)).send({ password: 'short' });
    expect([short.status, short.body]).toEqual([400, { error: 'Wrong JSON body: value `password` was of the wrong type' }]);
    const token = (await login('guard', 'guard-password-1')).body.token as string;
    expect((await h.http.get('/api/v1/admin/accounts').set(bearer(h.adminToken))).body.items.map((a: { username: string }) => a.username)).toEqual([
      'admin', 'guard', 'operator',
    ]);
    await h.http.delete('/api/v1/admin/accounts/guard').set(bearer(h.adminToken)).expect(200);
    expect((await h.http.get('/api/v1/users').set(bearer(token))).status).toBe(401);
  });
});

describe('first start', () => {
  it('creates admin with a random password once, and never again', async () => {
    h = await startHarness();
    h.services.auth.deleteAccount('admin');
    h.services.auth.deleteAccount('operator');
    const first = await h.services.auth.ensureInitialAdmin();
    expect(first?.username).toBe('admin');
    expect(first!.password.length).toBeGreaterThanOrEqual(20);
    expect(await h.services.auth.ensureInitialAdmin()).toBeUndefined();
    expect((await login('admin', first!.password)).body.account_type).toBe('admin');
  });
});
