import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import rows from '../../../test/fixtures/wiegand-keypad.json' with { type: 'json' };
import { encodeFields } from '../format/codec.ts';
import { findFormat } from '../format/formats.ts';
import { bitsFromString, bitsToString, type KeypadKey } from '../types.ts';
import {
  KEYPAD_MODES,
  decodeKey,
  decodePinCard,
  encodeKey,
  encodePinCard,
  type KeyEmissionMode,
  type KeypadMode,
} from './keypad-modes.ts';

type KeyRow = { mode: KeyEmissionMode; key: KeypadKey; bitstring: string };
type PinRow = { mode: '26bit_pin_as_card'; note: string; fields: { facility_code: number; card_number: number }; bitstring: string };

const keyRows = rows.filter((r) => 'key' in r) as KeyRow[];
const pinRows = rows.filter((r) => 'fields' in r) as PinRow[];
const PIN_ERROR = 65535;

describe('keypad emissions (reference rows)', () => {
  it('covers all 67 rows', () => {
    expect(keyRows.length + pinRows.length).toBe(67);
    expect(new Set(rows.map((r) => r.mode))).toEqual(new Set(KEYPAD_MODES));
  });

  it.each(keyRows.map((r) => [`${r.mode} ${r.key}`, r] as const))('%s', (_label, row) => {
    expect(decodeKey(row.mode, bitsFromString(row.bitstring))).toBe(row.key);
    expect(bitsToString(encodeKey(row.mode, row.key))).toBe(row.bitstring);
  });

  it.each(pinRows.map((r) => [r.note, r] as const))('%s', (_label, row) => {
    const bits = bitsFromString(row.bitstring);
    const { facility_code: site, card_number: cn } = row.fields;
    if (cn === PIN_ERROR) {
      expect(decodePinCard(bits, site)).toEqual({ ok: false, reason: 'pin_error' });
      expect(bitsToString(encodeFields(findFormat('H10301')!, row.fields))).toBe(row.bitstring);
    } else {
      expect(decodePinCard(bits, site)).toEqual({ ok: true, pin: String(cn) });
      expect(bitsToString(encodePinCard(String(cn), site))).toBe(row.bitstring);
    }
    expect(decodePinCard(bits, site + 1)).toEqual({ ok: false, reason: 'wrong_site' });
  });
});

describe('keypad modes', () => {
  const perKey = KEYPAD_MODES.filter((m): m is KeyEmissionMode => m !== '26bit_pin_as_card');
  const keys: KeypadKey[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'];

  it('is configured, not guessed: a swapped 5 reads as * on a normal 8-bit keypad', () => {
    const bits = encodeKey('8bit_complement_low_swapped', '5');
    expect(decodeKey('8bit_complement_high', bits)).toBe('*');
  });

  it('rejects malformed emissions', () => {
    expect(decodeKey('8bit_complement_high', bitsFromString('11110001'))).toBeNull(); // complement wrong
    expect(decodeKey('4bit', bitsFromString('1100'))).toBeNull(); // 0xC is no key
    expect(decodeKey('6bit_rosslare_format', bitsFromString('000001'))).toBeNull(); // Rosslare has no 0x0
    expect(decodeKey('6bit_nibble_parity', bitsFromString('100001'))).toBeNull(); // parity wrong
    expect(decodeKey('4bit', bitsFromString('00001'))).toBeNull(); // length wrong
    expect(decodeKey('26bit_pin_as_card', bitsFromString('0001'))).toBeNull();
  });

  it('round-trips every key in every per-key mode and never throws on random bits', () => {
    for (const mode of perKey) for (const key of keys) expect(decodeKey(mode, encodeKey(mode, key))).toBe(key);
    fc.assert(
      fc.property(
        fc.constantFrom<KeypadMode>(...KEYPAD_MODES),
        fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 160 }),
        (mode, arr) => {
          const key = decodeKey(mode, Uint8Array.from(arr));
          expect(key === null || keys.includes(key)).toBe(true);
          const pin = decodePinCard(Uint8Array.from(arr), 0);
          if (arr.length !== 26) expect(pin).toEqual({ ok: false, reason: 'parity_error' });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports parity errors on PIN cards and refuses PINs a keypad cannot send', () => {
    const bits = encodePinCard('4567', 123);
    bits[3] = 1 - bits[3]!;
    expect(decodePinCard(bits, 123)).toEqual({ ok: false, reason: 'parity_error' });
    for (const pin of ['0', '65535', '123456', '12a', '']) expect(() => encodePinCard(pin, 0)).toThrow(RangeError);
  });
});
