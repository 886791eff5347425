import { describe, expect, it } from 'vitest';
import { fromJsonLines, toJsonLines } from './json-lines.ts';

describe('JSON lines', () => {
  it('round-trips records, newlines and unicode inside strings included', () => {
    const records = [
      { id: 1, number: '123456', validFrom: null, lock: 'first' },
      { ts: 1_800_000_000_000, type: 'admin_change', details: { id: 'a\nb', caller: 'Zoë "admin"', batch: true } },
      'plain text',
      42,
      [1, 2, 3],
    ];
    expect([...fromJsonLines(toJsonLines(records))]).toEqual(records);
  });

  it('gives nothing for no records', () => {
    expect(toJsonLines([])).toBe('');
    expect([...fromJsonLines('')]).toEqual([]);
  });

  it('parses lazily: a record is parsed only when asked for', () => {
    const records = fromJsonLines<{ n: number }>(`${JSON.stringify({ n: 1 })}\n{not json`);
    expect(records.next().value).toEqual({ n: 1 });
    expect(() => records.next()).toThrow(SyntaxError);
  });
});
