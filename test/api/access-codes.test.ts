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

const post = (path: string, body: object, token = h.adminToken) => h.http.post(`/seam${path}`).set(bearer(token)).send(body);
const isoIn = (seconds: number) => new Date(h.clock.now() + seconds * 1000).toISOString();
const indexed = (code: string) => {
  const slot = h.index.findSlot('inputCode', code);
  return slot < 0 ? undefined : h.index.get(h.index.columns.id[slot]!);
};
const seamError = (type: string, message: string | RegExp) => ({ ok: false, error: { type, message: typeof message === 'string' ? message : expect.stringMatching(message) } });
const create = async (body: object) => {
  const res = await post('/access_codes/create', { device_id: 'all', ...body });
  expect(res.status, res.text).toBe(200);
  return res.body.access_code as { access_code_id: string; code: string };
};

describe('Seam access codes (seed 004)', () => {
  it('creates codes into storage and the credential index, generating one when asked', async () => {
    const res = await post('/access_codes/create', { code: '4711', name: 'Cleaner', device_id: 'first', starts_at: isoIn(3600), ends_at: isoIn(7200), is_one_time_use: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ok: true,
      access_code: expect.objectContaining({
        code: '4711', name: 'Cleaner', device_id: 'first', type: 'time_bound', status: 'unset', is_one_time_use: true, starts_at: isoIn(3600),
        is_managed: true, is_offline_access_code: false, errors: [], warnings: [],
      }),
    });
    expect(indexed('4711')).toMatchObject({ lock: 'first', oneTimeUse: true, validFromSec: Math.floor(h.clock.now() / 1000) + 3600 });
    expect(indexed('4711')!.id).toBeLessThan(0);

    const generated = await post('/access_codes/create', { device_id: 'all', preferred_code_length: 8 });
    expect(generated.body.access_code).toMatchObject({ type: 'ongoing', device_id: 'all', status: 'set' });
    expect(generated.body.access_code.code).toMatch(/^[0-9]{8}$/);
    expect(indexed(generated.body.access_code.code)).toBeDefined();
  });

  it('journals creates, updates and deletes with the caller, never the digits', async () => {
    const id = (await create({ code: '3141', name: 'Guest', device_id: 'second' })).access_code_id;
    await post('/access_codes/update', { access_code_id: id, code: '2718', ends_at: isoIn(60) });
    await post('/access_codes/delete', { access_code_id: id });
    expect(h.journal).toEqual([
      expect.objectContaining({ type: 'access_code_created', door: 'second', identifierUid: id, details: { name: 'Guest', caller: 'admin', caller_kind: 'session' } }),
      expect.objectContaining({ type: 'access_code_updated', identifierUid: id, details: expect.objectContaining({ caller: 'admin', fields: ['code', 'ends_at'] }) }),
      expect.objectContaining({ type: 'access_code_deleted', identifierUid: id, details: expect.objectContaining({ caller: 'admin' }) }),
    ]);
    expect(JSON.stringify(h.journal)).not.toMatch(/3141|2718/);
    // A refused change journals nothing.
    await post('/access_codes/update', { access_code_id: id, name: 'x' });
    expect(h.journal).toHaveLength(3);
  });

  it('refuses codes taken by an inputCode identifier and windows that are over or reversed, in Seam error form', async () => {
    await h.http.post('/api/v1/access/identifier/item').set(bearer(h.adminToken)).send({ ...permanentUpdate(), identifier_type: 'inputCode', identifier_number: '2468' });
    const taken = await post('/access_codes/create', { device_id: 'all', code: '2468' });
    expect([taken.status, taken.body]).toEqual([409, seamError('code_taken', /already used/)]);
    const past = await post('/access_codes/create', { device_id: 'all', code: '1111', ends_at: isoIn(-60) });
    expect([past.status, past.body]).toEqual([422, seamError('invalid_time_rules_settings', 'ends_at must be in the future and after starts_at')]);
    const reversed = await post('/access_codes/create', { device_id: 'all', code: '1111', starts_at: isoIn(7200), ends_at: isoIn(3600) });
    expect(reversed.status).toBe(422);
    const notIso = await post('/access_codes/create', { device_id: 'all', code: '1111', ends_at: 'tomorrow' });
    expect([notIso.status, notIso.body]).toEqual([400, seamError('invalid_input', 'Wrong JSON body: value `ends_at` was of the wrong type')]);
    const noDevice = await post('/access_codes/create', { code: '1111' });
    expect(noDevice.body).toEqual(seamError('invalid_input', 'Wrong JSON body: no value for `device_id`'));
    const otherDevice = await post('/access_codes/create', { device_id: 'front_door', code: '1111' });
    expect(otherDevice.body).toEqual(seamError('invalid_input', 'Wrong JSON body: value `device_id` was of the wrong type'));
    expect(createAccessCodesRepository(h.db, h.clock).findByCode('1111')).toBeUndefined();
  });

  it('refuses cloud-lock options with a 400 naming the field, and accepts their "not used" values', async () => {
    for (const [field, value] of [
      ['use_backup_access_code_pool', true], ['is_offline_access_code', true], ['use_offline_access_code', true],
      ['attempt_for_offline_device', true], ['max_time_rounding', '1d'], ['allow_external_modification', true],
      ['is_external_modification_allowed', true], ['is_managed', false], ['common_code_key', 'k'],
    ] as const) {
      const res = await post('/access_codes/create', { device_id: 'all', code: '5555', [field]: value });
      expect([res.status, res.body], field).toEqual([400, seamError('invalid_input', new RegExp(`^Wrong JSON body: \`${field}\` is not supported: `))]);
    }
    expect(createAccessCodesRepository(h.db, h.clock).findByCode('5555')).toBeUndefined();
    const fine = await post('/access_codes/create', {
      device_id: 'all', code: '5555', use_backup_access_code_pool: false, is_offline_access_code: false, is_managed: true, prefer_native_scheduling: false,
    });
    expect(fine.status).toBe(200);
    const update = await post('/access_codes/update', { access_code_id: fine.body.access_code.access_code_id, max_time_rounding: '1h' });
    expect(update.body).toEqual(seamError('invalid_input', /`max_time_rounding` is not supported/));
  });

  it('updates in place over POST, PUT and PATCH: absent fields kept, ongoing clears the window, a new code moves the index key', async () => {
    const id = (await create({ code: '1357', starts_at: isoIn(-60), ends_at: isoIn(3600) })).access_code_id;
    const rename = await post('/access_codes/update', { access_code_id: id, name: 'Guest' });
    expect(rename.body).toEqual({ ok: true, action_attempt: expect.objectContaining({ action_type: 'UPDATE_ACCESS_CODE', status: 'success', error: null }) });
    const afterRename = (await post('/access_codes/get', { access_code_id: id }, h.operatorToken)).body.access_code;
    expect(afterRename).toMatchObject({ name: 'Guest', type: 'time_bound', status: 'set', ends_at: isoIn(3600) });

    const put = await h.http.put('/seam/access_codes/update').set(bearer(h.adminToken)).send({ access_code_id: id, type: 'ongoing', code: '97531' });
    expect(put.status).toBe(200);
    const now = (await post('/access_codes/get', { access_code_id: id })).body.access_code;
    expect(now).toMatchObject({ type: 'ongoing', starts_at: null, ends_at: null, code: '97531' });
    expect(indexed('1357')).toBeUndefined();
    expect(indexed('97531')).toMatchObject({ validFromSec: null, validToSec: null });

    const patch = await h.http.patch('/seam/access_codes/update').set(bearer(h.adminToken)).send({ access_code_id: id, starts_at: isoIn(60), ends_at: isoIn(120) });
    expect(patch.status).toBe(200);
    expect((await post('/access_codes/get', { access_code_id: id })).body.access_code).toMatchObject({ type: 'time_bound', status: 'unset' });

    const toTimeBound = await post('/access_codes/update', { access_code_id: (await create({ code: '8080' })).access_code_id, type: 'time_bound' });
    expect([toTimeBound.status, toTimeBound.body.error.type]).toEqual([422, 'invalid_time_rules_settings']);
    const unknown = await post('/access_codes/update', { access_code_id: 'nope', name: 'x' });
    expect([unknown.status, unknown.body]).toEqual([404, seamError('access_code_not_found', 'Access code not found')]);
    const past = await post('/access_codes/update', { access_code_id: id, ends_at: isoIn(-1) });
    expect([past.status, past.body.error.type]).toEqual([422, 'invalid_time_rules_settings']);
    const operator = await post('/access_codes/update', { access_code_id: id, name: 'y' }, h.operatorToken);
    expect([operator.status, operator.body]).toEqual([403, { error: 'Administrator rights required' }]);
  });

  it('gets by id or by device and code', async () => {
    const id = (await create({ code: '6060', device_id: 'second' })).access_code_id;
    expect((await post('/access_codes/get', { device_id: 'second', code: '6060' })).body.access_code.access_code_id).toBe(id);
    expect((await post('/access_codes/get', { code: '6060' })).body.access_code.access_code_id).toBe(id);
    expect((await post('/access_codes/get', { device_id: 'first', code: '6060' })).status).toBe(404);
    const nothing = await post('/access_codes/get', {});
    expect([nothing.status, nothing.body]).toEqual([400, seamError('invalid_input', 'Wrong JSON body: no value for `access_code_id`')]);
  });

  it('lists by device or ids and deletes with a completed action attempt that action_attempts/get serves', async () => {
    const a = (await create({ code: '2001', device_id: 'first' })).access_code_id;
    const b = (await create({ code: '2002', device_id: 'second' })).access_code_id;
    const first = await post('/access_codes/list', { device_id: 'first' }, h.operatorToken);
    expect(first.body.access_codes.map((c: { code: string }) => c.code)).toEqual(['2001']);
    expect((await post('/access_codes/list', {})).body.access_codes).toHaveLength(2);
    expect((await post('/access_codes/list', { access_code_ids: [b] })).body.access_codes.map((c: { code: string }) => c.code)).toEqual(['2002']);

    const wrongDevice = await post('/access_codes/delete', { access_code_id: a, device_id: 'second' });
    expect(wrongDevice.status).toBe(404);
    const deleted = await post('/access_codes/delete', { access_code_id: a });
    expect(deleted.body).toEqual({ ok: true, action_attempt: expect.objectContaining({ action_type: 'DELETE_ACCESS_CODE', status: 'success' }) });
    expect(indexed('2001')).toBeUndefined();
    expect((await post('/access_codes/delete', { access_code_id: a })).body).toEqual(seamError('access_code_not_found', 'Access code not found'));

    const attemptId = deleted.body.action_attempt.action_attempt_id;
    const attempt = await post('/action_attempts/get', { action_attempt_id: attemptId }, h.operatorToken);
    expect([attempt.status, attempt.body]).toEqual([200, { ok: true, action_attempt: deleted.body.action_attempt }]);
    const missing = await post('/action_attempts/get', { action_attempt_id: 'nope' });
    expect([missing.status, missing.body]).toEqual([404, seamError('action_attempt_not_found', 'Action attempt not found')]);
  });

  it('generates a free code of the preferred length without storing it', async () => {
    await create({ code: '1234' });
    const res = await post('/access_codes/generate_code', { device_id: 'first', preferred_code_length: 4 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, generated_code: { device_id: 'first', code: expect.stringMatching(/^[0-9]{4}$/) } });
    expect(res.body.generated_code.code).not.toBe('1234');
    expect(createAccessCodesRepository(h.db, h.clock).findByCode(res.body.generated_code.code)).toBeUndefined();
    expect((await post('/access_codes/generate_code', { device_id: 'first' })).body.generated_code.code).toMatch(/^[0-9]{6}$/);
    expect((await post('/access_codes/generate_code', {})).status).toBe(400);
  });

  it('serves the routes under a configured prefix only', async () => {
    h.close();
    h = await startHarness({ seamPrefix: '/api/seam' });
    const res = await h.http.post('/api/seam/access_codes/create').set(bearer(h.adminToken)).send({ device_id: 'first', code: '7777' });
    expect(res.status).toBe(200);
    expect((await h.http.post('/seam/access_codes/create').set(bearer(h.adminToken)).send({ device_id: 'first', code: '7778' })).status).toBe(404);
  });

  it('loads stored codes into a fresh index at start, a used one-time code counted as used', async () => {
    const id = (await create({ code: '8642', is_one_time_use: true })).access_code_id;
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
