import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { encodeFields } from './format/codec.ts';
import { findFormat, resolveFormatNames } from './format/formats.ts';
import { encodeKey, encodePinCard } from './keypad/keypad-modes.ts';
import { ReaderDecoder, type FrameRejection, type KeypadSettings } from './reader-decoder.ts';
import type { Bits, CardRead, KeypadKey, PinEntry } from './types.ts';

function setup(formats: string[], keypad?: KeypadSettings) {
  const clock = new ManualClock();
  const resolved = resolveFormatNames(formats);
  if (!resolved.ok) throw new Error('bad formats');
  const cards: CardRead[] = [];
  const pins: PinEntry[] = [];
  const rejects: FrameRejection[] = [];
  const decoder = new ReaderDecoder({
    reader: 'r1', clock, formats: resolved.formats, keypad,
    onCard: (c) => cards.push(c), onPin: (p) => pins.push(p), onReject: (r) => rejects.push(r),
  });
  const send = (bits: Bits) =>
    decoder.frame({ reader: 'r1', bits, firstEdgeUs: 0, lastEdgeUs: 0, bitPeriodUs: 2000, source: 'sim' });
  return { clock, decoder, cards, pins, rejects, send };
}

const h10301 = (fc: number, cn: number) => encodeFields(findFormat('H10301')!, { facility_code: fc, card_number: cn });

describe('ReaderDecoder', () => {
  it('decodes a card with the configured formats', () => {
    const t = setup(['H10301', 'raw']);
    t.send(h10301(123, 4567));
    expect(t.cards).toHaveLength(1);
    expect(t.cards[0]).toMatchObject({ format: 'H10301', number: (123n << 16n) | 4567n, fields: { facility_code: 123, card_number: 4567 } });
  });

  it('rejects and counts a parity failure with its raw bits, never emitting a card', () => {
    const t = setup(['H10301', 'raw']);
    const bits = h10301(123, 4567);
    bits[5] = bits[5]! ^ 1;
    t.send(bits);
    expect(t.cards).toHaveLength(0);
    expect(t.rejects).toEqual([{ reader: 'r1', at: t.clock.now(), reason: 'parity_error', rawBits: expect.stringMatching(/^[01]{26}$/), bitLength: 26 }]);
    expect(t.decoder.counters.rejected.parity_error).toBe(1);
  });

  it('collects 8-bit keypad keys into a PIN submitted by #', () => {
    const t = setup(['H10301'], { mode: '8bit_complement_high', siteCode: 0, pinTimeoutMs: 5000, maxLength: 8 });
    for (const k of ['1', '2', '3', '4', '#'] as KeypadKey[]) t.send(encodeKey('8bit_complement_high', k));
    expect(t.pins.map((p) => p.pin)).toEqual(['1234']);
    expect(t.decoder.counters.keys).toBe(5);
    t.send(h10301(1, 2));
    expect(t.cards).toHaveLength(1);
  });

  it('reports a malformed short keypad frame as keypad_error', () => {
    const t = setup(['H10301'], { mode: '8bit_complement_high', siteCode: 0, pinTimeoutMs: 5000, maxLength: 8 });
    t.send(new Uint8Array([1, 1, 1, 1, 1, 1, 1, 1]));
    expect(t.rejects.map((r) => r.reason)).toEqual(['keypad_error']);
  });

  it('takes a 26-bit PIN card with the configured site code as a PIN, other sites as cards', () => {
    const t = setup(['H10301'], { mode: '26bit_pin_as_card', siteCode: 0, pinTimeoutMs: 5000, maxLength: 8 });
    t.send(encodePinCard('4567', 0));
    t.send(h10301(123, 4567));
    t.send(h10301(0, 65535));
    expect(t.pins.map((p) => p.pin)).toEqual(['4567']);
    expect(t.cards.map((c) => c.fields)).toEqual([{ facility_code: 123, card_number: 4567 }]);
    expect(t.rejects.map((r) => r.reason)).toEqual(['keypad_error']);
  });

  it('discards a partial PIN after the inactivity timeout', () => {
    const t = setup(['H10301'], { mode: '4bit', siteCode: 0, pinTimeoutMs: 3000, maxLength: 8 });
    t.send(encodeKey('4bit', '9'));
    t.clock.advanceMs(3001);
    t.send(encodeKey('4bit', '#'));
    expect(t.pins).toEqual([]);
  });
});
