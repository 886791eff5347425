/**
 * A large seed 000 batch body is read as bytes and parsed by the batch worker, a small one on the
 * event loop: the answers must be the same either way. Each body is sent as is and padded with
 * trailing whitespace past RAW_JSON_PARSE_BELOW (JSON ignores it).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RAW_JSON_PARSE_BELOW } from '../../src/api/route-registry.ts';
import { bearer, permanentUpdate, startHarness, type Harness } from './harness.ts';

let h: Harness;
afterAll(() => h.close());

const item = (n: number | string, extra: Record<string, unknown> = {}) => ({ ...permanentUpdate('Dana', 'first'), identifier_number: String(n), ...extra });
const padded = (text: string) => text + ' \n'.repeat(RAW_JSON_PARSE_BELOW);

async function put(body: string, opts: { query?: string; token?: string | null; contentType?: string } = {}) {
  let req = h.http.put(`/api/v1/access/identifiers${opts.query ?? '?type=card'}`).set('Content-Type', opts.contentType ?? 'application/json');
  if (opts.token !== null) req = req.set(bearer(opts.token ?? h.adminToken));
  const res = await req.send(body);
  return [res.status, res.body] as const;
}

describe('PUT /api/v1/access/identifiers batch body: small (event loop) and large (batch worker) alike', () => {
  // One app for every case (each app starts a worker thread); cases only ever set the locks to 'first'.
  beforeAll(async () => {
    h = await startHarness();
    for (const n of [200, 201]) {
      const res = await h.http.post('/api/v1/access/identifier/item').set(bearer(h.adminToken)).send({ ...permanentUpdate(), identifier_type: 'card', identifier_number: n });
      expect(res.status).toBe(201);
    }
  });

  const bodies: Array<[string, string, { query?: string; token?: string | null }?]> = [
    ['valid, one unknown number', JSON.stringify({ list_items: [item(200), item(999), item(201)] })],
    ['malformed JSON', '{"list_items": ['],
    ['not an object or array', '"list_items"'],
    ['null', 'null'],
    ['an array', '[1, 2]'],
    ['no list_items', '{}'],
    ['list_items of the wrong type', '{"list_items": "all"}'],
    ['a bad item', JSON.stringify({ list_items: [item(200), item(201, { lock: 'third' })] })],
    ['a missing field in an item', JSON.stringify({ list_items: [item(200), item(201, { identifier_owner: { type: 'owner' } })] })],
    ['a number not valid for the type', JSON.stringify({ list_items: [item(200), item('12ab')] })],
    ['a BOM before the JSON', `\ufeff${JSON.stringify({ list_items: [item(200)] })}`],
    ['malformed JSON without a token', '{"list_items": [', { token: null }],
    ['malformed JSON with a bad query', '{"list_items": [', { query: '?type=iris' }],
    ['valid JSON without a token', JSON.stringify({ list_items: [item(200)] }), { token: null }],
    ['valid JSON with a bad query', JSON.stringify({ list_items: [item(200)] }), { query: '?type=iris' }],
  ];

  it.each(bodies)('%s', async (_name, body, opts) => {
    const small = await put(body, opts);
    const large = await put(padded(body), opts);
    expect(large).toEqual(small);
    expect(small[0]).not.toBe(500);
  });

  it('an empty body is {} (no value for list_items), as express.json has it', async () => {
    expect(await put('')).toEqual([400, { error: 'Wrong JSON body: no value for `list_items`' }]);
  });

  it('a large batch body goes to the batch worker as bytes and is not parsed on the event loop', async () => {
    const parse = vi.spyOn(JSON, 'parse');
    const toWorker = vi.spyOn(h.services.identifierBatches!, 'updateJson');
    const items = Array.from({ length: 600 }, (_, i) => item(i % 2 ? 200 : 201));
    const body = JSON.stringify({ list_items: items });
    expect(body.length).toBeGreaterThan(RAW_JSON_PARSE_BELOW);
    const [status, reply] = await put(body);
    expect(status).toBe(200);
    expect((reply as { result: unknown[] }).result).toHaveLength(600);
    expect(toWorker).toHaveBeenCalledTimes(1);
    // supertest parses the reply; nothing on this thread parsed the request body.
    expect(parse.mock.calls.filter(([text]) => typeof text === 'string' && text.startsWith('{"list_items"'))).toHaveLength(0);
    parse.mockRestore();
  });

  it('a large body naming a bad item deep in the list: the 400 names it; nothing is written', async () => {
    const locks = h.db.sqlite.prepare('SELECT group_concat(lock) FROM identifiers').pluck();
    const before = locks.get();
    const items = Array.from({ length: 600 }, () => item(200, { lock: 'second' }));
    items[577] = item(201, { valid: { time: { is_permanent: false, to: 5 }, passes: { is_permanent: true } } });
    expect(await put(JSON.stringify({ list_items: items }))).toEqual([400, { error: 'Wrong JSON body: no value for `list_items[577].valid.time.from`' }]);
    expect(locks.get()).toEqual(before);
    expect(before).not.toMatch(/second/);
  });

  it('a large body in another charset is still read by express.json (415 for one it cannot decode)', async () => {
    const body = padded(JSON.stringify({ list_items: [item(200)] }));
    const [status] = await put(body, { contentType: 'application/json; charset=latin1' });
    expect(status).toBe(415);
  });
});
