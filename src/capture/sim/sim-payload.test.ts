import { describe, expect, it } from 'vitest';
import { decodeKey, decodePinCard } from '../../wiegand/keypad/keypad-modes.ts';
import { bitsToString } from '../../wiegand/types.ts';
import { buildSimPayload } from './sim-payload.ts';

const framesOf = (r: ReturnType<typeof buildSimPayload>) => {
  if (!r.ok || r.payload.kind !== 'frames') throw new Error(`expected frames, got ${JSON.stringify(r)}`);
  return r.payload.frames;
};

describe('buildSimPayload', () => {
  it('encodes a card by format and fields (the contract example)', () => {
    const [f] = framesOf(buildSimPayload({ kind: 'card', format: 'H10301', fields: { facility_code: 123, card_number: 4567 } }));
    expect(bitsToString(f!)).toBe('10111101100010001110101110');
  });

  it('sends one frame per key in per-key modes, decodable in the same mode', () => {
    const fr = framesOf(buildSimPayload({ kind: 'keys', keys: '90*#', mode: '8bit_complement_high' }));
    expect(fr.map((b) => decodeKey('8bit_complement_high', b))).toEqual(['9', '0', '*', '#']);
  });

  it('packs a PIN as one card in 26bit_pin_as_card mode', () => {
    const fr = framesOf(buildSimPayload({ kind: 'keys', keys: '4321#', mode: '26bit_pin_as_card', siteCode: 12 }));
    expect(fr).toHaveLength(1);
    expect(decodePinCard(fr[0]!, 12)).toEqual({ ok: true, pin: '4321' });
  });

  it('passes raw bits through', () => {
    expect(framesOf(buildSimPayload({ kind: 'bits', bits: '0110' })).map(bitsToString)).toEqual(['0110']);
  });

  it('reads an EM4100 id as hex', () => {
    expect(buildSimPayload({ kind: 'em4100', hex: '0A001A2B3C' })).toEqual({ ok: true, payload: { kind: 'em4100', value: 0x0a001a2b3cn } });
  });

  it.each([
    [{ kind: 'card', format: 'NOPE', fields: {} }, /unknown format/],
    [{ kind: 'card', format: 'H10301', fields: { facility_code: 256, card_number: 1 } }, /./],
    [{ kind: 'bits', bits: '012' }, /0 and 1/],
    [{ kind: 'bits', bits: '1'.repeat(89) }, /at most 88/],
    [{ kind: 'keys', keys: '12', mode: '9bit' }, /unknown keypad mode/],
    [{ kind: 'keys', keys: '1a', mode: '4bit' }, /only 0-9/],
    [{ kind: 'keys', keys: '12#', mode: '26bit_pin_as_card' }, /--site/],
    [{ kind: 'em4100', hex: 'xyz' }, /hex/],
    [{ kind: 'em4100', hex: '12345678901' }, /hex/],
  ] as const)('refuses %j with a message', (spec, message) => {
    const r = buildSimPayload(spec);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(message);
  });
});
