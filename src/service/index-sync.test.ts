import { describe, expect, it } from 'vitest';
import { CredentialIndex } from '../access/credential-index.ts';
import { silentLogger } from '../core/logger.ts';
import { credentialRepos } from '../storage/repositories.test-helper.ts';
import { hashSecret } from '../storage/secret-hash.ts';
import { useTempDbs } from '../storage/temp-db.test-helper.ts';
import { createIndexSync } from './index-sync.ts';

const temp = useTempDbs();

describe('index sync', () => {
  it('loads at start exactly what per-identifier updates put into the index', async () => {
    const db = temp.fresh();
    const { identifiers, owner, users, timeProfiles } = credentialRepos(db);
    const guest = users.create({ name: 'Guest', ownerType: 'guest' });
    if (!guest.ok) throw new Error('user');
    timeProfiles.create({ id: 'night', name: 'Night', windows: [] });
    const base = { userUuid: owner.uuid, lock: 'all' as const };
    const created = [
      identifiers.create({ ...base, type: 'card', number: 123_456_789_012_345n, validFrom: 1_700_000_000, validTo: 1_800_000_000, maxPasses: 3 }),
      identifiers.create({ ...base, type: 'card', number: 1_234_567_890_123_456n, userUuid: guest.value.uuid }),
      identifiers.create({ ...base, type: 'ukey', number: (1n << 70n) + 5n, timeProfileId: 'night', enabled: false }),
      identifiers.create({ ...base, type: 'inputCode', number: '007', lock: 'first', pinHash: await hashSecret('9999') }),
      identifiers.create({ ...base, type: 'license_plate', number: 'ab-123', lock: 'second' }),
    ];
    const uids = created.map((r) => {
      if (!r.ok) throw new Error(r.code);
      return r.value.uid;
    });
    identifiers.consumePass(uids[0]!, 1_750_000_000_000);

    const loaded = new CredentialIndex();
    const loadSync = createIndexSync(db, loaded, silentLogger);
    expect(loadSync.loadAll()).toEqual({ loaded: 5, rejected: [] });
    const oneByOne = new CredentialIndex();
    const itemSync = createIndexSync(db, oneByOne, silentLogger);
    for (const uid of uids) itemSync.saved(uid);

    for (const uid of uids) {
      const id = loadSync.idOf(uid)!;
      expect(loaded.get(id)).toBeDefined();
      expect(loaded.get(id)).toEqual(oneByOne.get(id));
    }
    const first = loaded.get(loadSync.idOf(uids[0]!)!)!;
    expect(first).toMatchObject({ value: 123_456_789_012_345n, passesUsed: 1, maxPasses: 3, validFromSec: 1_700_000_000 });
    expect(loaded.findSlot('inputCode', '007')).toBeGreaterThanOrEqual(0);
    expect(loaded.findSlot('inputCode', '7')).toBe(-1);
    expect(loaded.get(loadSync.idOf(uids[2]!)!)).toMatchObject({ enabled: false, value: (1n << 70n) + 5n });
    expect(loaded.get(loadSync.idOf(uids[1]!)!)!.ownerId).not.toBe(first.ownerId);
  });
});
