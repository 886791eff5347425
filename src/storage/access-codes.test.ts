import { describe, expect, it } from 'vitest';
import { credentialRepos } from './repositories.test-helper.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();

describe('access codes repository', () => {
  it('creates ongoing and time-bound codes and validates the window', () => {
    const { accessCodes } = credentialRepos(temp.fresh());
    expect(accessCodes.create({ code: '1234', lock: 'first', type: 'ongoing', name: 'cleaner' })).toMatchObject({
      ok: true,
      value: { code: '1234', type: 'ongoing', startsAt: null, isOneTimeUse: false },
    });
    expect(accessCodes.create({ code: '2345', lock: 'all', type: 'time_bound', startsAt: 100, endsAt: 200 })).toMatchObject({
      ok: true,
      value: { startsAt: 100, endsAt: 200 },
    });
    expect(accessCodes.create({ code: '3456', lock: 'all', type: 'time_bound', startsAt: 200, endsAt: 100 })).toMatchObject({
      ok: false,
      code: 'invalid_time_rules_settings',
    });
    expect(accessCodes.create({ code: '12ab', lock: 'all', type: 'ongoing' })).toMatchObject({ ok: false, code: 'invalid_input' });
  });

  it('converting time_bound to ongoing drops the window (seed 004)', () => {
    const { accessCodes } = credentialRepos(temp.fresh());
    const r = accessCodes.create({ code: '5555', lock: 'door-2', type: 'time_bound', startsAt: 1, endsAt: 2 });
    if (!r.ok) throw new Error('setup');
    expect(accessCodes.update(r.value.id, { type: 'ongoing' })).toMatchObject({
      ok: true,
      code: 'updated',
      value: { type: 'ongoing', startsAt: null, endsAt: null, lock: 'door-2' },
    });
  });

  it('shares one digit space with inputCode identifiers, in both directions', () => {
    const { accessCodes, identifiers, owner } = credentialRepos(temp.fresh());
    const pin = { type: 'inputCode' as const, userUuid: owner.uuid, lock: 'all' as const };
    expect(identifiers.create({ ...pin, number: '1111' }).ok).toBe(true);
    expect(accessCodes.create({ code: '1111', lock: 'all', type: 'ongoing' })).toMatchObject({ ok: false, code: 'number_taken_by_another_identifier' });
    const code = accessCodes.create({ code: '2222', lock: 'all', type: 'ongoing' });
    if (!code.ok) throw new Error('setup');
    expect(identifiers.create({ ...pin, number: '2222' })).toMatchObject({ ok: false, code: 'number_taken_by_another_identifier' });
    expect(accessCodes.create({ code: '2222', lock: 'first', type: 'ongoing' })).toMatchObject({ ok: false, code: 'number_taken_by_another_identifier' });
    expect(accessCodes.update(code.value.id, { code: '1111' })).toMatchObject({ ok: false, code: 'number_taken_by_another_identifier' });
    // Leading zeros are significant, and a card with the same digits is another number space.
    expect(accessCodes.create({ code: '02222', lock: 'all', type: 'ongoing' }).ok).toBe(true);
    expect(identifiers.create({ type: 'card', number: 2222n, userUuid: owner.uuid, lock: 'all' }).ok).toBe(true);
    // Updating a code to its own digits is not a clash with itself.
    expect(accessCodes.update(code.value.id, { name: 'renamed', code: '2222' }).ok).toBe(true);
  });

  it('schema triggers keep the digit space unique even for writers that skip the repository', () => {
    const db = temp.fresh();
    const { identifiers, owner } = credentialRepos(db);
    identifiers.create({ type: 'inputCode', number: '7777', userUuid: owner.uuid, lock: 'all' });
    const raw = db.sqlite.prepare(
      "INSERT INTO access_codes (id, code, lock, type, created_at, updated_at) VALUES ('x', ?, 'all', 'ongoing', 0, 0)",
    );
    expect(() => raw.run('7777')).toThrow(/code space/);
    raw.run('8888');
    expect(() =>
      db.sqlite
        .prepare(
          "INSERT INTO identifiers (uid, type, number, user_uuid, lock, created_at, updated_at) VALUES ('y', 'inputCode', '8888', ?, 'all', 0, 0)",
        )
        .run(owner.uuid),
    ).toThrow(/code space/);
  });

  it('a one-time code is used once only', () => {
    const { accessCodes, clock } = credentialRepos(temp.fresh());
    const once = accessCodes.create({ code: '9999', lock: 'all', type: 'ongoing', isOneTimeUse: true });
    const always = accessCodes.create({ code: '8888', lock: 'all', type: 'ongoing' });
    if (!once.ok || !always.ok) throw new Error('setup');
    expect(accessCodes.recordOneTimeCodeUse(once.value.id, clock.now())).toEqual({ ok: true, usedAt: clock.now() });
    expect(accessCodes.recordOneTimeCodeUse(once.value.id, clock.now() + 1)).toEqual({ ok: false, reason: 'code_used' });
    expect(accessCodes.get(once.value.id)?.usedAt).toBe(clock.now());
    expect(accessCodes.recordOneTimeCodeUse(always.value.id, 0)).toEqual({ ok: false, reason: 'not_one_time' });
    expect(accessCodes.recordOneTimeCodeUse('missing', 0)).toEqual({ ok: false, reason: 'entity_not_found' });
  });

  it('streams compact rows for the index', () => {
    const { accessCodes } = credentialRepos(temp.fresh());
    accessCodes.create({ id: 'c1', code: '0042', lock: 'first', type: 'time_bound', startsAt: 5, endsAt: 6, isOneTimeUse: true });
    expect([...accessCodes.iterateAccessCodesForIndex()]).toEqual([['c1', '0042', 'first', 'time_bound', 5, 6, 1, null]]);
  });
});
