import { describe, expect, it } from 'vitest';
import { CredentialIndex } from '../access/credential-index.ts';
import { configSchema } from '../config/config-schema.ts';
import { ManualClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import type { JournalEvent } from '../storage/journal.ts';
import { useTempDbs } from '../storage/temp-db.test-helper.ts';
import { ADMIN_CHANGE } from './admin-journal.ts';
import type { Principal } from './auth.ts';
import { createServices } from './services.ts';

const temp = useTempDbs();
const admin: Principal = { kind: 'session', name: 'alice', role: 'admin' };
const integration: Principal = { kind: 'api_key', name: 'hr-sync', role: 'admin', keyId: 'k1' };

function setup() {
  const db = temp.fresh();
  const events: JournalEvent[] = [];
  const clock = new ManualClock();
  const index = new CredentialIndex();
  const services = createServices({
    db, index, clock, logger: silentLogger, config: configSchema.parse({}), journal: { append: (e) => events.push(e), announce: (e) => events.push(e) },
    batchChunk: { maxItems: 2 },
  });
  const changes = () => events.filter((e) => e.type === ADMIN_CHANGE).map((e) => e.details);
  return { db, events, services, changes, index };
}

const settings = (name: string, max = 5) => ({
  identifier_owner: { type: 'owner' as const, name },
  lock: 'all' as const,
  valid: { time: { is_permanent: true as const }, passes: { is_permanent: false as const, max_passes: max } },
});

describe('admin changes journal', () => {
  it('records each identifier change with the caller, after the commit, never the number or a PIN', () => {
    const { services, changes, events } = setup();
    const created = services.identifiers.create({ identifier_type: 'inputCode', identifier_number: '4711', ...settings('Ann') }, admin);
    if (!created.ok) throw new Error(created.code);
    const uid = created.value.uid;
    expect(changes()).toEqual([{ entity: 'identifier', id: uid, action: 'created', caller: 'alice', caller_kind: 'session', role: 'admin' }]);
    expect(events[0]?.identifierUid).toBe(uid);
    expect(events[0]?.credential ?? null).toBeNull();

    services.identifiers.patch(uid, { lock: 'first' }, integration);
    services.identifiers.resetPasses(uid, admin);
    services.identifiers.updateOne('inputCode', '4711', settings('Ann', 9));
    services.identifiers.remove(uid, admin);
    expect(changes().map((d) => [d?.action, d?.caller ?? null])).toEqual([
      ['created', 'alice'], ['updated', 'hr-sync'], ['passes_reset', 'alice'], ['updated', null], ['deleted', 'alice'],
    ]);
    expect(JSON.stringify(events)).not.toContain('4711');

    // Failures change nothing and journal nothing.
    const before = events.length;
    expect(services.identifiers.remove(uid, admin)).toMatchObject({ ok: false, code: 'entity_not_found' });
    expect(services.identifiers.updateOne('inputCode', '4711', settings('Ann')).success).toBe(false);
    expect(events).toHaveLength(before);
  });

  it('records one event per successful batch item and none for failed ones', async () => {
    const { services, changes, db } = setup();
    for (const n of ['1', '2', '3']) services.identifiers.create({ identifier_type: 'card', identifier_number: n, ...settings('Old') });
    const uidOf = (n: string) => db.sqlite.prepare("SELECT uid FROM identifiers WHERE type = 'card' AND number = ?").pluck().get(n);
    const already = changes().length;
    const bad = { ...settings('X'), valid: { time: { is_permanent: false as const, from: 9, to: 1 }, passes: { is_permanent: true as const } } };
    const results = await services.identifiers.updateBatch(
      'card',
      [
        { identifier_number: '1', ...settings('New') },
        { identifier_number: '404', ...settings('New') },
        { identifier_number: '2', ...bad },
        { identifier_number: '3', ...settings('New') },
      ],
      integration,
    );
    expect(results.map((r) => r.extended_info)).toEqual(['updated', 'entity_not_found', 'invalid_time_rules_settings', 'updated']);
    expect(changes().slice(already)).toEqual([
      { entity: 'identifier', id: uidOf('1'), action: 'updated', caller: 'hr-sync', caller_kind: 'api_key', role: 'admin' },
      { entity: 'identifier', id: uidOf('3'), action: 'updated', caller: 'hr-sync', caller_kind: 'api_key', role: 'admin' },
    ]);
    const uid3 = uidOf('3');
    const beforeDelete = changes().length;
    await services.identifiers.deleteBatch('card', ['3', '404'], admin);
    expect(changes().slice(beforeDelete)).toEqual([
      { entity: 'identifier', id: uid3, action: 'deleted', caller: 'alice', caller_kind: 'session', role: 'admin' },
    ]);
  });

  it('records user creation, update and deletion, and the identifiers deleted with a user', async () => {
    const { services, changes } = setup();
    const [created, failed] = await services.users.upsertBatch(
      [{ name: 'Bea', link_id: 'bea-1', phone: '+4911111111' }, { name: 'Cy', link_id: 'cy-1', phone: '+4911111111' }],
      admin,
    );
    expect([created?.success, failed?.extended_info]).toEqual([true, 'has_dublicates']);
    await services.users.upsertBatch([{ name: 'Bea B.', link_id: 'bea-1' }]);
    services.users.patch('bea-1', { phone: '+4912345678' }, integration);
    const card = services.identifiers.create({ identifier_type: 'card', identifier_number: '77', ...settings('Bea B.') });
    if (!card.ok) throw new Error(card.code);
    services.users.remove('bea-1', admin);
    expect(changes().map((d) => [d?.entity, d?.id, d?.action, d?.caller ?? null])).toEqual([
      ['user', 'bea-1', 'created', 'alice'],
      ['user', 'bea-1', 'updated', null],
      ['user', 'bea-1', 'updated', 'hr-sync'],
      ['identifier', card.value.uid, 'created', null],
      ['user', 'bea-1', 'deleted', 'alice'],
      ['identifier', card.value.uid, 'deleted', 'alice'],
    ]);
    expect(changes().at(-1)).toMatchObject({ with_user: 'bea-1' });
    expect(JSON.stringify(changes())).not.toMatch(/\+491/);
  });
});
