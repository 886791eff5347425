import { describe, expect, it } from 'vitest';
import { credentialNumber } from '../wiegand/credential-number.ts';
import { hashSecret } from './secret-hash.ts';
import { credentialRepos } from './repositories.test-helper.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();

describe('identifiers repository', () => {
  it('stores numbers of any width exactly and keeps (type, number) unique', () => {
    const { identifiers, owner } = credentialRepos(temp.fresh());
    const big = credentialNumber((1n << 80n) + 1n);
    const neighbour = credentialNumber(1n << 80n);
    const base = { type: 'card' as const, userUuid: owner.uuid, lock: 'all' as const };
    expect(identifiers.create({ ...base, number: big })).toMatchObject({ ok: true, value: { number: '1208925819614629174706177' } });
    expect(identifiers.create({ ...base, number: neighbour }).ok).toBe(true);
    expect(identifiers.create({ ...base, number: big })).toMatchObject({ ok: false, code: 'number_taken_by_another_identifier' });
    // Same digits, other type: a different identifier.
    expect(identifiers.create({ ...base, type: 'ukey', number: big }).ok).toBe(true);
    expect(identifiers.findByNumber('card', big)?.number).toBe(big.toString());
    expect(identifiers.count('card')).toBe(2);
  });

  it('keeps leading zeros of keypad codes and normalises plates', () => {
    const { identifiers, owner } = credentialRepos(temp.fresh());
    const base = { userUuid: owner.uuid, lock: 'first' as const };
    expect(identifiers.create({ ...base, type: 'inputCode', number: '0123' }).ok).toBe(true);
    expect(identifiers.create({ ...base, type: 'inputCode', number: '123' }).ok).toBe(true);
    expect(identifiers.create({ ...base, type: 'license_plate', number: 'b-ab 123' })).toMatchObject({ value: { number: 'BAB123' } });
    expect(identifiers.create({ ...base, type: 'license_plate', number: 'BAB123' })).toMatchObject({ ok: false, code: 'number_taken_by_another_identifier' });
    expect(identifiers.create({ ...base, type: 'inputCode', number: '12a4' })).toMatchObject({ ok: false, code: 'invalid_input', detail: 'number' });
  });

  it('answers the seed result codes for missing owner, missing time profile, bad windows', () => {
    const { identifiers, owner, timeProfiles } = credentialRepos(temp.fresh());
    const base = { type: 'card' as const, number: 5n, userUuid: owner.uuid, lock: 'all' as const };
    expect(identifiers.create({ ...base, userUuid: 'nobody' })).toMatchObject({ ok: false, code: 'entity_not_found' });
    expect(identifiers.create({ ...base, timeProfileId: 'tp' })).toMatchObject({ ok: false, code: 'bound_time_profile_doesnt_exist' });
    expect(identifiers.create({ ...base, validFrom: 200, validTo: 100 })).toMatchObject({ ok: false, code: 'invalid_time_rules_settings' });
    expect(identifiers.create({ ...base, lock: 'third' as 'all' })).toMatchObject({ ok: false, code: 'invalid_input', detail: 'lock' });
    timeProfiles.create({ id: 'tp', name: 'office', windows: [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }] });
    expect(identifiers.create({ ...base, timeProfileId: 'tp' })).toMatchObject({ ok: true, value: { timeProfileId: 'tp' } });
    expect(timeProfiles.delete('tp')).toMatchObject({ ok: false, code: 'invalid_time_rules_settings' });
    expect(identifiers.count('card')).toBe(1);
  });

  it('refuses clear-text PINs and keeps only the hash', async () => {
    const { identifiers, owner } = credentialRepos(temp.fresh());
    const base = { type: 'card' as const, number: 7n, userUuid: owner.uuid, lock: 'all' as const };
    expect(identifiers.create({ ...base, pinHash: '4711' })).toMatchObject({ ok: false, code: 'invalid_input', detail: 'pinHash' });
    const pinHash = await hashSecret('4711', 'pin');
    const r = identifiers.create({ ...base, pinHash });
    expect(r).toMatchObject({ ok: true, value: { pinHash } });
  });

  it('updates partially, refuses a change to face_id, and moves a number only when free', () => {
    const { identifiers, owner, clock } = credentialRepos(temp.fresh());
    const base = { type: 'card' as const, userUuid: owner.uuid, lock: 'all' as const };
    const a = identifiers.create({ ...base, number: 1n, name: 'a', maxPasses: 3 });
    identifiers.create({ ...base, number: 2n });
    if (!a.ok) throw new Error('setup');
    clock.advanceMs(5);
    expect(identifiers.update(a.value.uid, { lock: 'second', enabled: false })).toMatchObject({
      ok: true,
      code: 'updated',
      value: { lock: 'second', enabled: false, name: 'a', number: '1', maxPasses: 3 },
    });
    expect(identifiers.update(a.value.uid, { type: 'face_id' })).toMatchObject({ ok: false, code: 'face_id_not_supported' });
    expect(identifiers.update(a.value.uid, { number: 2n })).toMatchObject({ ok: false, code: 'number_taken_by_another_identifier' });
    expect(identifiers.update(a.value.uid, { number: 3n })).toMatchObject({ ok: true, value: { number: '3' } });
    expect(identifiers.update('missing', { number: 4n })).toMatchObject({ ok: false, code: 'entity_not_found' });
  });

  it('reassigns a card to another user (seed 003) keeping its uid, and reports the previous owner', () => {
    const { identifiers, users, owner } = credentialRepos(temp.fresh());
    const bob = users.create({ name: 'Bob', ownerType: 'guest' });
    if (!bob.ok) throw new Error('setup');
    const base = { type: 'card' as const, number: 99n, lock: 'all' as const };
    const first = identifiers.assignToUser({ ...base, userUuid: owner.uuid });
    expect(first).toMatchObject({ ok: true, code: 'created', value: { previousUserUuid: null } });
    const moved = identifiers.assignToUser({ ...base, userUuid: bob.value.uuid });
    expect(moved).toMatchObject({ ok: true, code: 'updated', value: { previousUserUuid: owner.uuid, identifier: { userUuid: bob.value.uuid } } });
    if (!first.ok || !moved.ok) return;
    expect(moved.value.identifier.uid).toBe(first.value.identifier.uid);
    expect(identifiers.listByUser(owner.uuid)).toHaveLength(0);
  });

  it('deleting a user deletes their identifiers and keeps the per-type count exact', () => {
    const { identifiers, users } = credentialRepos(temp.fresh());
    const bob = users.create({ name: 'Bob', ownerType: 'guest' });
    if (!bob.ok) throw new Error('setup');
    for (const n of [1n, 2n, 3n]) identifiers.create({ type: 'card', number: n, userUuid: bob.value.uuid, lock: 'all' });
    expect(identifiers.count('card')).toBe(3);
    users.delete(bob.value.uuid);
    expect(identifiers.count('card')).toBe(0);
    expect(identifiers.list()).toEqual([]);
  });
});

