/**
 * Campaign 4 — hostile HTTP input. The real admin app (createApp over a real SQLite file, real
 * HTTP on loopback) is fuzzed operation by operation from its own /openapi.json: a valid-looking
 * request is built from each operation's schemas, then broken (wrong types, missing fields, huge
 * arrays, deep nesting, odd unicode, numbers out of range, prototype keys), or sent as invalid
 * JSON, with the wrong content type, or oversized.
 *
 * Must hold for every request: no 5xx and no crash; every 4xx is JSON `{"error": string}`; a 400
 * caused by one broken field names that field (or a parent/child of it); and for every rejected
 * request the database content hash is unchanged.
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialIndex } from '../../src/access/credential-index.ts';
import { createApp } from '../../src/api/app.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { systemClock } from '../../src/core/clock.ts';
import { createLogger } from '../../src/core/logger.ts';
import type { JournalEvent } from '../../src/storage/journal.ts';
import { createServices, type Services } from '../../src/service/services.ts';
import { openDatabase, type Db } from '../../src/storage/database.ts';
import { tempDir } from '../support/daemon-harness.ts';
import { campaignSize, contentHash, http, SecretRegistry, timeoutFor } from './support.ts';

const REQUESTS = campaignSize('http_requests', 5000, 100_000);
/** Oversized bodies are 11 MB each: a few per run are enough to show the limit holds. */
const OVERSIZED = Math.min(20, Math.max(3, Math.round(REQUESTS / 2000)));

type Schema = Record<string, unknown>;
interface Operation {
  method: string;
  path: string;
  params: Array<{ name: string; in: 'path' | 'query'; required: boolean; schema: Schema }>;
  body?: Schema;
}

/** Deterministic PRNG (mulberry32) so a failing case can be replayed from the printed seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]! };
}
type Rng = ReturnType<typeof prng>;

const WEIRD_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff\ud800', '😀'.repeat(300), '\u202eevil', 'ﬃ', 'e\u0301', '<script>alert(1)</script>',
  "'; DROP TABLE identifiers; --", '../../etc/passwd', '%00', '\r\n\r\nX-Injected: 1', 'x'.repeat(70_000), '１２３', '٣٤٥', '0x1f', '-1', '1e999',
];
const WEIRD_NUMBERS = [-1, -0, 0.5, 1e308, -1e308, 2 ** 53 + 2, 2 ** 31, -(2 ** 31) - 1, 1e-320, 4294967296];

/** Resolves `$ref`s into components.schemas. */
function resolver(doc: { components?: { schemas?: Record<string, Schema> } }) {
  return function resolve(s: Schema | undefined): Schema {
    let cur = s ?? {};
    for (let i = 0; i < 20 && typeof cur.$ref === 'string'; i++) cur = doc.components!.schemas![(cur.$ref as string).split('/').pop()!]!;
    return cur;
  };
}

