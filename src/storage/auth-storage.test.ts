import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { createAdminAccountsRepository } from './admin-accounts.ts';
import { createApiKeysRepository } from './api-keys.ts';
import { generateToken, hashSecret, hashToken, verifySecret } from './secret-hash.ts';
import { createSessionsRepository } from './sessions.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();

function setup() {
  const db = temp.fresh();
  const clock = new ManualClock();
  return {
    db,
    clock,
    admins: createAdminAccountsRepository(db, clock),
    apiKeys: createApiKeysRepository(db, clock),
    sessions: createSessionsRepository(db, clock),
  };
}

describe('admin accounts, API keys and sessions', () => {
  it('stores only password hashes and refuses clear text', async () => {
    const { admins, db } = setup();
    expect(admins.create({ username: 'root', role: 'admin', passwordHash: 'hunter2' })).toMatchObject({ ok: false, code: 'invalid_input' });
    const hash = await hashSecret('hunter2');
    expect(admins.create({ username: 'root', role: 'admin', passwordHash: hash })).toMatchObject({ ok: true, code: 'created' });
    expect(admins.create({ username: 'root', role: 'operator', passwordHash: hash })).toMatchObject({ ok: false, code: 'has_dublicates' });
    const dump = JSON.stringify(db.sqlite.prepare('SELECT * FROM admin_accounts').all());
    expect(dump).not.toContain('hunter2');
    expect(await verifySecret('hunter2', admins.get('root')!.passwordHash)).toBe(true);
    expect(admins.setRole('root', 'operator')).toMatchObject({ ok: true, value: { role: 'operator' } });
    expect(admins.setRole('nobody', 'operator')).toMatchObject({ ok: false, code: 'entity_not_found' });
  });

  it('finds API keys by hash until revoked', () => {
    const { apiKeys } = setup();
    const key = generateToken();
    const created = apiKeys.create({ name: 'ci', keyHash: hashToken(key), role: 'operator' });
    if (!created.ok) throw new Error('setup');
    expect(apiKeys.create({ name: 'clear', keyHash: key, role: 'operator' })).toMatchObject({ ok: false, code: 'invalid_input' });
    expect(apiKeys.findActiveByHash(hashToken(key))?.id).toBe(created.value.id);
    expect(apiKeys.findActiveByHash(hashToken(generateToken()))).toBeUndefined();
    expect(apiKeys.revoke(created.value.id)).toMatchObject({ ok: true });
    expect(apiKeys.findActiveByHash(hashToken(key))).toBeUndefined();
    expect(apiKeys.revoke(created.value.id)).toMatchObject({ ok: false, code: 'entity_not_found' });
  });

  it('sessions expire, follow the account role, and go with the account', async () => {
    const { admins, sessions, clock } = setup();
    admins.create({ username: 'op', role: 'operator', passwordHash: await hashSecret('pw') });
    const token = hashToken(generateToken());
    expect(sessions.create({ tokenHash: token, username: 'ghost', expiresAt: clock.now() + 1000 })).toMatchObject({ ok: false, code: 'entity_not_found' });
    expect(sessions.create({ tokenHash: token, username: 'op', expiresAt: clock.now() + 1000 })).toMatchObject({ ok: true });
    admins.setRole('op', 'admin');
    expect(sessions.findValid(token, clock.now())?.role).toBe('admin');
    expect(sessions.findValid(token, clock.now() + 1000)).toBeUndefined();
    expect(sessions.deleteExpired(clock.now() + 1000)).toBe(1);
    sessions.create({ tokenHash: token, username: 'op', expiresAt: clock.now() + 1000 });
    admins.delete('op');
    expect(sessions.findValid(token, clock.now())).toBeUndefined();
  });
});
