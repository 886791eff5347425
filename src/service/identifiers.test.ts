import { describe, expect, it } from 'vitest';
import { CredentialIndex } from '../access/credential-index.ts';
import { configSchema } from '../config/config-schema.ts';
import { ManualClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { useTempDbs } from '../storage/temp-db.test-helper.ts';
import { createUsersRepository } from '../storage/users.ts';
import { createServices } from './services.ts';

const temp = useTempDbs();

const item = (number: string, name: string, type: 'owner' | 'guest' = 'owner') => ({
  identifier_number: number,
  identifier_owner: { type, name },
  lock: 'second' as const,
  valid: { time: { is_permanent: false as const, from: 100, to: 200 }, passes: { is_permanent: false as const, max_passes: 3 } },
});

describe('identifier batch update', () => {
  it('resolves owners written earlier in the same chunk, keeps the index in step, and rolls back only failed items', async () => {
    const db = temp.fresh();
    const index = new CredentialIndex();
    const services = createServices({
      db, index, clock: new ManualClock(), logger: silentLogger, config: configSchema.parse({}), journal: { append() {}, announce() {} },
      batchChunk: { maxItems: 100 },
    });
    for (const n of ['1', '2', '3', '4']) {
      services.identifiers.create({ identifier_type: 'card', ...item(n, 'Old'), lock: 'all', valid: { time: { is_permanent: true }, passes: { is_permanent: true } } });
    }
    const users = createUsersRepository(db, new ManualClock());
    for (const linkId of ['t1', 't2']) users.create({ name: 'Twin', ownerType: 'owner', linkId });
    const results = await services.identifiers.updateBatch('card', [
      item('1', 'Zed'),
      item('2', 'Zed', 'guest'),
      item('3', 'Twin'),
      item('4', 'Zed', 'guest'),
    ]);
    expect(results.map((r) => r.extended_info)).toEqual(['updated', 'updated', 'has_dublicates', 'updated']);
    const owners = db.sqlite
      .prepare("SELECT i.number, u.name, u.owner_type FROM identifiers i JOIN users u ON u.uuid = i.user_uuid ORDER BY i.number")
      .raw()
      .all();
    // One Zed, created by item 1 and retyped to guest by item 2 in the same chunk; item 3 untouched.
    expect(owners).toEqual([['1', 'Zed', 'guest'], ['2', 'Zed', 'guest'], ['3', 'Old', 'owner'], ['4', 'Zed', 'guest']]);
    expect(db.sqlite.prepare("SELECT COUNT(*) FROM users WHERE name = 'Zed'").pluck().get()).toBe(1);
    for (const n of [1n, 2n, 4n]) {
      expect(index.get(index.columns.id[index.findSlot('card', n)]!)).toMatchObject({ lock: 'second', validFromSec: 100, validToSec: 200, maxPasses: 3 });
    }
    expect(index.get(index.columns.id[index.findSlot('card', 3n)]!)).toMatchObject({ lock: 'all', maxPasses: null });
  });
});
