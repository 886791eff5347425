import { describe, expect, it } from 'vitest';
import { credentialRepos } from './repositories.test-helper.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();

describe('users repository', () => {
  it('creates, reads, updates and deletes a user with timestamps from the clock', () => {
    const { users, clock } = credentialRepos(temp.fresh());
    const created = users.create({ name: 'Bob', ownerType: 'guest', phone: '+4915112345678', linkId: 'L1' });
    expect(created).toMatchObject({ ok: true, code: 'created', value: { name: 'Bob', phone: '+4915112345678' } });
    if (!created.ok) return;
    clock.advanceMs(1000);
    const updated = users.update(created.value.uuid, { firstName: 'Robert' });
    expect(updated).toMatchObject({ ok: true, code: 'updated', value: { firstName: 'Robert', name: 'Bob', linkId: 'L1' } });
    if (!updated.ok) return;
    expect(updated.value.updatedAt - updated.value.createdAt).toBe(1000);
    expect(users.findByLinkId('L1')?.uuid).toBe(created.value.uuid);
    expect(users.findByPhone('+4915112345678')?.uuid).toBe(created.value.uuid);
    expect(users.delete(created.value.uuid)).toMatchObject({ ok: true, code: 'deleted' });
    expect(users.get(created.value.uuid)).toBeUndefined();
    expect(users.delete(created.value.uuid)).toMatchObject({ ok: false, code: 'entity_not_found' });
  });

  it('keeps phone and link_id unique and refuses non-E.164 phones', () => {
    const { users } = credentialRepos(temp.fresh());
    expect(users.create({ name: 'A', ownerType: 'owner', phone: '+123456789', linkId: 'X' }).ok).toBe(true);
    expect(users.create({ name: 'B', ownerType: 'owner', phone: '+123456789' })).toMatchObject({ ok: false, code: 'has_dublicates', detail: 'phone' });
    expect(users.create({ name: 'C', ownerType: 'owner', linkId: 'X' })).toMatchObject({ ok: false, code: 'has_dublicates', detail: 'linkId' });
    expect(users.create({ name: 'D', ownerType: 'owner', phone: '0151 123' })).toMatchObject({ ok: false, code: 'invalid_input', detail: 'phone' });
  });

  it('upserts per seed 002: by link_id, else the only user of that name; flags shared names', () => {
    const { users } = credentialRepos(temp.fresh()); // already holds "Alice"
    const a = users.upsert({ name: 'Carol', ownerType: 'owner', linkId: 'L-carol' });
    expect(a).toMatchObject({ ok: true, code: 'created', value: { hasDuplicates: false } });
    const b = users.upsert({ name: 'Carol B.', ownerType: 'guest', linkId: 'L-carol' });
    expect(b).toMatchObject({ ok: true, code: 'updated', value: { user: { name: 'Carol B.', ownerType: 'guest' } } });
    const c = users.upsert({ name: 'Alice', ownerType: 'guest' });
    expect(c).toMatchObject({ ok: true, code: 'updated', value: { user: { ownerType: 'guest' }, hasDuplicates: false } });
    users.create({ name: 'Alice', ownerType: 'owner', linkId: 'L-alice2' });
    expect(users.upsert({ name: 'Alice', ownerType: 'owner', linkId: 'L-alice2', lastName: 'Two' })).toMatchObject({
      ok: true,
      code: 'updated',
      value: { hasDuplicates: true },
    });
    expect(users.upsert({ name: 'Alice', ownerType: 'owner' })).toMatchObject({ ok: false, code: 'has_dublicates' });
    expect(users.countByName('Alice')).toBe(2);
  });

  it('pages through users by uuid', () => {
    const { users } = credentialRepos(temp.fresh());
    for (let i = 0; i < 5; i++) users.create({ name: `U${i}`, ownerType: 'guest' });
    const first = users.list({ limit: 4 });
    const rest = users.list({ after: first.at(-1)!.uuid, limit: 4 });
    expect(first).toHaveLength(4);
    expect(rest).toHaveLength(2);
    expect(new Set([...first, ...rest].map((u) => u.uuid)).size).toBe(6);
  });
});
