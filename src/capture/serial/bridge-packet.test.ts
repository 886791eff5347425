import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bitsFromString } from '../../wiegand/types.ts';
import { crc8, decodeBridgePacket, encodeBridgePacket, type BridgePacket } from './bridge-packet.ts';

/** A 16-byte packet with the given header/data bytes and a correct CRC (to reach content checks). */
function withCrc(bytes: number[]): Buffer {
  const b = Buffer.alloc(16);
  bytes.forEach((v, i) => (b[i] = v));
  b[15] = crc8(b, 15);
  return b;
}

const H10301_FC123_CN4567 = '1' + '01111011' + '0001000111010111' + '0';
const CONTRACT_BYTES = 'A5 01 00 1A BD 88 EB 80 00 00 00 00 00 00 00 E5';

describe('crc8', () => {
  it('matches the published CRC-8 (poly 0x07) check value for "123456789"', () => {
    expect(crc8(Buffer.from('123456789', 'ascii'))).toBe(0xf4);
  });
  it('covers only the bytes before `end`', () => {
    const b = Buffer.from('123456789xyz', 'ascii');
    expect(crc8(b, 9)).toBe(0xf4);
  });
});

describe('bridge packet: contract example', () => {
  it('encodes H10301 FC 123 CN 4567 to the contract bytes', () => {
    const p = encodeBridgePacket({ kind: 'frame', channel: 0, bits: bitsFromString(H10301_FC123_CN4567) });
    expect(p.toString('hex').toUpperCase().match(/../g)!.join(' ')).toBe(CONTRACT_BYTES);
  });
  it('decodes the contract bytes back to the same bits', () => {
    const r = decodeBridgePacket(Buffer.from(CONTRACT_BYTES.replace(/ /g, ''), 'hex'));
    expect(r).toEqual({ ok: true, packet: { kind: 'frame', channel: 0, bits: bitsFromString(H10301_FC123_CN4567) } });
  });
});

const packetArb: fc.Arbitrary<BridgePacket> = fc.oneof(
  fc.record({
    kind: fc.constant('frame' as const),
    channel: fc.integer({ min: 0, max: 3 }),
    bits: fc.uint8Array({ min: 0, max: 1, minLength: 1, maxLength: 88 }),
  }),
  fc.record({ kind: fc.constant('heartbeat' as const), channel: fc.integer({ min: 0, max: 3 }) }),
  fc.record({
    kind: fc.constant('fault' as const),
    channel: fc.integer({ min: 0, max: 3 }),
    fault: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
  }),
);

describe('bridge packet: round trip and rejections', () => {
  it('every encodable packet decodes to itself', () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        expect(decodeBridgePacket(encodeBridgePacket(p))).toEqual({ ok: true, packet: p });
      }),
    );
  });

  it('any single flipped bit is caught as a framing error', () => {
    fc.assert(
      fc.property(packetArb, fc.nat(16 * 8 - 1), (p, bit) => {
        const b = encodeBridgePacket(p);
        b[bit >> 3]! ^= 1 << (bit & 7);
        const r = decodeBridgePacket(b);
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.class).toBe('framing');
      }),
    );
  });

  it.each([
    ['bit count 0', [0xa5, 1, 0, 0], 'bit_count'],
    ['bit count 89', [0xa5, 1, 2, 89, 0xff], 'bit_count'],
    ['data past the bit count', [0xa5, 1, 1, 26, 0xbd, 0x88, 0xeb, 0xa0], 'trailing_data'],
    ['unknown kind', [0xa5, 9, 0, 0], 'unknown_kind'],
    ['channel over 3', [0xa5, 1, 4, 1, 0x80], 'channel'],
    ['fault code 0', [0xa5, 3, 0, 0, 0], 'fault_code'],
    ['fault code 5', [0xa5, 3, 0, 0, 5], 'fault_code'],
    ['heartbeat with data', [0xa5, 2, 0, 0, 0, 1], 'trailing_data'],
    ['heartbeat with a bit count', [0xa5, 2, 0, 3], 'bit_count'],
  ])('%s is a line error', (_name, bytes, reason) => {
    const r = decodeBridgePacket(withCrc(bytes));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ class: 'line', reason });
  });

  it('reports the channel of a line error when it is in range', () => {
    expect(decodeBridgePacket(withCrc([0xa5, 1, 2, 0]))).toEqual({
      ok: false,
      error: { class: 'line', reason: 'bit_count', channel: 2 },
    });
  });

  it.each([
    ['short buffer', Buffer.alloc(15), 'length'],
    ['wrong sync', withCrc([0xa4, 2, 0, 0]), 'sync'],
    ['wrong crc', Buffer.from('a5020000000000000000000000000000', 'hex'), 'crc'],
  ])('%s is a framing error', (_name, buf, reason) => {
    expect(decodeBridgePacket(buf)).toEqual({ ok: false, error: { class: 'framing', reason } });
  });

  it('refuses to encode what the contract cannot carry', () => {
    expect(() => encodeBridgePacket({ kind: 'frame', channel: 0, bits: new Uint8Array(89) })).toThrow(RangeError);
    expect(() => encodeBridgePacket({ kind: 'frame', channel: 0, bits: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodeBridgePacket({ kind: 'heartbeat', channel: 4 })).toThrow(RangeError);
  });
});
