import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../src/access/rules-engine.ts';
import { TimeProfileSet } from '../../src/access/time-profile.ts';
import { MASKED_CODE } from '../../src/service/access-keys.ts';
import { createIdentifiersRepository } from '../../src/storage/identifiers.ts';
import { createUsersRepository } from '../../src/storage/users.ts';
import { bearer, permanentUpdate, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const create = (body: object) => h.http.post('/api/v1/access-keys').set(bearer(h.adminToken)).send(body);
const get = (id: string, token = h.adminToken) => h.http.get(`/api/v1/access-keys/${id}`).set(bearer(token));
const list = (query: Record<string, string | number>, token = h.adminToken) => h.http.get('/api/v1/access-keys').query(query).set(bearer(token));
const remove = (id: string, token = h.adminToken) => h.http.delete(`/api/v1/access-keys/${id}`).set(bearer(token));
const UNKNOWN_ID = '5b0c7d0e-0000-4000-8000-000000000000';
const users = () => createUsersRepository(h.db, h.clock);
const identifiers = () => createIdentifiersRepository(h.db, { clock: h.clock });

describe('Create Access Key (seed 001)', () => {
  it('creates a generated code for a new user named from firstName/lastName', async () => {
    const res = await create({ firstName: 'Ada', lastName: 'Lovelace', keyType: 'code', keyNumber: '*', accessIds: ['first'], validTo: '2027-01-01T00:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ keyType: 'code', keyFormat: null, accessIds: ['first'], validFrom: null, validTo: '2027-01-01T00:00:00.000Z' });
    expect(res.body.keyNumber).toMatch(/^[0-9]{6}$/);
    const user = users().findByLinkId(res.body.userId)!;
    expect([user.name, user.firstName, user.lastName]).toEqual(['Ada Lovelace', 'Ada', 'Lovelace']);
    const key = identifiers().findByNumber('inputCode', res.body.keyNumber)!;
    expect([key.uid, key.lock, key.validTo]).toEqual([res.body.id, 'first', 1798761600]);
    expect(h.index.findSlot('inputCode', res.body.keyNumber)).toBeGreaterThanOrEqual(0);
  });

  it('finds or creates mobile-style users by E.164 number, ignoring names for an existing user', async () => {
    const first = await create({ userId: '+4915112345678', firstName: 'Max', keyType: 'rfid', keyFormat: 'H10301', keyNumber: '1850186', pin: '9876', accessIds: ['first', 'second'] });
    expect(first.body).toMatchObject({ keyType: 'rfid', keyFormat: 'H10301', keyNumber: '1850186', accessIds: ['all'] });
    const second = await create({ userId: '+4915112345678', firstName: 'Other', keyType: 'code', keyNumber: '0042', accessIds: ['second'] });
    expect(second.body.userId).toBe(first.body.userId);
    const user = users().findByPhone('+4915112345678')!;
    expect([user.firstName, user.name]).toEqual(['Max', 'Max']);
    const card = identifiers().findByNumber('card', 1850186n)!;
    expect([card.format, card.pinHash?.startsWith('scrypt$')]).toEqual(['H10301', true]);
    const existing = await create({ userId: first.body.userId, keyType: 'code', keyNumber: '5555', accessIds: ['all'] });
    expect(existing.body.userId).toBe(first.body.userId);
  });

  it('refuses a taken number with 409 and creates no user then', async () => {
    await h.http.post('/api/v1/access/identifier/item').set(bearer(h.adminToken)).send({ ...permanentUpdate(), identifier_type: 'inputCode', identifier_number: '1234' });
    const before = users().list().length;
    const res = await create({ firstName: 'Late', keyType: 'code', keyNumber: '1234', accessIds: ['all'] });
    expect([res.status, res.body]).toEqual([409, { error: 'number_taken_by_another_identifier' }]);
    expect(users().list()).toHaveLength(before);
    const unknown = await create({ userId: '5b0c7d0e-0000-4000-8000-000000000000', keyType: 'code', keyNumber: '4321', accessIds: ['all'] });
    expect([unknown.status, unknown.body]).toEqual([404, { error: 'entity_not_found' }]);
    const window = await create({ keyType: 'code', keyNumber: '4321', accessIds: ['all'], validFrom: '2027-01-01T00:00:00Z', validTo: '2026-01-01T00:00:00Z' });
    expect([window.status, window.body]).toEqual([422, { error: 'invalid_time_rules_settings' }]);
  });

  it('checks the number against the key type and format', async () => {
    const cases: Array<[object, string]> = [
      [{ keyType: 'code', keyNumber: '123', accessIds: ['all'] }, 'Wrong JSON body: value `keyNumber` was of the wrong type'],
      [{ keyType: 'code', keyNumber: '1234', pin: '1', accessIds: ['all'] }, 'Wrong JSON body: value `pin` was of the wrong type'],
      [{ keyType: 'rfid', keyNumber: '1', accessIds: ['all'] }, 'Wrong JSON body: no value for `keyFormat`'],
      [{ keyType: 'rfid', keyFormat: 'NOPE', keyNumber: '1', accessIds: ['all'] }, 'Wrong JSON body: value `keyFormat` was of the wrong type'],
      [{ keyType: 'rfid', keyFormat: 'H10301', keyNumber: String(2 ** 26), accessIds: ['all'] }, 'Wrong JSON body: value `keyNumber` was of the wrong type'],
      [{ keyType: 'mobile', keyNumber: '1', accessIds: ['all'] }, 'Wrong JSON body: value `keyType` was of the wrong type'],
      [{ keyType: 'code', keyNumber: '1234', accessIds: [] }, 'Wrong JSON body: value `accessIds` was of the wrong type'],
    ];
    for (const [body, error] of cases) {
      const res = await create(body);
      expect([res.status, res.body], JSON.stringify(body)).toEqual([400, { error }]);
    }
  });
});

/** What the daemon would decide for this code typed on a keypad reader of door 1. */
function keypadDecision(code: string) {
  return decide({ kind: 'pin', pin: code }, {
    now: h.clock.now(),
    index: h.index,
    profiles: new TimeProfileSet('UTC'),
    reader: { doors: [1], mode: 'pin' },
    verifyPin: () => false,
  }).outcome;
}

describe('Get, list and delete access keys', () => {
  it('gets a key with the code digits for admins only and never a PIN', async () => {
    const code = (await create({ firstName: 'Ada', keyType: 'code', keyNumber: '*', accessIds: ['second'], validFrom: '2026-01-01T00:00:00Z' })).body;
    const card = (await create({ userId: '+4915112345678', keyType: 'rfid', keyFormat: 'H10301', keyNumber: '1850186', pin: '9876', name: 'Badge', accessIds: ['all'] })).body;

    const asAdmin = await get(code.id);
    expect([asAdmin.status, asAdmin.body]).toEqual([200, { ...code, hasPin: false }]);
    expect(asAdmin.body).toMatchObject({ keyNumber: code.keyNumber, accessIds: ['second'], validFrom: '2026-01-01T00:00:00.000Z', validTo: null });
    const asOperator = await get(code.id, h.operatorToken);
    expect([asOperator.status, asOperator.body]).toEqual([200, { ...code, hasPin: false, keyNumber: MASKED_CODE }]);
    expect(JSON.stringify(asOperator.body)).not.toContain(code.keyNumber);

    const cardView = await get(card.id, h.operatorToken);
    expect(cardView.body).toEqual({ ...card, hasPin: true });
    expect(cardView.body).toMatchObject({ keyType: 'rfid', keyFormat: 'H10301', keyNumber: '1850186', name: 'Badge' });
    expect(Object.keys(cardView.body)).not.toContain('pin');
    expect(JSON.stringify(cardView.body)).not.toMatch(/9876|scrypt/);
  });

  it('answers 404 for an unknown id and for identifiers that are not codes or cards, 400 for a malformed id', async () => {
    expect([(await get(UNKNOWN_ID)).status, (await get(UNKNOWN_ID)).body]).toEqual([404, { error: 'entity_not_found' }]);
    const ukey = await h.http.post('/api/v1/access/identifier/item').set(bearer(h.adminToken)).send({ ...permanentUpdate(), identifier_type: 'ukey', identifier_number: '77' });
    expect(ukey.status).toBe(201);
    expect((await get(ukey.body.uid)).status).toBe(404);
    expect((await remove(ukey.body.uid)).status).toBe(404);
    expect(identifiers().get(ukey.body.uid)).toBeDefined();
    expect((await remove(UNKNOWN_ID)).body).toEqual({ error: 'entity_not_found' });
    expect((await get('not-a-uuid')).status).toBe(400);
  });

  it('needs a token for every route and an admin to delete', async () => {
    const key = (await create({ keyType: 'code', keyNumber: '4711', accessIds: ['all'] })).body;
    for (const res of [
      await h.http.get(`/api/v1/access-keys/${key.id}`),
      await h.http.get('/api/v1/access-keys'),
      await h.http.delete(`/api/v1/access-keys/${key.id}`),
    ]) {
      expect([res.status, res.body]).toEqual([401, { error: 'Log In' }]);
    }
    const refused = await remove(key.id, h.operatorToken);
    expect([refused.status, refused.body]).toEqual([403, { error: 'Administrator rights required' }]);
    expect(identifiers().get(key.id)).toBeDefined();
    expect(keypadDecision('4711')).toBe('grant');
  });

  it('deletes the credential from storage and the index, keeps the user, and journals who did it without the digits', async () => {
    const code = (await create({ firstName: 'Ada', keyType: 'code', keyNumber: '4711', accessIds: ['first'] })).body;
    const card = (await create({ userId: code.userId, keyType: 'rfid', keyFormat: 'H10301', keyNumber: '1850186', pin: '9876', accessIds: ['all'] })).body;
    expect(keypadDecision('4711')).toBe('grant');

    const res = await remove(code.id);
    expect([res.status, res.body]).toEqual([200, { id: code.id, userId: code.userId, keyType: 'code', deleted: true }]);
    expect(identifiers().get(code.id)).toBeUndefined();
    expect(h.index.findSlot('inputCode', '4711')).toBe(-1);
    expect(keypadDecision('4711')).toBe('deny');
    expect(users().findByLinkId(code.userId)).toBeDefined();
    expect((await get(code.id)).status).toBe(404);
    expect((await remove(code.id)).status).toBe(404);

    expect(h.index.findSlot('card', 1850186n)).toBeGreaterThanOrEqual(0);
    expect((await remove(card.id)).body.keyType).toBe('rfid');
    expect(h.index.findSlot('card', 1850186n)).toBe(-1);

    const deletions = h.journal.filter((e) => e.type === 'access_key_deleted');
    expect(deletions.map((e) => [e.identifierUid, e.details])).toEqual([
      [code.id, { keyType: 'code', userId: code.userId, caller: 'admin', caller_kind: 'session', role: 'admin' }],
      [card.id, { keyType: 'rfid', userId: code.userId, caller: 'admin', caller_kind: 'session', role: 'admin' }],
    ]);
    const written = JSON.stringify(h.journal);
    expect(written).not.toContain('4711');
    expect(written).not.toContain('9876');
  });

  it('lists keys in pages, filtered by user (link_id or phone) and key type, masking codes for operators', async () => {
    const alice = (await create({ userId: '+4915100000001', keyType: 'code', keyNumber: '2580', accessIds: ['all'] })).body;
    const created = [alice];
    for (const n of ['1001', '1002', '1003']) created.push((await create({ userId: alice.userId, keyType: 'rfid', keyFormat: 'H10301', keyNumber: n, accessIds: ['first'] })).body);
    created.push((await create({ firstName: 'Bob', keyType: 'code', keyNumber: '3690', accessIds: ['second'] })).body);
    await h.http.post('/api/v1/access/identifier/item').set(bearer(h.adminToken)).send({ ...permanentUpdate(), identifier_type: 'ukey', identifier_number: '77' });

    const seen: Array<{ id: string }> = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res = await list({ limit: 2, ...(after === null ? {} : { after }) });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items);
      after = res.body.next_after;
      pages++;
    } while (after !== null);
    expect(pages).toBeGreaterThanOrEqual(3);
    const ids = seen.map((k) => k.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids.slice().sort()).toEqual(created.map((k) => k.id).sort());
    expect(seen).toEqual(expect.arrayContaining(created.map((k) => ({ ...k, hasPin: false }))));

    const byLink = await list({ userId: alice.userId });
    expect(byLink.body.items.map((k: { id: string }) => k.id).sort()).toEqual(created.slice(0, 4).map((k) => k.id).sort());
    const byPhone = await list({ userId: '+4915100000001', keyType: 'code' }, h.operatorToken);
    expect(byPhone.body).toEqual({ items: [{ ...alice, hasPin: false, keyNumber: MASKED_CODE }], next_after: null });
    const cards = await list({ keyType: 'rfid' });
    expect(cards.body.items.map((k: { keyNumber: string }) => k.keyNumber).sort()).toEqual(['1001', '1002', '1003']);
    const unknown = await list({ userId: UNKNOWN_ID });
    expect([unknown.status, unknown.body]).toEqual([404, { error: 'entity_not_found' }]);
    expect((await list({ limit: 0 })).status).toBe(400);
  });
});
