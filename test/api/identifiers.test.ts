import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdentifiersRepository } from '../../src/storage/identifiers.ts';
import { createUsersRepository } from '../../src/storage/users.ts';
import { bearer, permanentUpdate, startHarness, type Harness } from './harness.ts';

let h: Harness;
afterEach(() => h.close());

const admin = () => bearer(h.adminToken);

async function create(type: string, number: string | number, extra: Record<string, unknown> = {}) {
  return h.http
    .post('/api/v1/access/identifier/item')
    .set(admin())
    .send({ ...permanentUpdate(), identifier_type: type, identifier_number: number, ...extra });
}

function rowOf(type: 'card' | 'ukey' | 'inputCode' | 'qr' | 'license_plate', number: bigint | string) {
  return createIdentifiersRepository(h.db, { clock: h.clock }).findByNumber(type, number);
}

function indexed(uid: string) {
  const id = h.services.indexSync.idOf(uid);
  return id === undefined ? undefined : h.index.get(id);
}

describe('PUT /api/v1/access/identifiers (seed 000)', () => {
  beforeEach(async () => {
    h = await startHarness({ batchChunk: { maxItems: 2 } });
    for (const n of [100, 101, 102, 103]) expect((await create('card', n)).status).toBe(201);
    expect((await create('ukey', 103)).status).toBe(201);
  });

  it('single mode takes the number from the query and ignores the body number', async () => {
    const res = await h.http
      .put('/api/v1/access/identifiers?type=card&number=100')
      .set(admin())
      .send({ ...permanentUpdate('Bob', 'second'), identifier_number: '101' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ result: [{ identifier_type: 'card', identifier_number: '100', success: true, extended_info: 'updated' }] });
    const row = rowOf('card', 100n)!;
    expect(row.lock).toBe('second');
    expect(createUsersRepository(h.db, h.clock).get(row.userUuid)?.name).toBe('Bob');
    expect(rowOf('card', 101n)!.lock).toBe('all');
    expect(indexed(row.uid)?.lock).toBe('second');
  });

  it('single mode answers 200 with entity_not_found for an unknown number', async () => {
    const res = await h.http.put('/api/v1/access/identifiers?type=card&number=999').set(admin()).send(permanentUpdate());
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual([{ identifier_type: 'card', identifier_number: '999', success: false, extended_info: 'entity_not_found' }]);
  });

  it('batch mode: partial success, each failure coded, failed rows untouched, index follows the committed rows', async () => {
    const before = { 101: rowOf('card', 101n)!, 102: rowOf('card', 102n)!, 103: rowOf('card', 103n)! };
    h.clock.advanceMs(5000);
    const timed = (from: number, to: number) => ({
      ...permanentUpdate('Carol', 'first'),
      valid: { time: { is_permanent: false, from, to }, passes: { is_permanent: false, max_passes: 3 } },
    });
    const res = await h.http
      .put('/api/v1/access/identifiers?type=card')
      .set(admin())
      .send({
        list_items: [
          { ...timed(1_800_000_000, 1_900_000_000), identifier_number: '100' },
          { ...timed(1_900_000_000, 1_800_000_000), identifier_number: '101' },
          { ...permanentUpdate(), identifier_number: '102', identifier_type: 'face_id' },
          { ...permanentUpdate(), identifier_number: '103', identifier_type: 'ukey' },
          { ...permanentUpdate(), identifier_number: '104' },
          { ...timed(1, 2), valid: { time: { is_permanent: true }, passes: { is_permanent: false, max_passes: 0 } }, identifier_number: 102 },
        ],
      });
    expect(res.status).toBe(200);
    expect(res.body.result.map((r: { success: boolean; extended_info: string }) => [r.success, r.extended_info])).toEqual([
      [true, 'updated'],
      [false, 'invalid_time_rules_settings'],
      [false, 'face_id_not_supported'],
      [false, 'number_taken_by_another_identifier'],
      [false, 'entity_not_found'],
      [false, 'invalid_time_rules_settings'],
    ]);
    const updated = rowOf('card', 100n)!;
    expect([updated.validFrom, updated.validTo, updated.maxPasses, updated.lock]).toEqual([1_800_000_000, 1_900_000_000, 3, 'first']);
    expect(indexed(updated.uid)).toMatchObject({ lock: 'first', maxPasses: 3, validFromSec: 1_800_000_000, validToSec: 1_900_000_000 });
    expect(rowOf('card', 101n)).toEqual(before[101]);
    expect(rowOf('card', 102n)).toEqual(before[102]);
    expect(rowOf('card', 103n)).toEqual(before[103]);
    expect(h.db.integrityCheck().ok).toBe(true);
  });

  it('identifier_type changes the type in storage and in the index', async () => {
    const uid = rowOf('card', 101n)!.uid;
    const res = await h.http
      .put('/api/v1/access/identifiers?type=card')
      .set(admin())
      .send({ list_items: [{ ...permanentUpdate(), identifier_number: '101', identifier_type: 'ukey' }] });
    expect(res.body.result[0]).toMatchObject({ success: true, extended_info: 'updated' });
    expect(rowOf('card', 101n)).toBeUndefined();
    expect(rowOf('ukey', 101n)?.uid).toBe(uid);
    expect(h.index.findSlot('card', 101n)).toBe(-1);
    expect(h.index.findSlot('ukey', 101n)).toBeGreaterThanOrEqual(0);
  });

  it('an owner name shared by several users is has_dublicates', async () => {
    const users = createUsersRepository(h.db, h.clock);
    users.create({ name: 'Twin', ownerType: 'owner' });
    users.create({ name: 'Twin', ownerType: 'owner' });
    const res = await h.http.put('/api/v1/access/identifiers?type=card&number=100').set(admin()).send(permanentUpdate('Twin'));
    expect(res.body.result[0]).toMatchObject({ success: false, extended_info: 'has_dublicates' });
  });

  it('a number invalid in the current mode is a 400 naming the item, and nothing is written', async () => {
    const before = rowOf('card', 100n)!;
    const res = await h.http
      .put('/api/v1/access/identifiers?type=card')
      .set(admin())
      .send({ list_items: [{ ...permanentUpdate('Zed', 'first'), identifier_number: '100' }, { ...permanentUpdate(), identifier_number: '1c-3b-4a' }] });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'Wrong JSON body: value `list_items[1].identifier_number` was of the wrong type' });
    expect(rowOf('card', 100n)).toEqual(before);
  });

  it('names the real field path in the reference wording', async () => {
    const put = (body: unknown) => h.http.put('/api/v1/access/identifiers?type=card').set(admin()).send(body as object);
    const item = { ...permanentUpdate(), identifier_number: '100' };
    const items = (bad: Record<string, unknown>) => ({ list_items: [item, item, item, { ...item, ...bad }] });
    const cases: Array<[unknown, string]> = [
      [items({ valid: { time: { is_permanent: false, from: 'soon', to: 5 }, passes: { is_permanent: true } } }), 'Wrong JSON body: value `list_items[3].valid.time.from` was of the wrong type'],
      [items({ valid: { time: { is_permanent: false, to: 5 }, passes: { is_permanent: true } } }), 'Wrong JSON body: no value for `list_items[3].valid.time.from`'],
      [items({ lock: undefined }), 'Wrong JSON body: no value for `list_items[3].lock`'],
      [items({ lock: 'third' }), 'Wrong JSON body: value `list_items[3].lock` was of the wrong type'],
      [items({ identifier_owner: { type: 'owner' } }), 'Wrong JSON body: no value for `list_items[3].identifier_owner.name`'],
      [items({ valid: { time: {}, passes: { is_permanent: true } } }), 'Wrong JSON body: no value for `list_items[3].valid.time.is_permanent`'],
      [items({ valid: { time: { is_permanent: true }, passes: { is_permanent: false, max_passes: 1.5 } } }), 'Wrong JSON body: value `list_items[3].valid.passes.max_passes` was of the wrong type'],
      [{ list_items: 'all' }, 'Wrong JSON body: value `list_items` was of the wrong type'],
      [{}, 'Wrong JSON body: no value for `list_items`'],
      [[1, 2], 'Wrong JSON body'],
    ];
    for (const [body, error] of cases) {
      const res = await put(body);
      expect([res.status, res.body]).toEqual([400, { error }]);
    }
  });

  it('missing or malformed bodies and queries are 400s, never 500s', async () => {
    const missing = await h.http.put('/api/v1/access/identifiers?type=card').set(admin());
    expect([missing.status, missing.body]).toEqual([400, { error: 'Wrong JSON body' }]);
    const malformed = await h.http
      .put('/api/v1/access/identifiers?type=card')
      .set(admin())
      .set('Content-Type', 'application/json')
      .send('{"list_items": [');
    expect([malformed.status, malformed.body]).toEqual([400, { error: 'Wrong JSON body' }]);
    const noType = await h.http.put('/api/v1/access/identifiers').set(admin()).send({ list_items: [] });
    expect([noType.status, noType.body]).toEqual([400, { error: 'Wrong query parameters: no value for `type`' }]);
    const badType = await h.http.put('/api/v1/access/identifiers?type=iris').set(admin()).send({ list_items: [] });
    expect(badType.body).toEqual({ error: 'Wrong query parameters: value `type` was of the wrong type' });
    const badNumber = await h.http.put('/api/v1/access/identifiers?type=card&number=12345678901').set(admin()).send(permanentUpdate());
    expect([badNumber.status, badNumber.body]).toEqual([400, { error: 'Wrong query parameters: value `number` was of the wrong type' }]);
  });
});

