import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NumericKeyTable } from './numeric-key-table.ts';

const key = fc.oneof(
  fc.integer({ min: -50, max: 50 }),
  fc.integer({ min: 0, max: 2 ** 31 }),
  fc.maxSafeInteger(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 2 ** 32, 2 ** 32 + 1, 2 ** 40),
);
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key }),
  fc.record({ kind: fc.constant('delete' as const), key }),
);

describe('NumericKeyTable', () => {
  it('agrees with a Map after any sequence of sets and deletes, across resizes', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const table = new NumericKeyTable(4);
        const model = new Map<number, number>();
        // The caller's key column: a new key gets the next slot, as the credential index allocates them.
        const keys: number[] = [];
        for (const o of ops) {
          if (o.kind === 'set') {
            const slot = model.get(o.key) ?? keys.push(o.key) - 1;
            table.set(o.key, slot, keys);
            model.set(o.key, slot);
          } else {
            expect(table.delete(o.key, keys)).toBe(model.delete(o.key));
          }
        }
        expect(table.size).toBe(model.size);
        for (const o of ops) expect(table.get(o.key, keys)).toBe(model.get(o.key) ?? -1);
      }),
    );
  });

  it('keeps every key findable when deletes punch holes in long probe runs', () => {
    const table = new NumericKeyTable();
    // Multiples of 2^32 share their low word, so they stress the hash's use of the high word.
    const keys = Float64Array.from({ length: 2000 }, (_, i) => i * 2 ** 32);
    keys.forEach((k, i) => table.set(k, i, keys));
    keys.filter((_, i) => i % 3 === 0).forEach((k) => table.delete(k, keys));
    keys.forEach((k, i) => expect(table.get(k, keys)).toBe(i % 3 === 0 ? -1 : i));
    table.clear();
    expect(table.size).toBe(0);
    expect(table.get(keys[1]!, keys)).toBe(-1);
  });
});
