import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCredentialNumber } from '../credential-number.ts';
import { bitsFromString, bitsToString, type FieldName, type Fields } from '../types.ts';
import { decodeBits, encodeFields } from './codec.ts';
import { FORMATS, findFormat, rawFormat, type WiegandFormat } from './formats.ts';

const H10301 = findFormat('H10301')!;

/** Random in-range values; a required value is fixed, a value the encoder substitutes is expected back. */
function fieldsArb(format: WiegandFormat): fc.Arbitrary<Fields> {
  const entries = Object.entries(format.fields).map(([name, positions]) => {
    const required = format.requiredFields?.[name as FieldName];
    const arb = required !== undefined ? fc.constant(required) : fc.integer({ min: 0, max: 2 ** positions.length - 1 });
    return [name, arb] as const;
  });
  return fc.record(Object.fromEntries(entries)) as fc.Arbitrary<Fields>;
}

function expectedBack(format: WiegandFormat, fields: Fields): Fields {
  const out: Fields = { ...fields };
  for (const [name, value] of Object.entries(format.encodeDefaults ?? {})) {
    if (out[name as FieldName] === 0) out[name as FieldName] = value;
  }
  return out;
}

const bitsArb = (max: number) => fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: max }).map((a) => Uint8Array.from(a));

describe('codec', () => {
  it('gives the seed-000 representation: H10301 FC 28 CN 15178 is payload 0x1c3b4a', () => {
    const bits = encodeFields(H10301, { facility_code: 28, card_number: 15178 });
    const out = decodeBits(H10301, bits);
    expect(out.parityOk).toBe(true);
    expect(out.payload).toBe(1850186n);
    expect(formatCredentialNumber(out.payload!, 'hex')).toBe('1c-3b-4a');
  });

  it.each(FORMATS.map((f) => [f.name, f] as const))('round-trips random fields through %s', (_n, format) => {
    fc.assert(
      fc.property(fieldsArb(format), (fields) => {
        const bits = encodeFields(format, fields);
        expect(bits).toHaveLength(format.bits);
        const out = decodeBits(format, bits);
        expect(out.parityOk).toBe(true);
        expect(out.fields).toEqual(expectedBack(format, fields));
      }),
      { numRuns: 100 },
    );
  });

  it('detects every single flipped bit in a format whose parity covers it', () => {
    const bits = encodeFields(H10301, { facility_code: 123, card_number: 4567 });
    for (let i = 0; i < bits.length; i++) {
      const flipped = Uint8Array.from(bits);
      flipped[i] = 1 - flipped[i]!;
      expect(decodeBits(H10301, flipped).parityOk).toBe(false);
    }
  });

  it('reads payloads wider than 53 bits exactly as bigint', () => {
    const s = '1' + '0'.repeat(62) + '1' + '10'.repeat(32);
    const out = decodeBits(rawFormat(128), bitsFromString(s));
    expect(out).toEqual({ parityOk: true, fields: {}, payload: BigInt('0b' + s) });
  });

  it('leaves parity, fixed and checksum bits out of the payload', () => {
    const p10001 = findFormat('P10001')!;
    const bits = encodeFields(p10001, { facility_code: 123, card_number: 4567 });
    expect(bitsToString(bits)).toBe('1111000001111011000100011101011101001101');
    expect(decodeBits(p10001, bits).payload).toBe(BigInt((123 << 16) | 4567));
  });

  it('refuses a frame whose fixed bit is wrong or whose required field differs', () => {
    const kastle = findFormat('Kastle')!;
    const bits = encodeFields(kastle, { facility_code: 1, card_number: 2, issue_level: 3 });
    bits[1] = 0;
    expect(decodeBits(kastle, bits).fields).toBeNull();
    const s12906b = findFormat('S12906b')!;
    expect(() => encodeFields(s12906b, { facility_code: 216, card_number: 1 })).toThrow(RangeError);
  });

  it('refuses to encode values that do not fit or fields the format lacks', () => {
    expect(() => encodeFields(H10301, { facility_code: 256 })).toThrow(RangeError);
    expect(() => encodeFields(H10301, { card_number: -1 })).toThrow(RangeError);
    expect(() => encodeFields(H10301, { card_number: 1.5 })).toThrow(RangeError);
    expect(() => encodeFields(H10301, { oem: 1 })).toThrow(/no oem/);
  });

  it('never throws on random bitstrings of any length 0–160, against every format and raw', () => {
    fc.assert(
      fc.property(bitsArb(160), (bits) => {
        for (const format of [...FORMATS, rawFormat(bits.length)]) {
          const out = decodeBits(format, bits);
          if (bits.length !== format.bits) expect(out).toEqual({ parityOk: false, fields: null, payload: null });
          else expect(out.payload).not.toBeNull();
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never throws on random frames of each format\'s own length', () => {
    const frameArb = fc
      .constantFrom(...FORMATS)
      .chain((f) => fc.array(fc.integer({ min: 0, max: 1 }), { minLength: f.bits, maxLength: f.bits }).map((a) => [f, Uint8Array.from(a)] as const));
    fc.assert(
      fc.property(frameArb, ([format, bits]) => {
        const out = decodeBits(format, bits);
        expect(typeof out.parityOk).toBe('boolean');
        expect(out.payload).not.toBeNull();
      }),
      { numRuns: 1000 },
    );
  });
});
