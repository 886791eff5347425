import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { createSettingsRepository } from './settings.ts';
import { useTempDbs } from './temp-db.test-helper.ts';

const temp = useTempDbs();

describe('settings repository', () => {
  it('stores JSON values by key, survives reopening, and refuses values without a JSON form', () => {
    const dataDir = temp.dir();
    const settings = createSettingsRepository(temp.open({ dataDir }), new ManualClock());
    expect(settings.set('representation_mode', 'hex')).toBe(true);
    expect(settings.set('reader_formats', { r1: ['wiegand26', 'wiegand34'] })).toBe(true);
    expect(settings.set('broken', 1n)).toBe(false);
    expect(settings.set('nothing', undefined)).toBe(false);
    expect(settings.set('representation_mode', 'decimal')).toBe(true);
    const reopened = createSettingsRepository(temp.open({ dataDir }), new ManualClock());
    expect(reopened.all()).toEqual({ representation_mode: 'decimal', reader_formats: { r1: ['wiegand26', 'wiegand34'] } });
    expect(reopened.get('missing')).toBeUndefined();
    expect(reopened.delete('representation_mode')).toBe(true);
    expect(reopened.get('representation_mode')).toBeUndefined();
  });
});
