import { describe, expect, it } from 'vitest';
import { TimeProfile, TimeProfileSet, type TimeProfileDef } from './time-profile.ts';
import { isValidTimeZone, localTimeIn } from './local-time.ts';

const at = (iso: string) => Date.parse(iso);

function setWith(timeZone: string, def: Omit<TimeProfileDef, 'id'>): TimeProfileSet {
  const set = new TimeProfileSet(timeZone);
  expect(set.put({ id: 1, ...def })).toEqual({ ok: true });
  return set;
}

describe('local time parts', () => {
  it.each([
    ['Europe/Berlin', '2026-03-29T00:59:59Z', 20260329, 6, 1 * 60 + 59],
    ['Europe/Berlin', '2026-03-29T01:00:00Z', 20260329, 6, 3 * 60],
    ['Europe/Berlin', '2026-10-25T00:30:00Z', 20261025, 6, 2 * 60 + 30],
    ['Europe/Berlin', '2026-10-25T01:30:00Z', 20261025, 6, 2 * 60 + 30],
    ['America/New_York', '2026-01-03T04:30:00Z', 20260102, 4, 23 * 60 + 30],
    ['UTC', '2026-01-01T00:00:00Z', 20260101, 3, 0],
  ])('%s %s → date %i weekday %i minute %i', (zone, iso, dateKey, weekday, minute) => {
    expect(localTimeIn(zone)(at(iso))).toEqual({ dateKey, weekday, minute });
  });

  it('knows valid and invalid zones', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });
});

describe('weekly windows at their minute edges', () => {
  const set = setWith('Europe/Berlin', { weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '17:00' }] });
  // 2026-01-05 is a Monday; Berlin is UTC+1 in winter.
  it.each([
    ['2026-01-05T06:59:59.999Z', false],
    ['2026-01-05T07:00:00.000Z', true],
    ['2026-01-05T15:59:59.999Z', true],
    ['2026-01-05T16:00:00.000Z', false],
    ['2026-01-10T10:00:00Z', false],
  ])('%s → %s', (iso, allowed) => expect(set.allows(1, at(iso))).toBe(allowed));

  it('answers undefined for a profile that does not exist', () => {
    expect(set.allows(2, at('2026-01-05T10:00:00Z'))).toBeUndefined();
  });
});

describe('windows that cross midnight and end at 24:00', () => {
  const set = setWith('UTC', {
    weekly: [
      { days: ['fri'], from: '22:00', to: '06:00' },
      { days: ['sun'], from: '20:00', to: '24:00' },
    ],
  });
  // 2026-01-09 is a Friday.
  it.each([
    ['2026-01-09T21:59:00Z', false],
    ['2026-01-09T22:00:00Z', true],
    ['2026-01-10T05:59:59Z', true],
    ['2026-01-10T06:00:00Z', false],
    ['2026-01-11T23:59:59Z', true],
    ['2026-01-12T00:00:00Z', false],
  ])('%s → %s', (iso, allowed) => expect(set.allows(1, at(iso))).toBe(allowed));
});

describe('DST change days (local wall clock decides)', () => {
  it.each([
    // Berlin, spring forward 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00Z; 02:xx never happens.
    ['Europe/Berlin', '02:00', '03:00', '2026-03-29T00:59:59Z', false],
    ['Europe/Berlin', '02:00', '03:00', '2026-03-29T01:00:00Z', false],
    ['Europe/Berlin', '01:30', '03:30', '2026-03-29T00:29:59Z', false],
    ['Europe/Berlin', '01:30', '03:30', '2026-03-29T00:30:00Z', true],
    ['Europe/Berlin', '01:30', '03:30', '2026-03-29T01:29:59Z', true],
    ['Europe/Berlin', '01:30', '03:30', '2026-03-29T01:30:00Z', false],
    // Berlin, fall back 2026-10-25: 03:00 CEST returns to 02:00 CET at 01:00Z; 02:xx happens twice.
    ['Europe/Berlin', '02:00', '03:00', '2026-10-24T23:59:59Z', false],
    ['Europe/Berlin', '02:00', '03:00', '2026-10-25T00:00:00Z', true],
    ['Europe/Berlin', '02:00', '03:00', '2026-10-25T00:59:59Z', true],
    ['Europe/Berlin', '02:00', '03:00', '2026-10-25T01:00:00Z', true],
    ['Europe/Berlin', '02:00', '03:00', '2026-10-25T01:59:59Z', true],
    ['Europe/Berlin', '02:00', '03:00', '2026-10-25T02:00:00Z', false],
    // New York, spring forward 2026-03-08 at 07:00Z (02:00 EST → 03:00 EDT).
    ['America/New_York', '02:00', '03:00', '2026-03-08T06:59:59Z', false],
    ['America/New_York', '02:00', '03:00', '2026-03-08T07:00:00Z', false],
    ['America/New_York', '03:00', '04:00', '2026-03-08T07:00:00Z', true],
    // New York, fall back 2026-11-01 at 06:00Z (02:00 EDT → 01:00 EST); 01:xx happens twice.
    ['America/New_York', '01:00', '02:00', '2026-11-01T04:59:59Z', false],
    ['America/New_York', '01:00', '02:00', '2026-11-01T05:00:00Z', true],
    ['America/New_York', '01:00', '02:00', '2026-11-01T06:30:00Z', true],
    ['America/New_York', '01:00', '02:00', '2026-11-01T06:59:59Z', true],
    ['America/New_York', '01:00', '02:00', '2026-11-01T07:00:00Z', false],
  ])('%s sun %s-%s at %s → %s', (zone, from, to, iso, allowed) => {
    const set = setWith(zone, { weekly: [{ days: ['sun'], from, to }] });
    expect(set.allows(1, at(iso))).toBe(allowed);
  });
});