describe('identifier items', () => {
  beforeEach(async () => {
    h = await startHarness({ config: { capacity: { qr: 1 } } });
  });

  it('creates, reads, patches, resets passes and deletes one identifier, index in step', async () => {
    const created = await create('card', '1850186', {
      valid: { time: { is_permanent: true }, passes: { is_permanent: false, max_passes: 2 } },
    });
    expect(created.status).toBe(201);
    const uid = created.body.uid as string;
    expect(indexed(uid)).toMatchObject({ type: 'card', value: 1850186n, maxPasses: 2, passesUsed: 0 });

    const got = await h.http.get(`/api/v1/access/identifier/item/${uid}`).set(bearer(h.operatorToken));
    expect(got.body).toMatchObject({ uid, identifier_type: 'card', identifier_number: '1850186', lock: 'all' });

    const patched = await h.http.patch(`/api/v1/access/identifier/item/${uid}`).set(admin()).send({ lock: 'first', identifier_number: '77' });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ identifier_number: '77', lock: 'first', identifier_owner: { name: 'Alice' } });
    expect(indexed(uid)).toMatchObject({ value: 77n, lock: 'first' });

    const repo = createIdentifiersRepository(h.db, { clock: h.clock });
    expect(repo.consumePass(uid, h.clock.now())).toMatchObject({ ok: true, passesUsed: 1 });
    h.index.recordPass(h.services.indexSync.idOf(uid)!);
    const reset = await h.http.post(`/api/v1/access/identifier/item/${uid}/passes/reset`).set(admin());
    expect(reset.body.passes_used).toBe(0);
    expect(repo.get(uid)?.passesUsed).toBe(0);
    expect(indexed(uid)?.passesUsed).toBe(0);

    const id = h.services.indexSync.idOf(uid)!;
    const del = await h.http.delete(`/api/v1/access/identifier/item/${uid}`).set(admin());
    expect(del.body).toEqual({ uid, extended_info: 'deleted' });
    expect(repo.get(uid)).toBeUndefined();
    expect(h.index.get(id)).toBeUndefined();
    const gone = await h.http.get(`/api/v1/access/identifier/item/${uid}`).set(admin());
    expect([gone.status, gone.body]).toEqual([404, { error: 'entity_not_found' }]);
  });

  it('answers business failures with the shared result codes', async () => {
    await create('card', 5);
    const taken = await create('card', 5);
    expect([taken.status, taken.body]).toEqual([409, { error: 'number_taken_by_another_identifier' }]);
    const face = await create('face_id', 6);
    expect([face.status, face.body]).toEqual([422, { error: 'face_id_not_supported' }]);
    const time = await create('card', 7, { valid: { time: { is_permanent: false, from: 10, to: 10 }, passes: { is_permanent: true } } });
    expect([time.status, time.body]).toEqual([422, { error: 'invalid_time_rules_settings' }]);
    expect((await create('qr', '3f0c1e52-8d7a-4b55-9d4e-2f7b1c9a0e11')).status).toBe(201);
    const full = await create('qr', '00000000-0000-4000-8000-000000000000');
    expect([full.status, full.body]).toEqual([409, { error: 'number_of_identifiers_exceeded' }]);
    expect(rowOf('card', 7n)).toBeUndefined();
    const patchUnknown = await h.http.patch('/api/v1/access/identifier/item/00000000-0000-4000-8000-000000000000').set(admin()).send({ lock: 'first' });
    expect([patchUnknown.status, patchUnknown.body]).toEqual([404, { error: 'entity_not_found' }]);
  });

  it('applies the number grammar of each type', async () => {
    const ok: Array<[string, string]> = [
      ['inputCode', '0123'],
      ['qr', '3F0C1E52-8D7A-4B55-9D4E-2F7B1C9A0E11'],
      ['license_plate', 'B-AB 123'],
      ['ukey', '4294967295'],
    ];
    for (const [type, number] of ok) expect((await create(type, number)).status, `${type} ${number}`).toBe(201);
    expect(rowOf('inputCode', '0123')).toBeDefined();
    expect(rowOf('qr', '3f0c1e52-8d7a-4b55-9d4e-2f7b1c9a0e11')).toBeDefined();
    const bad: Array<[string, string]> = [
      ['inputCode', '12a4'],
      ['qr', 'not-a-uuid'],
      ['license_plate', 'x'.repeat(101)],
      ['card', '12345678901'],
    ];
    for (const [type, number] of bad) {
      const res = await create(type, number);
      expect([res.status, res.body], `${type} ${number}`).toEqual([400, { error: 'Wrong JSON body: value `identifier_number` was of the wrong type' }]);
    }
  });

  it('deletes by type/number, single and batch, with per-item results', async () => {
    await create('card', 1);
    await create('card', 2);
    const uid2 = rowOf('card', 2n)!.uid;
    const id2 = h.services.indexSync.idOf(uid2)!;
    const batch = await h.http.delete('/api/v1/access/identifiers?type=card').set(admin()).send({ list_items: [{ identifier_number: '2' }, { identifier_number: '3' }] });
    expect(batch.body.result).toEqual([
      { identifier_type: 'card', identifier_number: '2', success: true, extended_info: 'deleted' },
      { identifier_type: 'card', identifier_number: '3', success: false, extended_info: 'entity_not_found' },
    ]);
    expect(h.index.get(id2)).toBeUndefined();
    const single = await h.http.delete('/api/v1/access/identifiers?type=card&number=1').set(admin());
    expect(single.body.result).toEqual([{ identifier_type: 'card', identifier_number: '1', success: true, extended_info: 'deleted' }]);
    expect(rowOf('card', 1n)).toBeUndefined();
  });

  it('lists in pages, filtered by type and owner', async () => {
    for (let n = 1; n <= 5; n++) await create('card', n, n % 2 ? {} : { identifier_owner: { type: 'guest', name: 'Even' } });
    await create('ukey', 9);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const res: { body: { items: Array<{ uid: string; identifier_type: string }>; next_after: string | null } } = await h.http
        .get('/api/v1/access/identifiers')
        .query({ type: 'card', limit: 2, ...(after ? { after } : {}) })
        .set(bearer(h.operatorToken));
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      for (const i of res.body.items) expect(i.identifier_type).toBe('card');
      seen.push(...res.body.items.map((i) => i.uid));
      after = res.body.next_after;
    } while (after !== null);
    expect(new Set(seen).size).toBe(5);
    const even = await h.http.get('/api/v1/access/identifiers?type=card').set(admin());
    const linkId = even.body.items.find((i: { identifier_owner: { name: string } }) => i.identifier_owner.name === 'Even').identifier_owner.link_id;
    const owned = await h.http.get('/api/v1/access/identifiers').query({ link_id: linkId }).set(admin());
    expect(owned.body.items.map((i: { identifier_number: string }) => i.identifier_number).sort()).toEqual(['2', '4']);
    const nobody = await h.http.get('/api/v1/access/identifiers').query({ link_id: 'nobody' }).set(admin());
    expect([nobody.status, nobody.body]).toEqual([404, { error: 'entity_not_found' }]);
  });
});
