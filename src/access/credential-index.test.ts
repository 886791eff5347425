import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CredentialIndex, type IdentifierRow, type RowError } from './credential-index.ts';
import { IDENTIFIER_TYPE_NAMES, type IdentifierType } from './identifier-key.ts';

const card = (id: number, value: bigint | number, extra: Partial<IdentifierRow> = {}): IdentifierRow => ({
  id,
  type: 'card',
  value,
  lock: 'all',
  ...extra,
});

describe('CredentialIndex lookups by type and number', () => {
  const rows: IdentifierRow[] = [
    card(1, 1850186n),
    card(2, 2n ** 60n + 5n),
    { id: 3, type: 'inputCode', value: '0123', lock: 'first' },
    { id: 4, type: 'inputCode', value: '123', lock: 'first' },
    { id: 5, type: 'inputCode', value: '12345678901234567890', lock: 'second' },
    { id: 6, type: 'qr', value: '91c615e3-1040-4815-8ecb-039a18b756b5', lock: 'all' },
    { id: 7, type: 'license_plate', value: 'B-AB 123', lock: 'all' },
    { id: 8, type: 'ukey', value: 1850186n, lock: 'all' },
    { id: 9, type: 'face_id', value: 42, lock: 'all' },
  ];
  const index = new CredentialIndex(4);
  const result = index.loadBulk(rows);

  it.each([
    ['card', 1850186n, 1],
    ['card', 2n ** 60n + 5n, 2],
    ['card', 2n ** 60n + 4n, undefined],
    ['inputCode', '0123', 3],
    ['inputCode', '123', 4],
    ['inputCode', '00123', undefined],
    ['inputCode', '12345678901234567890', 5],
    ['qr', '91c615e3-1040-4815-8ecb-039a18b756b5', 6],
    ['license_plate', 'bab123', 7],
    ['license_plate', 'B AB-123', 7],
    ['ukey', 1850186n, 8],
    ['face_id', 42n, 9],
    ['face_id', 43n, undefined],
  ] as Array<[IdentifierType, bigint | string, number | undefined]>)('%s %s → id %s', (type, value, id) => {
    expect(result).toEqual({ loaded: rows.length, rejected: [] });
    const slot = index.findSlot(type, value);
    if (id === undefined) expect(slot).toBe(-1);
    else expect(index.columns.id[slot]).toBe(id);
  });

  it('reads records back with canonical values and defaults', () => {
    expect(index.get(2)).toMatchObject({ type: 'card', value: 2n ** 60n + 5n, lock: 'all', maxPasses: null, enabled: true });
    expect(index.get(3)).toMatchObject({ type: 'inputCode', value: '0123', lock: 'first' });
    expect(index.get(5)?.value).toBe('12345678901234567890');
    expect(index.get(7)?.value).toBe('BAB123');
    expect(index.get(99)).toBeUndefined();
  });
});

describe('CredentialIndex row validation', () => {
  it.each([
    [{ id: 1.5 }, 'invalid_id'],
    [{ type: 'barcode' as IdentifierType }, 'invalid_type'],
    [{ value: -1n }, 'invalid_value'],
    [{ value: 'abc' }, 'invalid_value'],
    [{ type: 'inputCode', value: '12a4' }, 'invalid_value'],
    [{ type: 'inputCode', value: 1234 }, 'invalid_value'],
    [{ type: 'qr', value: '   ' }, 'invalid_value'],
    [{ lock: 'third' as never }, 'invalid_lock'],
    [{ validFrom: 2000, validTo: 1000 }, 'invalid_validity'],
    [{ validFrom: NaN }, 'invalid_validity'],
    [{ maxPasses: -2 }, 'invalid_passes'],
    [{ passesUsed: 1.5 }, 'invalid_passes'],
    [{ timeProfileId: -3 }, 'invalid_reference'],
  ] as Array<[Partial<IdentifierRow>, RowError]>)('%o → %s', (patch, reason) => {
    const index = new CredentialIndex();
    expect(index.upsert({ ...card(1, 10n), ...patch })).toEqual({ ok: false, reason });
    expect(index.size).toBe(0);
  });

  it('accepts a validity that starts and ends in the same second', () => {
    const index = new CredentialIndex();
    expect(index.upsert(card(1, 10n, { validFrom: 5_000, validTo: 5_999 }))).toEqual({ ok: true });
    expect(index.get(1)).toMatchObject({ validFromSec: 5, validToSec: 5 });
  });

  it('refuses a number held by another id and reports bad rows of a bulk load without stopping', () => {
    const index = new CredentialIndex();
    const result = index.loadBulk([card(1, 10n), card(2, 10n), card(3, 11n), card(4, -5n)]);
    expect(result).toEqual({ loaded: 2, rejected: [{ id: 2, reason: 'number_taken' }, { id: 4, reason: 'invalid_value' }] });
    expect(index.columns.id[index.findSlot('card', 11n)]).toBe(3);
  });
});

