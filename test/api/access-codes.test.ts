import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialIndex } from '../../src/access/credential-index.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createIndexSync } from '../../src/service/index-sync.ts';
import { createAccessCodesRepository } from '../../src/storage/access-codes.ts';
import { bearer, permanentUpdate, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const post = (path: string, body: object, token = h.adminToken) => h.http.post(path).set(bearer(token)).send(body);
const isoIn = (seconds: number) => new Date(h.clock.now() + seconds * 1000).toISOString();
const indexed = (code: string) => {
  const slot = h.index.findSlot('inputCode', code);
  return slot < 0 ? undefined : h.index.get(h.index.columns.id[slot]!);
};

describe('Seam access codes (seed 004)', () => {
  it('creates codes into storage and the credential index, generating one when asked', async () => {
    const res = await post('/access_codes/create', { code: '4711', name: 'Cleaner', device_id: 'first', starts_at: isoIn(3600), ends_at: isoIn(7200), is_one_time_use: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: true,
      access_code: expect.objectContaining({ code: '4711', name: 'Cleaner', device_id: 'first', type: 'time_bound', status: 'unset', is_one_time_use: true, starts_at: isoIn(3600) }),
    });
    expect(indexed('4711')).toMatchObject({ lock: 'first', oneTimeUse: true, validFromSec: Math.floor(h.clock.now() / 1000) + 3600 });
    expect(indexed('4711')!.id).toBeLessThan(0);

    const generated = await post('/access_codes/create', { preferred_code_length: 8 });
    expect(generated.body.access_code).toMatchObject({ type: 'ongoing', device_id: 'all', status: 'set' });
    expect(generated.body.access_code.code).toMatch(/^[0-9]{8}$/);
    expect(indexed(generated.body.access_code.code)).toBeDefined();
  });

  it('refuses codes taken by an inputCode identifier and windows that are over or reversed', async () => {
    await h.http.post('/api/v1/access/identifier/item').set(bearer(h.adminToken)).send({ ...permanentUpdate(), identifier_type: 'inputCode', identifier_number: '2468' });
    const taken = await post('/access_codes/create', { code: '2468' });
    expect([taken.status, taken.body]).toEqual([409, { error: 'number_taken_by_another_identifier' }]);
    const past = await post('/access_codes/create', { code: '1111', ends_at: isoIn(-60) });
    expect([past.status, past.body]).toEqual([422, { error: 'invalid_time_rules_settings' }]);
    const reversed = await post('/access_codes/create', { code: '1111', starts_at: isoIn(7200), ends_at: isoIn(3600) });
    expect(reversed.body).toEqual({ error: 'invalid_time_rules_settings' });
    const notIso = await post('/access_codes/create', { code: '1111', ends_at: 'tomorrow' });
    expect([notIso.status, notIso.body]).toEqual([400, { error: 'Wrong JSON body: value `ends_at` was of the wrong type' }]);
    expect(createAccessCodesRepository(h.db, h.clock).findByCode('1111')).toBeUndefined();
  });

  it('updates in place: absent fields kept, ongoing clears the window, a new code moves the index key', async () => {
    const id = (await post('/access_codes/create', { code: '1357', starts_at: isoIn(-60), ends_at: isoIn(3600) })).body.access_code.access_code_id;
    const rename = await post('/access_codes/update', { access_code_id: id, name: 'Guest' });
    expect(rename.body).toEqual({ ok: true });
    const afterRename = (await post('/access_codes/get', { access_code_id: id }, h.operatorToken)).body.access_code;
    expect(afterRename).toMatchObject({ name: 'Guest', type: 'time_bound', status: 'set', ends_at: isoIn(3600) });

    await post('/access_codes/update', { access_code_id: id, type: 'ongoing', code: '97531' });
    const now = (await post('/access_codes/get', { access_code_id: id })).body.access_code;
    expect(now).toMatchObject({ type: 'ongoing', starts_at: null, ends_at: null, code: '97531' });
    expect(indexed('1357')).toBeUndefined();
    expect(indexed('97531')).toMatchObject({ validFromSec: null, validToSec: null });

    const unknown = await post('/access_codes/update', { access_code_id: 'nope', name: 'x' });
    expect([unknown.status, unknown.body]).toEqual([404, { error: 'entity_not_found' }]);
    const past = await post('/access_codes/update', { access_code_id: id, ends_at: isoIn(-1) });
    expect([past.status, past.body]).toEqual([422, { error: 'invalid_time_rules_settings' }]);
  });

  it('lists by device and deletes (out of the index too)', async () => {
    const a = (await post('/access_codes/create', { code: '2001', device_id: 'first' })).body.access_code.access_code_id;
    await post('/access_codes/create', { code: '2002', device_id: 'second' });
    const first = await post('/access_codes/list', { device_id: 'first' }, h.operatorToken);
    expect(first.body.access_codes.map((c: { code: string }) => c.code)).toEqual(['2001']);
    expect((await post('/access_codes/list', {})).body.access_codes).toHaveLength(2);
    expect((await post('/access_codes/delete', { access_code_id: a })).body).toEqual({ ok: true });
    expect(indexed('2001')).toBeUndefined();
    expect((await post('/access_codes/delete', { access_code_id: a })).status).toBe(404);
  });

  it('loads stored codes into a fresh index at start, a used one-time code counted as used', async () => {
    const id = (await post('/access_codes/create', { code: '8642', is_one_time_use: true })).body.access_code.access_code_id;
    expect(createAccessCodesRepository(h.db, h.clock).recordOneTimeCodeUse(id, h.clock.now()).ok).toBe(true);
    await h.http.post('/api/v1/access/identifier/item').set(bearer(h.adminToken)).send({ ...permanentUpdate(), identifier_type: 'card', identifier_number: 5 });
    const fresh = new CredentialIndex();
    const sync = createIndexSync(h.db, fresh, silentLogger);
    expect(sync.loadAll()).toEqual({ loaded: 2, rejected: [] });
    const slot = fresh.findSlot('inputCode', '8642');
    const record = fresh.get(fresh.columns.id[slot]!)!;
    expect(record).toMatchObject({ oneTimeUse: true, passesUsed: 1 });
    expect(sync.accessCodeOf(record.id)).toBe(id);
    expect(sync.uidOf(record.id)).toBeUndefined();
  });
});
