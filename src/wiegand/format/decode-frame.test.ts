import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitsFromString, type Bits, type RawFrame } from '../types.ts';
import { encodeFields } from './codec.ts';
import { decodeFrame } from './decode-frame.ts';
import { FORMATS, findFormat, rawFormat, type WiegandFormat } from './formats.ts';

const AT = Date.UTC(2026, 0, 1);
const H10301 = findFormat('H10301')!;
const IND26 = findFormat('ind26')!;
const KASTLE = findFormat('Kastle')!;
const RAW = rawFormat(0);

function frame(bits: Bits): RawFrame {
  return { reader: 'front', bits, firstEdgeUs: 0, lastEdgeUs: 0, bitPeriodUs: 0, source: 'sim' };
}

describe('decodeFrame', () => {
  const h10301Frame = bitsFromString('10111101100010001110101110');

  it('produces a card read whose number is the payload', () => {
    const out = decodeFrame(frame(h10301Frame), [H10301], AT);
    expect(out).toEqual({
      ok: true,
      read: {
        kind: 'card',
        reader: 'front',
        at: AT,
        format: 'H10301',
        bitLength: 26,
        rawBits: '10111101100010001110101110',
        number: BigInt((123 << 16) | 4567),
        alternates: [],
        fields: { facility_code: 123, card_number: 4567 },
      },
    });
  });

  it('lets the configured order pick between formats with the same layout', () => {
    const first = decodeFrame(frame(h10301Frame), [IND26, H10301], AT);
    expect(first.ok && first.read.format).toBe('ind26');
    expect(first.ok && first.read.fields).toEqual({ facility_code: 123 * 16 + 1, card_number: 4567 & 0xfff });
    const second = decodeFrame(frame(h10301Frame), [H10301, IND26], AT);
    expect(second.ok && second.read.format).toBe('H10301');
  });

  it('reports a parity error when every candidate fails parity', () => {
    const bad = Uint8Array.from(h10301Frame);
    bad[5] = 1 - bad[5]!;
    expect(decodeFrame(frame(bad), [H10301, IND26, RAW], AT)).toEqual({
      ok: false,
      reason: 'parity_error',
      rawBits: '10111001100010001110101110',
      bitLength: 26,
    });
  });

  it('reports a refusal when parity holds but a fixed bit is wrong', () => {
    const bits = encodeFields(KASTLE, { card_number: 7 });
    bits[1] = 0;
    bits[0] = 1 - bits[0]!; // keep the even parity that covers bit 1 intact
    const out = decodeFrame(frame(bits), [KASTLE], AT);
    expect(out.ok === false && out.reason).toBe('refused');
  });

  it('falls back to raw only for lengths no configured format has', () => {
    const bits = bitsFromString('1'.repeat(70) + '0'.repeat(58));
    expect(decodeFrame(frame(bits), [H10301], AT)).toMatchObject({ ok: false, reason: 'no_format', bitLength: 128 });
    const out = decodeFrame(frame(bits), [H10301, RAW], AT);
    expect(out.ok && out.read).toMatchObject({ format: 'raw', bitLength: 128, fields: {}, number: BigInt('0b' + '1'.repeat(70) + '0'.repeat(58)) });
    expect(decodeFrame(frame(new Uint8Array(0)), [RAW], AT)).toMatchObject({ ok: false, reason: 'no_format' });
  });

  it('never throws on random bitstrings of any length 0–160', () => {
    const configs: WiegandFormat[][] = [[...FORMATS], [...FORMATS, RAW], [RAW], []];
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 160 }),
        fc.constantFrom(...configs),
        (arr, formats) => {
          const out = decodeFrame(frame(Uint8Array.from(arr)), formats, AT);
          expect(out.ok ? out.read.bitLength : out.bitLength).toBe(arr.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