/** A value that (mostly) satisfies `schema`; unknown corners fall back to plain values. */
function sample(schemaIn: Schema | undefined, resolve: (s?: Schema) => Schema, rng: Rng, depth = 0): unknown {
  const s = resolve(schemaIn);
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum)) return rng.pick(s.enum as unknown[]);
  const union = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (union) {
    const choices = union.filter((u) => resolve(u).type !== 'null');
    return sample(rng.pick(choices.length ? choices : union), resolve, rng, depth + 1);
  }
  if (Array.isArray(s.allOf)) return Object.assign({}, ...(s.allOf as Schema[]).map((x) => sample(x, resolve, rng, depth + 1)));
  const type = Array.isArray(s.type) ? (s.type as string[]).find((t) => t !== 'null') : (s.type as string | undefined);
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const required = new Set((s.required as string[] | undefined) ?? []);
      for (const [k, v] of Object.entries((s.properties as Record<string, Schema>) ?? {})) {
        if (required.has(k) || (depth < 4 && rng.next() < 0.5)) out[k] = sample(v, resolve, rng, depth + 1);
      }
      return out;
    }
    case 'array': {
      const n = Math.max(Number(s.minItems ?? 0), 1);
      return Array.from({ length: n }, () => sample(s.items as Schema, resolve, rng, depth + 1));
    }
    case 'integer':
    case 'number': {
      const min = Number(s.minimum ?? s.exclusiveMinimum ?? 1);
      const max = Number(s.maximum ?? s.exclusiveMaximum ?? min + 1000);
      return Math.max(min, Math.min(max, min + 1 + rng.int(10)));
    }
    case 'boolean':
      return rng.next() < 0.5;
    case 'string': {
      if (s.format === 'uuid') return randomUUID();
      if (s.format === 'date-time') return new Date(Date.now() + 86_400_000 * (1 + rng.int(30))).toISOString();
      const pattern = typeof s.pattern === 'string' ? s.pattern : '';
      if (pattern.startsWith('^\\+')) return `+1${String(100_000_000 + rng.int(899_999_999))}`;
      if (pattern.includes('[0-9]')) return String(10_000_000 + rng.int(89_999_999));
      const min = Number(s.minLength ?? 1);
      const max = Number(s.maxLength ?? 64);
      const base = `f${rng.int(1e9)}`;
      return base.padEnd(min, 'x').slice(0, Math.max(min, Math.min(max, base.length)));
    }
    default:
      return String(rng.int(1e6));
  }
}

type Path = ReadonlyArray<string | number>;
/** Every position inside a JSON value, the root included. */
function positions(v: unknown, at: Path = []): Path[] {
  const out: Path[] = [at];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...positions(x, [...at, i])));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push(...positions(x, [...at, k]));
  return out;
}
const clone = <T>(v: T): T => structuredClone(v);
function setAt(root: unknown, path: Path, value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const copy = clone(root) as Record<string | number, unknown>;
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (remove) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else parent[last] = value;
  return copy;
}
const getAt = (root: unknown, path: Path): unknown => path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], root);