describe('capacity', () => {
  it('reports number_of_identifiers_exceeded at the per-type limit, and face identifiers separately', () => {
    const { identifiers, owner } = credentialRepos(temp.fresh(), { card: 2, face_id: 1 });
    const base = { userUuid: owner.uuid, lock: 'all' as const };
    expect(identifiers.create({ ...base, type: 'card', number: 1n }).ok).toBe(true);
    expect(identifiers.create({ ...base, type: 'card', number: 2n }).ok).toBe(true);
    expect(identifiers.create({ ...base, type: 'card', number: 3n })).toMatchObject({ ok: false, code: 'number_of_identifiers_exceeded' });
    expect(identifiers.create({ ...base, type: 'ukey', number: 3n }).ok).toBe(true);
    expect(identifiers.create({ ...base, type: 'face_id', number: 1n }).ok).toBe(true);
    expect(identifiers.create({ ...base, type: 'face_id', number: 2n })).toMatchObject({ ok: false, code: 'number_of_face_identifiers_exceeded' });
    // Changing type into a full type counts too; deleting frees a place.
    const ukey = identifiers.findByNumber('ukey', 3n)!;
    expect(identifiers.update(ukey.uid, { type: 'card' })).toMatchObject({ ok: false, code: 'number_of_identifiers_exceeded' });
    identifiers.deleteByNumber('card', 1n);
    expect(identifiers.update(ukey.uid, { type: 'card' })).toMatchObject({ ok: true });
    expect(identifiers.count('card')).toBe(2);
    expect(identifiers.count('ukey')).toBe(0);
  });
});

