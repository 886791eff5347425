import { afterEach, describe, expect, it } from 'vitest';
import { TimeProfileSet } from '../access/time-profile.ts';
import { ManualClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { openDatabase, type Db } from '../storage/database.ts';
import { createTimeProfilesRepository } from '../storage/time-profiles.ts';
import { tempDir } from '../../test/support/daemon-harness.ts';
import { loadTimeProfiles } from './time-profiles.ts';

describe('loadTimeProfiles', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

  function db(): Db {
    const dir = tempDir('profiles-');
    const d = openDatabase({ dataDir: dir.path });
    cleanups.push(dir.remove, () => d.close());
    return d;
  }

  it('loads stored profiles by rowid, with holidays, and leaves out one that does not compile', () => {
    const d = db();
    const repo = createTimeProfilesRepository(d, new ManualClock());
    repo.create({ id: 'office', name: 'Office hours', windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '18:00' }], holidays: ['2026-12-25'] });
    repo.create({ id: 'broken', name: 'Broken', windows: [{ days: ['mon'], from: '25:00', to: '26:00' }] });
    const set = new TimeProfileSet('Europe/Berlin');
    expect(loadTimeProfiles(d, set, silentLogger)).toEqual({ loaded: 1, refused: 1 });

    const officeId = (d.sqlite.prepare("SELECT rowid FROM time_profiles WHERE id = 'office'").get() as { rowid: number }).rowid;
    // Thursday 2026-12-24 09:00 Berlin (08:00 UTC) is inside; Friday 2026-12-25 is a holiday.
    expect(set.allows(officeId, Date.UTC(2026, 11, 24, 8, 0))).toBe(true);
    expect(set.allows(officeId, Date.UTC(2026, 11, 24, 17, 30))).toBe(false);
    expect(set.allows(officeId, Date.UTC(2026, 11, 25, 9, 0))).toBe(false);
    const brokenId = (d.sqlite.prepare("SELECT rowid FROM time_profiles WHERE id = 'broken'").get() as { rowid: number }).rowid;
    expect(set.allows(brokenId, Date.UTC(2026, 11, 21, 9, 0))).toBeUndefined();
  });
});
