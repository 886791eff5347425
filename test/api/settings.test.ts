import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialIndex } from '../../src/access/credential-index.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createServices } from '../../src/service/services.ts';
import { createIdentifiersRepository } from '../../src/storage/identifiers.ts';
import { bearer, permanentUpdate, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const admin = () => bearer(h.adminToken);
const setMode = (representation: 'hex' | 'decimal') =>
  h.http.post('/api/v1/access/general/wiegand/type').set(admin()).send({ representation });
const createCard = (number: string) =>
  h.http.post('/api/v1/access/identifier/item').set(admin()).send({ ...permanentUpdate(), identifier_type: 'card', identifier_number: number });
const storedNumbers = () =>
  createIdentifiersRepository(h.db, { clock: h.clock }).list({ type: 'card' }).map((r) => r.number).sort();
const listed = async () =>
  (await h.http.get('/api/v1/access/identifiers?type=card').set(admin())).body.items.map((i: { identifier_number: string }) => i.identifier_number).sort();

describe('wiegand representation mode', () => {
  it('reads 44 as 44 in decimal mode and as 0x44 = 68 in hex mode; switching never rewrites stored numbers', async () => {
    expect((await h.http.get('/api/v1/access/general/wiegand/type').set(bearer(h.operatorToken))).body.representation).toBe('decimal');
    expect((await createCard('44')).status).toBe(201);
    expect((await setMode('hex')).body.representation).toBe('hex');
    expect((await createCard('44')).status).toBe(201);
    expect(storedNumbers()).toEqual(['44', '68']);
    expect(await listed()).toEqual(['2c', '44']);

    const put = await h.http.put('/api/v1/access/identifiers?type=card&number=44').set(admin()).send(permanentUpdate('Hexa', 'first'));
    expect(put.body.result[0]).toMatchObject({ identifier_number: '44', success: true });
    expect(createIdentifiersRepository(h.db, { clock: h.clock }).findByNumber('card', 68n)?.lock).toBe('first');
    expect(createIdentifiersRepository(h.db, { clock: h.clock }).findByNumber('card', 44n)?.lock).toBe('all');

    const hexBytes = await createCard('1c-3b-4a');
    expect(hexBytes.body.identifier_number).toBe('1c-3b-4a');
    await setMode('decimal');
    expect(storedNumbers()).toEqual(['1850186', '44', '68']);
    expect(await listed()).toEqual(['1850186', '44', '68']);
    const hexInDecimal = await createCard('1c-3b-4a');
    expect([hexInDecimal.status, hexInDecimal.body]).toEqual([400, { error: 'Wrong JSON body: value `identifier_number` was of the wrong type' }]);
  });

  it('survives a restart of the services (the mode is stored)', async () => {
    await setMode('hex');
    const again = createServices({ db: h.db, index: new CredentialIndex(), clock: h.clock, logger: silentLogger, config: configSchema.parse({}), journal: { append() {}, announce() {} } });
    expect(again.settings.mode()).toBe('hex');
  });

  it('sets reader formats, refusing unknown readers and formats without storing anything', async () => {
    const ok = await h.http.post('/api/v1/access/general/wiegand/type').set(admin()).send({ readers: [{ id: 'door1', formats: ['H10301', 'raw'] }] });
    expect(ok.body.readers).toEqual([
      { id: 'door1', formats: ['H10301', 'raw'] },
      { id: 'door2', formats: ['H10301', 'H10306', 'H10302', 'raw'] },
    ]);
    const badFormat = await h.http
      .post('/api/v1/access/general/wiegand/type')
      .set(admin())
      .send({ representation: 'hex', readers: [{ id: 'door2', formats: ['H10301', 'NOPE'] }] });
    expect([badFormat.status, badFormat.body]).toEqual([400, { error: 'Wrong JSON body: value `readers[0].formats[1]` was of the wrong type' }]);
    const badReader = await h.http.post('/api/v1/access/general/wiegand/type').set(admin()).send({ readers: [{ id: 'door9', formats: ['raw'] }] });
    expect(badReader.body).toEqual({ error: 'Wrong JSON body: value `readers[0].id` was of the wrong type' });
    const now = (await h.http.get('/api/v1/access/general/wiegand/type').set(admin())).body;
    expect(now.representation).toBe('decimal');
    expect(now.readers[1].formats).toEqual(['H10301', 'H10306', 'H10302', 'raw']);
  });
});
