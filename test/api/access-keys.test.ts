import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdentifiersRepository } from '../../src/storage/identifiers.ts';
import { createUsersRepository } from '../../src/storage/users.ts';
import { bearer, permanentUpdate, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const create = (body: object) => h.http.post('/api/v1/access-keys').set(bearer(h.adminToken)).send(body);
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
