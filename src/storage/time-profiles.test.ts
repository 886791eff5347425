import { describe, expect, it } from 'vitest';
import { credentialRepos } from './repositories.test-helper.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();

describe('time profiles repository', () => {
  it('round-trips windows and holidays as JSON and updates partially', () => {
    const { timeProfiles, clock } = credentialRepos(temp.fresh());
    const windows = [{ days: [1, 2, 3, 4, 5], from: '08:00', to: '18:00' }];
    const created = timeProfiles.create({ id: 'office', name: 'Office hours', windows, holidays: ['2026-12-25'] });
    expect(created).toMatchObject({ ok: true, code: 'created', value: { windows, holidays: ['2026-12-25'] } });
    clock.advanceMs(10);
    expect(timeProfiles.update('office', { name: 'Office' })).toMatchObject({
      ok: true,
      code: 'updated',
      value: { name: 'Office', windows, holidays: ['2026-12-25'] },
    });
    expect(timeProfiles.create({ id: 'office', name: 'again', windows: [] })).toMatchObject({ ok: false, code: 'has_dublicates' });
    expect(timeProfiles.update('missing', { name: 'x' })).toMatchObject({ ok: false, code: 'bound_time_profile_doesnt_exist' });
    expect(timeProfiles.create({ name: 'bad', windows: 1n })).toMatchObject({ ok: false, code: 'invalid_time_rules_settings' });
    expect(timeProfiles.list().map((p) => p.id)).toEqual(['office']);
  });

  it('deletes an unbound profile; a bound one only after its identifiers let go', () => {
    const { timeProfiles, identifiers, owner } = credentialRepos(temp.fresh());
    timeProfiles.create({ id: 'night', name: 'Night', windows: [] });
    const card = identifiers.create({ type: 'card', number: 1n, userUuid: owner.uuid, lock: 'all', timeProfileId: 'night' });
    if (!card.ok) throw new Error('setup');
    expect(timeProfiles.delete('night')).toMatchObject({ ok: false, code: 'invalid_time_rules_settings' });
    identifiers.update(card.value.uid, { timeProfileId: null });
    expect(timeProfiles.delete('night')).toMatchObject({ ok: true, code: 'deleted' });
    expect(timeProfiles.delete('night')).toMatchObject({ ok: false, code: 'bound_time_profile_doesnt_exist' });
  });
});