describe('date ranges and holidays', () => {
  const set = setWith('Europe/Berlin', {
    weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], from: '00:00', to: '24:00' }],
    dateRanges: [{ from: '2026-01-02', to: '2026-01-31' }],
    holidays: ['2026-01-06', '2026-01-07'],
    holidayWindows: [{ from: '10:00', to: '12:00' }],
  });
  it.each([
    ['2026-01-01T22:59:59Z', false, 'the day before the range, local'],
    ['2026-01-01T23:00:00Z', true, 'local midnight starting the range'],
    ['2026-01-31T22:59:59Z', true, 'last local second of the range'],
    ['2026-01-31T23:00:00Z', false, 'local midnight after the range'],
    ['2026-01-06T08:59:59Z', false, 'holiday, before the holiday window'],
    ['2026-01-06T09:00:00Z', true, 'holiday window'],
    ['2026-01-06T11:00:00Z', false, 'holiday, after the holiday window'],
  ])('%s → %s (%s)', (iso, allowed) => expect(set.allows(1, at(iso))).toBe(allowed));

  it('closes a holiday all day when it has no holiday windows', () => {
    const closed = setWith('UTC', {
      weekly: [{ days: ['tue'], from: '00:00', to: '24:00' }],
      holidays: ['2026-01-06'],
    });
    expect(closed.allows(1, at('2026-01-06T12:00:00Z'))).toBe(false);
    expect(closed.allows(1, at('2026-01-13T12:00:00Z'))).toBe(true);
  });
});

describe('profile definitions that are refused', () => {
  it.each([
    [{ id: 0, weekly: [] }, 'id must be a positive integer'],
    [{ id: 1, weekly: [{ days: ['mon'], from: '8:00', to: '17:00' }] }, 'weekly[0]: times must be HH:MM (to may be 24:00)'],
    [{ id: 1, weekly: [{ days: ['mon'], from: '24:00', to: '10:00' }] }, 'weekly[0]: times must be HH:MM (to may be 24:00)'],
    [{ id: 1, weekly: [{ days: ['mon'], from: '10:00', to: '10:00' }] }, 'weekly[0]: empty window 10:00-10:00'],
    [{ id: 1, weekly: [{ days: [], from: '10:00', to: '11:00' }] }, 'weekly[0]: no days'],
    [{ id: 1, weekly: [{ days: ['xyz'], from: '10:00', to: '11:00' }] }, 'weekly[0]: unknown day xyz'],
    [{ id: 1, weekly: [], holidays: ['2026-02-30'] }, 'holidays[0]: date must be YYYY-MM-DD'],
    [{ id: 1, weekly: [], dateRanges: [{ from: '2026-02-01', to: '2026-01-01' }] }, 'dateRanges[0]: ends before it starts'],
    [{ id: 1, weekly: [], holidayWindows: [{ from: '22:00', to: '02:00' }] }, 'holidayWindows[0]: may not cross midnight'],
  ])('%o → %s', (def, error) => {
    const result = TimeProfile.compile(def as TimeProfileDef);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors).toContain(error);
  });
});