describe('CredentialIndex bulk reload', () => {
  it('replaces the whole content, presized by expected counts', () => {
    const index = new CredentialIndex(16);
    index.loadBulk([card(1, 10n), card(2, 11n)]);
    const many = Array.from({ length: 5000 }, (_, i) => card(100 + i, BigInt(2 ** 33 + i)));
    expect(index.loadBulk([...many, { id: 9, type: 'inputCode', value: '42', lock: 'first' }], { card: 5000, inputCode: 1 }))
      .toEqual({ loaded: 5001, rejected: [] });
    expect(index.size).toBe(5001);
    expect(index.get(1)).toBeUndefined();
    expect(index.findSlot('card', 10n)).toBe(-1);
    expect(index.columns.id[index.findSlot('card', BigInt(2 ** 33 + 4999))]).toBe(5099);
    expect(index.columns.id[index.findSlot('inputCode', '42')]).toBe(9);
  });

  it('adds to what is there, leaving the ids it holds and those it is told to skip', () => {
    const index = new CredentialIndex(16);
    index.upsert(card(2, 20n, { lock: 'second' }));
    const skip = new Set([3]);
    const result = index.addBulk([card(1, 10n), card(2, 21n), card(3, 30n), card(4, 40n)], (id) => skip.has(id));
    expect(result).toEqual({ loaded: 2, rejected: [] });
    expect(index.size).toBe(3);
    expect(index.get(2)).toMatchObject({ value: 20n, lock: 'second' });
    expect(index.findSlot('card', 21n)).toBe(-1);
    expect(index.has(3)).toBe(false);
    expect(index.columns.id[index.findSlot('card', 40n)]).toBe(4);
  });
});

describe('CredentialIndex updates', () => {
  it('moves an identifier to a new number and type, freeing the old number', () => {
    const index = new CredentialIndex();
    index.upsert(card(1, 10n));
    expect(index.upsert({ id: 1, type: 'ukey', value: 20n, lock: 'first' })).toEqual({ ok: true });
    expect(index.findSlot('card', 10n)).toBe(-1);
    expect(index.get(1)).toMatchObject({ type: 'ukey', value: 20n, lock: 'first' });
    expect(index.upsert(card(2, 10n))).toEqual({ ok: true });
    expect(index.size).toBe(2);
  });

  it('counts passes, sets them, and forgets removed ids', () => {
    const index = new CredentialIndex();
    index.upsert(card(1, 10n, { maxPasses: 3 }));
    expect(index.recordPass(1)).toBe(true);
    expect(index.recordPass(1)).toBe(true);
    expect(index.get(1)?.passesUsed).toBe(2);
    expect(index.setPassesUsed(1, 0)).toBe(true);
    expect(index.get(1)?.passesUsed).toBe(0);
    expect(index.setPassesUsed(1, -1)).toBe(false);
    expect(index.remove(1)).toBe(true);
    expect(index.remove(1)).toBe(false);
    expect(index.recordPass(1)).toBe(false);
    expect(index.findSlot('card', 10n)).toBe(-1);
  });
});

/** Random upserts and removes agree with a plain Map model, for lookups by id and by number. */
describe('CredentialIndex against a Map model', () => {
  const type = fc.constantFrom<IdentifierType>(...IDENTIFIER_TYPE_NAMES);
  const valueFor = (t: IdentifierType, n: bigint): bigint | string =>
    t === 'inputCode' ? n.toString().padStart(4, '0') : t === 'qr' || t === 'license_plate' ? `V${n}` : n;
  const op = fc.oneof(
    fc.record({
      kind: fc.constant('upsert' as const),
      id: fc.integer({ min: -5, max: 30 }),
      type,
      n: fc.oneof(fc.bigInt({ min: 0n, max: 40n }), fc.constantFrom(2n ** 53n, 2n ** 64n - 1n)),
      passes: fc.nat(5),
    }),
    fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: -5, max: 30 }) }),
  );

  it('holds', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const index = new CredentialIndex(16);
        const model = new Map<number, { type: IdentifierType; value: bigint | string; passes: number }>();
        const keyOf = (t: IdentifierType, v: bigint | string) => `${t}:${typeof v === 'string' ? v.toUpperCase() : v}`;
        for (const o of ops) {
          if (o.kind === 'remove') {
            expect(index.remove(o.id)).toBe(model.delete(o.id));
            continue;
          }
          const value = valueFor(o.type, o.n);
          const takenBy = [...model].find(([id, r]) => id !== o.id && keyOf(r.type, r.value) === keyOf(o.type, value));
          const res = index.upsert({ id: o.id, type: o.type, value, lock: 'all', passesUsed: o.passes });
          expect(res.ok).toBe(takenBy === undefined);
          if (res.ok) model.set(o.id, { type: o.type, value, passes: o.passes });
        }
        expect(index.size).toBe(model.size);
        for (const [id, r] of model) {
          expect(index.columns.id[index.findSlot(r.type, r.value)]).toBe(id);
          expect(index.get(id)).toMatchObject({ type: r.type, passesUsed: r.passes });
        }
        for (const o of ops) {
          if (o.kind === 'upsert' && !model.has(o.id)) expect(index.get(o.id)).toBeUndefined();
        }
      }),
    );
  });
});