/** `list_items[3].valid` → ['list_items', 3, 'valid'] (the API's own path notation). */
function parseNamedPath(text: string): Path {
  return [...text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}
const isPrefix = (a: Path, b: Path) => a.length <= b.length && a.every((k, i) => String(k) === String(b[i]));

interface Mutation {
  kind: string;
  body?: unknown;
  rawBody?: string | Uint8Array;
  contentType?: string;
  query?: string;
  pathParams?: Record<string, string>;
  /** The one body field this mutation broke, for the "names the field" check. */
  field?: Path;
  /** The generated request before it was broken. */
  valid?: unknown;
}

/**
 * The error text of a 4xx: `{"error": "..."}` on the admin API; the Seam-compatible routes answer
 * Seam's own shape `{"error": {"type", "message"}, "ok": false}`. Undefined when neither.
 */
function errorMessage(json: unknown, path: string): string | undefined {
  if (json === null || typeof json !== 'object') return undefined;
  const body = json as Record<string, unknown>;
  if (Object.keys(body).join() === 'error' && typeof body.error === 'string') return body.error;
  const e = body.error as Record<string, unknown> | undefined;
  const seam = !path.startsWith('/api/') && body.ok === false && typeof e?.type === 'string' && typeof e.message === 'string';
  return seam ? (e!.message as string) : undefined;
}

/** Percent-encodes; a lone surrogate cannot be, so it goes as the raw (invalid UTF-8) bytes a client could send. */
function enc(v: unknown): string {
  try {
    return encodeURIComponent(String(v));
  } catch {
    return '%ED%A0%80';
  }
}

function deepJson(depth: number): string {
  return '{"list_items":' + '['.repeat(depth) + ']'.repeat(depth) + '}';
}

function mutateBody(op: Operation, valid: unknown, rng: Rng): Mutation {
  const spots = positions(valid);
  const at = rng.pick(spots);
  const current = getAt(valid, at);
  switch (rng.int(8)) {
    case 0: {
      // Wrong JSON type.
      const replacements: unknown[] = [null, 42, 'str', true, [], {}, [1, 'x'], { nested: { x: 1 } }];
      const r = rng.pick(replacements.filter((x) => typeof x !== typeof current || Array.isArray(x) !== Array.isArray(current)));
      return { kind: 'wrong_type', body: setAt(valid, at, r), field: at };
    }
    case 1:
      return at.length === 0 ? { kind: 'empty_body', body: {} } : { kind: 'missing_field', body: setAt(valid, at, undefined, true), field: at };
    case 2:
      return { kind: 'unicode', body: setAt(valid, at, rng.pick(WEIRD_STRINGS)), field: at };
    case 3:
      return { kind: 'number_range', body: setAt(valid, at, rng.pick(WEIRD_NUMBERS)), field: at };
    case 4: {
      // Huge array: the first array in the body (or one at a random spot) with tens of thousands of entries.
      const arrays = spots.filter((p) => Array.isArray(getAt(valid, p)));
      const target = arrays.length > 0 ? rng.pick(arrays) : at;
      // Mostly cheap entries past the 10,000-item limit; now and then full items (megabytes of JSON).
      const item = Array.isArray(getAt(valid, target)) && rng.next() < 0.1 ? (getAt(valid, target) as unknown[])[0] ?? 1 : rng.int(1e6);
      return { kind: 'huge_array', body: setAt(valid, target, Array.from({ length: 10_001 + rng.int(5_000) }, () => clone(item))), field: target };
    }
    case 5:
      return { kind: 'deep_nesting', rawBody: deepJson(1000 + rng.int(100_000)) };
    case 6:
      return { kind: 'prototype_keys', rawBody: JSON.stringify(valid).replace(/^\{/, '{"__proto__":{"role":"admin","isAdmin":true},"constructor":{"prototype":{"x":1}},') };
    default: {
      const extra = at.length === 0 || typeof current !== 'object' || current === null ? valid : setAt(valid, [...at, `extra_${rng.int(100)}`], rng.pick(WEIRD_STRINGS));
      return { kind: 'extra_field', body: extra };
    }
  }
}

function mutate(op: Operation, resolve: (s?: Schema) => Schema, rng: Rng): Mutation {
  const valid = op.body ? sample(op.body, resolve, rng) : undefined;
  const choice = rng.int(10);
  if (choice < 5 && op.body) return { ...mutateBody(op, valid, rng), valid };
  if (choice === 5) return { kind: 'invalid_json', rawBody: rng.pick(['{', '{"a":}', "{'a':1}", 'null', '[]', '"str"', '{"a":1}}', '\u0000', 'NaN', '{"a":1e999999}', '\xff\xfe{}']) };
  if (choice === 6) {
    const contentType = rng.pick(['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-7', 'application/json; charset=latin1', '']);
    return { kind: 'content_type', rawBody: JSON.stringify(valid ?? {}), contentType };
  }
  if (choice === 7 && op.params.some((p) => p.in === 'query')) {
    const q = op.params.filter((p) => p.in === 'query');
    const parts = q.map((p) => `${enc(p.name)}=${enc(rng.pick([...WEIRD_STRINGS.slice(0, 15), ...WEIRD_NUMBERS]))}`);
    if (rng.next() < 0.3) parts.push(`${enc(q[0]!.name)}=a&${enc(q[0]!.name)}=b`, `${enc(q[0]!.name)}[x]=1`);
    return { kind: 'query', body: valid, query: parts.join('&') };
  }
  if (choice === 8 && op.params.some((p) => p.in === 'path')) {
    const pathParams = Object.fromEntries(op.params.filter((p) => p.in === 'path').map((p) => [p.name, rng.pick(['..', '%2e%2e%2f', '%00', 'x'.repeat(5000), '%F0%9F%98%80', '%ud800', 'admin', '-1', '%20'])]));
    return { kind: 'path_param', body: valid, pathParams };
  }
  return { kind: 'schema_sample', body: valid };
}

describe('hostile HTTP input', () => {
  const dir = tempDir('rel-http-');
  let db: Db;
  let services: Services;
  let server: Server;
  let baseUrl = '';
  let token = '';
  const logLines: string[] = [];
  const journal: JournalEvent[] = [];
  const secrets = new SecretRegistry();

  beforeAll(async () => {
    db = openDatabase({ dataDir: dir.path });
    const config = configSchema.parse({ dataDir: dir.path });
    const logger = createLogger({ level: 'debug', destination: new Writable({ write: (c, _e, cb) => { logLines.push(...String(c).split('\n').filter(Boolean)); cb(); } }) });
    services = createServices({ db, index: new CredentialIndex(), clock: systemClock, logger, config, journal: { append: (e) => journal.push(e), announce: (e) => journal.push(e) }, openDoor: () => ({ ok: true }) });
    await services.auth.setPassword('admin', 'hostile-admin-password', 'admin');
    const key = services.auth.createApiKey('fuzzer', 'admin');
    if (!key.ok) throw new Error('api key');
    token = key.value.key;
    secrets.add(token, 'hostile-admin-password');
    const app = createApp({ services, logger, clock: systemClock, metrics: new Registry(), events: new EventEmitter(), doors: () => [] });
    server = createServer(app);
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((ok) => {
      server.close(() => ok());
      server.closeAllConnections();
    });
    services.close();
    db.close();
    dir.remove();
  });

  it('answers a path parameter with a malformed percent-escape with a 400, not a 500', async () => {
    // Found by the fuzz below: the router's URIError (it marks it status 400) reached the 500 handler.
    for (const path of ['/api/v1/access/identifier/item/%ud800', '/api/v1/users/%E0%A4%A', '/api/v1/admin/api-keys/%']) {
      const r = await http(baseUrl, 'delete', path, { token });
      expect([r.status, r.json], path).toEqual([400, { error: 'Wrong path parameters' }]);
    }
  });

  it(`survives ${REQUESTS} hostile requests over every OpenAPI operation`, async () => {
    const doc = (await http(baseUrl, 'get', '/openapi.json')).json as { paths: Record<string, Record<string, Schema>>; components?: { schemas?: Record<string, Schema> } };
    const resolve = resolver(doc);
    const ops: Operation[] = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({
        method,
        path,
        params: ((op.parameters as Operation['params'] | undefined) ?? []).map((p) => ({ ...p, schema: resolve(p.schema) })),
        body: (op.requestBody as { content?: Record<string, { schema: Schema }> } | undefined)?.content?.['application/json']?.schema,
      })),
    );
    const bodyOps = ops.filter((o) => o.body && o.method !== 'get');
    const seed = Number(process.env.RELIABILITY_SEED ?? Date.now() % 1e9);
    const rng = prng(seed);
    const stats = { byKind: {} as Record<string, number>, byStatus: {} as Record<string, number>, rejected: 0, hashChecks: 0, generatorMisses: 0 };
    const failures: string[] = [];
    // total_changes() counts this connection's writes; data_version moves when another connection
    // (the batch worker's) commits. Together they flag any write, whichever connection made it.
    const totalChanges = db.sqlite.prepare('SELECT total_changes()').pluck();
    const changes = { get: () => `${String(totalChanges.get())}/${String(db.sqlite.pragma('data_version', { simple: true }))}` };
    let writes = changes.get();
    let hash = contentHash(db.sqlite);
    let oversized = 0;

    const urlFor = (op: Operation, m: Mutation) => {
      let path = op.path.replace(/\{([^}]+)\}/g, (_x, name: string) => m.pathParams?.[name] ?? enc(sample(op.params.find((p) => p.name === name)?.schema, resolve, rng)));
      const query = m.query ?? op.params.filter((p) => p.in === 'query' && (p.required || rng.next() < 0.3)).map((p) => `${p.name}=${enc(sample(p.schema, resolve, rng))}`).join('&');
      if (query) path += `?${query}`;
      return path;
    };

    for (let i = 0; i < REQUESTS; i++) {
      let op = ops[i % ops.length]!;
      let m = mutate(op, resolve, rng);
      if (oversized < OVERSIZED && i % Math.floor(REQUESTS / OVERSIZED) === 7) {
        op = bodyOps[oversized % bodyOps.length]!;
        m = { kind: 'oversized', rawBody: '{"list_items":[' + '"x",'.repeat(2_900_000) + '"x"]}' };
        oversized++;
      }
      // fetch cannot send a body with GET; the server never sees one there.
      if (op.method === 'get') m = { ...m, body: undefined, rawBody: undefined, contentType: undefined };
      const url = urlFor(op, m);
      const r = await http(baseUrl, op.method, url, {
        token,
        ...(m.rawBody !== undefined ? { rawBody: m.rawBody } : m.body !== undefined ? { body: m.body } : {}),
        ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
      }).catch((err: Error) => ({ status: -1, text: err.message, json: undefined, headers: new Headers() }));
      stats.byKind[m.kind] = (stats.byKind[m.kind] ?? 0) + 1;
      stats.byStatus[r.status] = (stats.byStatus[r.status] ?? 0) + 1;
      const where = `#${i} seed ${seed} ${op.method.toUpperCase()} ${url.slice(0, 120)} [${m.kind}]`;
      if (r.status < 0 || r.status >= 500) {
        failures.push(`${where}: ${r.status} ${r.text.slice(0, 200)}`);
        continue;
      }
      if (r.status >= 400) {
        stats.rejected++;
        const message = errorMessage(r.json, op.path);
        if (message === undefined) failures.push(`${where}: ${r.status} not {error}: ${r.text.slice(0, 200)}`);
        // `changes` flags any statement that wrote, on any connection; then, and on every 10th
        // rejection, the full content hash is compared.
        // total_changes() also counts writes that were rolled back, so a change there is settled by the hash.
        if (changes.get() !== writes || stats.rejected % 10 === 0) {
          stats.hashChecks++;
          if (contentHash(db.sqlite) !== hash) failures.push(`${where}: ${r.status} but the database content changed`);
        }
        const named = message === undefined ? null : /^Wrong JSON body: (?:no value for |value )?`([^`]*)`/.exec(message);
        if (m.field && m.field.length > 0 && r.status === 400 && named && m.body !== undefined) {
          const path = parseNamedPath(named[1]!);
          // A field the generated request lacked altogether is the generator's miss, not a misnaming.
          // "No value for X" where X is indeed absent (an either-or schema) names a field at fault too.
          const absent = /no value for/.test(message!) && getAt(m.body, path) === undefined;
          if (!isPrefix(path, m.field) && !isPrefix(m.field, path) && !absent) {
            // Another field may be at fault in the generated request itself: then the unbroken request is refused too.
            const unbroken = await http(baseUrl, op.method, url, { token, body: m.valid });
            if (unbroken.status !== 400) failures.push(`${where}: broke ${JSON.stringify(m.field)} but the error names ${named[1]}`);
            else stats.generatorMisses++;
          }
        }
      }
      if (changes.get() !== writes) {
        writes = changes.get();
        hash = contentHash(db.sqlite);
      }
      if (failures.length > 20) break;
    }
    expect(db.integrityCheck().ok).toBe(true);
    console.info(`hostile-http: ${REQUESTS} requests (seed ${seed}) over ${ops.length} operations; ${stats.rejected} rejected, ${stats.hashChecks} database hash checks, ${stats.generatorMisses} requests invalid before breaking; ` +
      `statuses ${JSON.stringify(stats.byStatus)}; kinds ${JSON.stringify(stats.byKind)}; ${failures.length} failures`);
    expect(failures).toEqual([]);
    expect(stats.byStatus['500'] ?? 0).toBe(0);
    expect(oversized).toBe(OVERSIZED);
    expect(secrets.leaks(logLines)).toEqual([]);
  }, timeoutFor(REQUESTS, 20));
});
