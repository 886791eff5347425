/**
 * Campaign 6 — security, against the real daemon process: every documented operation refuses
 * anonymous callers and (admin-only ones) operators; tokens expire; login throttling holds under a
 * password-guessing loop; the keypad lockout holds under a PIN-guessing loop on the simulated
 * keypad; the API listens on loopback unless configured otherwise; security headers; body size
 * limit; and no password, PIN, token or API key in any line the daemon logged.
 * (test/api/openapi.test.ts walks the same 401/403 matrix in-process; this is the real process.)
 */
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLE_EXTENSION } from '../../src/api/route-registry.ts';
import { encodeKey } from '../../src/wiegand/keypad/keypad-modes.ts';
import type { KeypadKey } from '../../src/wiegand/types.ts';
import { connectSimEdgeClient, presentFrame, seedIdentifiers } from '../support/daemon-harness.ts';
import {
  ADMIN_PASSWORD,
  http,
  login,
  logRecords,
  OPERATOR_PASSWORD,
  prepareSite,
  SecretRegistry,
  sleep,
  startDaemon,
  stopDaemon,
  type DaemonSite,
  type RunningDaemon,
} from './support.ts';

const PIN = '97315824';
const TOKEN_TTL_MS = 3000;
const LOCKOUT = { maxWrong: 3, windowMs: 60_000, lockMs: 5000 };
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('security against the real daemon', () => {
  const secrets = new SecretRegistry();
  const allLines: string[] = [];
  let site: DaemonSite;
  let d: RunningDaemon;
  let adminToken = '';
  let operatorToken = '';

  beforeAll(async () => {
    site = prepareSite('rel-sec-', {
      readers: [
        { id: 'door1', door: 1, holdOffMs: 0 },
        { id: 'pad', door: 2, mode: 'pin', holdOffMs: 0, keypad: { mode: '8bit_complement_high', maxLength: 8 } },
      ],
      doors: [{ id: 1, pulseMs: 100 }, { id: 2, pulseMs: 100 }],
      lockout: LOCKOUT,
      api: { port: 0, tokenTtlMs: TOKEN_TTL_MS },
    }, secrets);
    seedIdentifiers(site.configPath, [{
      identifier_type: 'inputCode', identifier_number: PIN, identifier_owner: { type: 'owner', name: 'Keypad user' }, lock: 'second',
      valid: { time: { is_permanent: true }, passes: { is_permanent: true } },
    } as never]);
    secrets.add(PIN);
    d = await startDaemon(site.configPath);
    adminToken = await login(d.baseUrl, 'admin', ADMIN_PASSWORD);
    operatorToken = await login(d.baseUrl, 'operator', OPERATOR_PASSWORD);
    secrets.add(adminToken, operatorToken);
  });

  afterAll(async () => {
    if (d) {
      await stopDaemon(d);
      allLines.push(...d.child.lines);
    }
    const leaks = secrets.leaks(allLines);
    site?.remove();
    expect(leaks, 'a secret appeared in a daemon log line').toEqual([]);
    expect(allLines.length).toBeGreaterThan(10);
    console.info(`security: ${allLines.length} daemon log lines checked for ${secrets.size} secrets`);
  });

  it('every protected operation answers 401 to anonymous callers and every admin one 403 to operators', async () => {
    const doc = (await http(d.baseUrl, 'get', '/openapi.json')).json as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const ops = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ method, path: path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000'), role: op[ROLE_EXTENSION] as string | undefined })),
    );
    // A key, so logging out (also walked) cannot end the operator session the other checks use.
    const key = await http(d.baseUrl, 'post', '/api/v1/admin/api-keys', { token: adminToken, body: { name: 'walker', role: 'operator' } });
    expect(key.status).toBe(201);
    const operatorKey = (key.json as { key: string }).key;
    secrets.add(operatorKey);
    let checked = 0;
    for (const op of ops) {
      const body = op.method === 'get' ? undefined : {};
      const anon = await http(d.baseUrl, op.method, op.path, { body });
      const asOperator = await http(d.baseUrl, op.method, op.path, { body, token: operatorKey });
      const what = `${op.method.toUpperCase()} ${op.path}`;
      if (op.role === undefined) {
        expect(anon.status, what).not.toBe(401);
        continue;
      }
      checked++;
      expect(anon.status, what).toBe(401);
      expect(anon.text, what).toMatch(/Log In|nauthori/i);
      if (op.role === 'admin') expect(asOperator.status, what).toBe(403);
      else expect([401, 403], what).not.toContain(asOperator.status);
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('sets the security headers on every kind of answer and no x-powered-by', async () => {
    for (const [path, token, status] of [['/api/v1/health', undefined, 200], ['/api/v1/users', undefined, 401], ['/nowhere', adminToken, 404], ['/api/v1/users', adminToken, 200]] as const) {
      const r = await http(d.baseUrl, 'get', path, { token });
      expect(r.status, path).toBe(status);
      for (const [h, v] of Object.entries(SECURITY_HEADERS)) expect(r.headers.get(h), `${path} ${h}`).toBe(v);
      expect(r.headers.get('content-security-policy'), path).toContain("default-src 'none'");
      expect(r.headers.get('x-powered-by'), path).toBeNull();
    }
  });

  it('limits request bodies (413 JSON) and keeps serving', async () => {
    const big = '{"list_items":[' + '"x",'.repeat(2_900_000) + '"x"]}';
    const r = await http(d.baseUrl, 'put', '/api/v1/access/identifiers?type=card', { token: adminToken, rawBody: big });
    expect([r.status, r.json]).toEqual([413, { error: 'Request body too large' }]);
    expect((await http(d.baseUrl, 'get', '/api/v1/health')).status).toBe(200);
  });

  it('listens on loopback only by default', async () => {
    const line = logRecords(d.child.lines, 'admin API listening')[0]!;
    expect(line.host).toBe('127.0.0.1');
    const ext = externalAddress();
    if (ext) expect(await canConnect(ext, d.port), `reachable on ${ext}`).toBe(false);
    expect(await canConnect('127.0.0.1', d.port)).toBe(true);
  });

  it('login tokens expire after the configured lifetime', async () => {
    const token = await login(d.baseUrl, 'operator', OPERATOR_PASSWORD);
    secrets.add(token);
    expect((await http(d.baseUrl, 'get', '/api/v1/users', { token })).status).toBe(200);
    await sleep(TOKEN_TTL_MS + 200);
    const late = await http(d.baseUrl, 'get', '/api/v1/users', { token });
    expect([late.status, late.json]).toEqual([401, { error: 'Log In' }]);
  });

  it('keypad lockout holds under a PIN-guessing loop on the simulated keypad', async () => {
    const client = await connectSimEdgeClient(`${site.dataDir}/sim-reader.sock`);
    const typePin = async (digits: string) => {
      for (const k of [...digits, '#'] as KeypadKey[]) {
        await presentFrame(client, 'pad', encodeKey('8bit_complement_high', k), 1000);
        await sleep(45); // past the end-of-frame silence: one frame per key
      }
      await sleep(60);
    };
    const decisions = () => logRecords(d.child.lines, 'access decision').filter((r) => r.reader === 'pad');
    const guesses: string[] = [];
    for (let i = 0; i < LOCKOUT.maxWrong + 3; i++) {
      const guess = `8${String(1_000_000 + i * 7919).slice(-7)}`;
      guesses.push(guess);
      secrets.add(guess);
      await typePin(guess);
    }
    await typePin(PIN); // the right PIN, but the reader is locked
    const during = decisions();
    expect(during.map((r) => r.reason)).toEqual([
      ...Array(LOCKOUT.maxWrong).fill('unknown'),
      ...Array(guesses.length - LOCKOUT.maxWrong + 1).fill('locked_out'),
    ]);
    expect(during.every((r) => r.outcome === 'deny')).toBe(true);
    expect(logRecords(d.child.lines, 'reader locked out after wrong PINs').length).toBeGreaterThanOrEqual(1);
    await sleep(LOCKOUT.lockMs + 200);
    await typePin(PIN);
    expect(decisions().at(-1)).toMatchObject({ outcome: 'grant', reader: 'pad' });
    await client.close();
  });

  // Last: the guessing loop locks out this client address for every later login.
  it('login throttling holds under a password-guessing loop', async () => {
    const loopMs = 4000;
    const start = performance.now();
    const statuses: number[] = [];
    while (performance.now() - start < loopMs) {
      const guess = `guess-${statuses.length}-x`;
      secrets.add(guess);
      statuses.push((await http(d.baseUrl, 'post', '/api/v1/login', { body: { username: 'admin', password: guess } })).status);
    }
    const checked = statuses.filter((s) => s === 401).length;
    const refused = statuses.filter((s) => s === 429).length;
    expect(checked + refused).toBe(statuses.length);
    // 5 free failures, then lockouts of 1, 2, 4 … s: in 4 s of guessing a handful of passwords are checked.
    expect(checked).toBeLessThanOrEqual(5 + Math.ceil(Math.log2(loopMs / 1000 + 1)) + 1);
    const right = await http(d.baseUrl, 'post', '/api/v1/login', { body: { username: 'admin', password: ADMIN_PASSWORD } });
    expect(right.status, 'the right password during a lockout is refused unchecked').toBe(429);
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(0);
    console.info(`security: password-guessing loop: ${statuses.length} attempts in ${loopMs} ms, ${checked} checked, ${refused} refused with 429`);
  });
});

describe('listening address when configured', () => {
  it('listens on every interface only when api.host says so', async () => {
    const ext = externalAddress();
    const site = prepareSite('rel-sec-host-', { api: { port: 0, host: '0.0.0.0' } });
    const d = await startDaemon(site.configPath);
    try {
      expect(logRecords(d.child.lines, 'admin API listening')[0]!.host).toBe('0.0.0.0');
      if (ext) expect(await canConnect(ext, d.port)).toBe(true);
    } finally {
      await stopDaemon(d);
      site.remove();
    }
  });
});
