import { describe, expect, it } from 'vitest';
import { toJsonLines } from './json-lines.ts';

const parsed = (lines: readonly string[]): unknown[] => lines.flatMap((line) => JSON.parse(line) as unknown[]);

describe('JSON lines', () => {
  it('round-trips records in order, newlines and unicode inside strings included', () => {
    const records = [
      { id: 1, number: '123456', validFrom: null, lock: 'first' },
      { ts: 1_800_000_000_000, type: 'admin_change', details: { id: 'a\nb', caller: 'Zoë "admin"', batch: true } },
      'plain text',
      42,
      [1, 2, 3],
    ];
    expect(parsed(toJsonLines(records))).toEqual(records);
  });

  it('spreads many records over lines of a bounded size and gets them all back', () => {
    const records = Array.from({ length: 1000 }, (_, i) => ({ i }));
    const lines = toJsonLines(records);
    expect(lines.length).toBeGreaterThan(10);
    expect(Math.max(...lines.map((l) => (JSON.parse(l) as unknown[]).length))).toBeLessThanOrEqual(64);
    expect(parsed(lines)).toEqual(records);
  });

  it('gives nothing for no records', () => {
    expect(toJsonLines([])).toEqual([]);
  });
});