describe('consumePass', () => {
  it('counts up to max_passes and never beyond, however often it is called', () => {
    const { identifiers, owner, clock } = credentialRepos(temp.fresh());
    const r = identifiers.create({ type: 'card', number: 10n, userUuid: owner.uuid, lock: 'all', maxPasses: 3 });
    if (!r.ok) throw new Error('setup');
    const results = Array.from({ length: 50 }, () => identifiers.consumePass(r.value.uid, clock.now()));
    expect(results.filter((x) => x.ok)).toHaveLength(3);
    expect(results.slice(0, 3).map((x) => (x.ok ? x.passesUsed : -1))).toEqual([1, 2, 3]);
    expect(results[3]).toEqual({ ok: false, reason: 'passes_exhausted' });
    expect(identifiers.get(r.value.uid)).toMatchObject({ passesUsed: 3, lastUsedAt: clock.now() });
    expect(identifiers.consumePass('missing', clock.now())).toEqual({ ok: false, reason: 'entity_not_found' });
  });

  it('two connections racing on one card still stop at max_passes', () => {
    const dataDir = temp.dir();
    const a = credentialRepos(temp.open({ dataDir }));
    const b = credentialRepos(temp.open({ dataDir }));
    const r = a.identifiers.create({ type: 'card', number: 11n, userUuid: a.owner.uuid, lock: 'all', maxPasses: 25 });
    if (!r.ok) throw new Error('setup');
    let granted = 0;
    for (let i = 0; i < 40; i++) {
      for (const repo of [a.identifiers, b.identifiers]) if (repo.consumePass(r.value.uid, 0).ok) granted++;
    }
    expect(granted).toBe(25);
    expect(b.identifiers.get(r.value.uid)?.passesUsed).toBe(25);
  });

  it('counts passes of unlimited identifiers and resets only on request', () => {
    const { identifiers, owner } = credentialRepos(temp.fresh());
    const r = identifiers.create({ type: 'card', number: 12n, userUuid: owner.uuid, lock: 'all' });
    if (!r.ok) throw new Error('setup');
    for (let i = 0; i < 4; i++) identifiers.consumePass(r.value.uid, 0);
    expect(identifiers.consumePass(r.value.uid, 0)).toEqual({ ok: true, passesUsed: 5, maxPasses: null });
    expect(identifiers.update(r.value.uid, { maxPasses: 2 })).toMatchObject({ value: { passesUsed: 5, maxPasses: 2 } });
    expect(identifiers.consumePass(r.value.uid, 0).ok).toBe(false);
    expect(identifiers.update(r.value.uid, { resetPasses: true })).toMatchObject({ value: { passesUsed: 0 } });
    expect(identifiers.consumePass(r.value.uid, 0).ok).toBe(true);
  });
});

describe('batches', () => {
  it('a failed item leaves the database as it was for that item; the others are kept', () => {
    const db = temp.fresh();
    const { identifiers, owner } = credentialRepos(db);
    const items = [1n, 2n, 2n, 3n].map((n) => ({ type: 'card' as const, number: n, userUuid: owner.uuid, lock: 'all' as const }));
    const results = db.withTransaction(() =>
      items.map((item) =>
        db.attempt(() => {
          const user = identifiers.create(item);
          if (!user.ok) return user;
          // A second write in the same item: must vanish too when the item fails.
          return identifiers.update(user.value.uid, { name: `card ${item.number}` });
        }),
      ),
    );
    expect(results.map((r) => r.code)).toEqual(['updated', 'updated', 'number_taken_by_another_identifier', 'updated']);
    expect(identifiers.list().map((i) => [i.number, i.name]).sort()).toEqual([['1', 'card 1'], ['2', 'card 2'], ['3', 'card 3']]);
    expect(identifiers.count('card')).toBe(3);
  });
});
