import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUsersRepository } from '../../src/storage/users.ts';
import { bearer, permanentUpdate, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await startHarness({ batchChunk: { maxItems: 2 } });
});
afterEach(() => h.close());

const admin = () => bearer(h.adminToken);
const upsert = (items: unknown[]) => h.http.put('/api/v1/users').set(admin()).send({ list_items: items });

describe('PUT /api/v1/users (seed 002)', () => {
  it('creates users with server-assigned link_ids, then updates by link_id and by name', async () => {
    const first = await upsert([{ name: 'Ann' }, { name: 'Ben', type: 'guest', phone: '+4930123456' }]);
    expect(first.status).toBe(200);
    const [ann, ben] = first.body.result;
    expect(ann).toMatchObject({ success: true, extended_info: 'created', has_dublicates: false });
    expect(ann.link_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(ben.link_id).not.toBe(ann.link_id);

    const second = await upsert([
      { link_id: ann.link_id, name: 'Ann Smith' },
      { name: 'Ben', last_name: 'Jones' },
    ]);
    expect(second.body.result).toEqual([
      { link_id: ann.link_id, success: true, extended_info: 'updated', has_dublicates: false },
      { link_id: ben.link_id, success: true, extended_info: 'updated', has_dublicates: false },
    ]);
    const got = await h.http.get(`/api/v1/users/${ben.link_id}`).set(bearer(h.operatorToken));
    expect(got.body).toMatchObject({ name: 'Ben', type: 'guest', phone: '+4930123456', last_name: 'Jones' });
  });

  it('flags same-name users and refuses an ambiguous name, leaving the rest of the batch applied', async () => {
    const repo = createUsersRepository(h.db, h.clock);
    const a = (await upsert([{ name: 'Cat' }])).body.result[0];
    const linkB = '6f1d1a7e-58c3-4d4b-9c63-3c0f7f1f2a10';
    const b = (await upsert([{ link_id: linkB, name: 'Cat' }])).body.result[0];
    expect(b).toEqual({ link_id: a.link_id, success: true, extended_info: 'updated', has_dublicates: false });

    const c = (await upsert([{ link_id: '0a1d1a7e-58c3-4d4b-9c63-3c0f7f1f2a11', name: 'Dan' }])).body.result[0];
    expect(c.extended_info).toBe('created');
    expect((await h.http.patch(`/api/v1/users/${c.link_id}`).set(admin()).send({ name: 'Cat' })).status).toBe(200);
    const before = repo.findByName('Cat');
    expect(before).toHaveLength(2);

    const res = await upsert([{ name: 'Cat', last_name: 'X' }, { name: 'Eve' }, { link_id: c.link_id, name: 'Cat', first_name: 'C' }]);
    expect(res.body.result).toEqual([
      { link_id: null, success: false, extended_info: 'has_dublicates', has_dublicates: true },
      expect.objectContaining({ success: true, extended_info: 'created', has_dublicates: false }),
      { link_id: c.link_id, success: true, extended_info: 'updated', has_dublicates: true },
    ]);
    expect(repo.findByName('Cat').map((u) => u.lastName)).toEqual([null, null]);
  });

  it('a phone number taken by another user fails that item only', async () => {
    await upsert([{ name: 'P1', phone: '+15550001' }]);
    const res = await upsert([{ name: 'P2', phone: '+15550001' }, { name: 'P3', phone: '+15550002' }]);
    expect(res.body.result.map((r: { extended_info: string }) => r.extended_info)).toEqual(['has_dublicates', 'created']);
    expect(createUsersRepository(h.db, h.clock).findByName('P2')).toEqual([]);
  });

  it('validates items with the reference texts', async () => {
    const cases: Array<[unknown[], string]> = [
      [[{ name: 'ok' }, { type: 'owner' }], 'Wrong JSON body: no value for `list_items[1].name`'],
      [[{ name: 'ok', phone: '0301234' }], 'Wrong JSON body: value `list_items[0].phone` was of the wrong type'],
      [[{ name: 'ok', link_id: 'abc' }], 'Wrong JSON body: value `list_items[0].link_id` was of the wrong type'],
      [[{ name: 7 }], 'Wrong JSON body: value `list_items[0].name` was of the wrong type'],
    ];
    for (const [items, error] of cases) {
      const res = await upsert(items);
      expect([res.status, res.body]).toEqual([400, { error }]);
    }
  });
});

describe('single users', () => {
  it('lists in pages, patches, and deletes a user with their identifiers (index too)', async () => {
    await upsert([{ name: 'U1' }, { name: 'U2' }, { name: 'U3' }]);
    const page1 = await h.http.get('/api/v1/users?limit=2').set(admin());
    expect(page1.body.items).toHaveLength(2);
    const page2 = await h.http.get(`/api/v1/users?limit=2&after=${page1.body.next_after}`).set(admin());
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.next_after).toBeNull();

    const created = await h.http
      .post('/api/v1/access/identifier/item')
      .set(admin())
      .send({ ...permanentUpdate('U1'), identifier_type: 'card', identifier_number: 42 });
    const linkId = created.body.identifier_owner.link_id as string;
    const indexId = h.services.indexSync.idOf(created.body.uid)!;
    expect(h.index.get(indexId)).toBeDefined();

    const patched = await h.http.patch(`/api/v1/users/${linkId}`).set(admin()).send({ first_name: 'Una' });
    expect(patched.body).toMatchObject({ link_id: linkId, name: 'U1', first_name: 'Una' });

    const del = await h.http.delete(`/api/v1/users/${linkId}`).set(admin());
    expect(del.body).toEqual({ link_id: linkId, extended_info: 'deleted' });
    expect(h.index.get(indexId)).toBeUndefined();
    const item = await h.http.get(`/api/v1/access/identifier/item/${created.body.uid}`).set(admin());
    expect(item.status).toBe(404);
    const again = await h.http.delete(`/api/v1/users/${linkId}`).set(admin());
    expect([again.status, again.body]).toEqual([404, { error: 'entity_not_found' }]);
  });
});
