import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeEm4100Packet, em4100CardRead, encodeEm4100Packet, EM4100_MAX_VALUE } from './em4100-packet.ts';

// A packet as an RDM6300 prints it: version 0x0A, card id 0x001A2B3C, checksum 0A^00^1A^2B^3C = 0x07.
const SAMPLE = Buffer.concat([Buffer.of(0x02), Buffer.from('0A001A2B3C07', 'ascii'), Buffer.of(0x03)]);

describe('EM4100 packet', () => {
  it('decodes a reader packet to its 40-bit value', () => {
    expect(decodeEm4100Packet(SAMPLE)).toEqual({ ok: true, value: 0x0a001a2b3cn });
  });

  it('encodes exactly what the reader sends', () => {
    expect(encodeEm4100Packet(0x0a001a2b3cn)).toEqual(SAMPLE);
  });

  it('accepts lower-case digits', () => {
    const lower = Buffer.from(SAMPLE);
    lower.write('0a001a2b3c07', 1, 'ascii');
    expect(decodeEm4100Packet(lower)).toEqual({ ok: true, value: 0x0a001a2b3cn });
  });

  it('round-trips every 40-bit value', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: EM4100_MAX_VALUE }), (v) => {
        expect(decodeEm4100Packet(encodeEm4100Packet(v))).toEqual({ ok: true, value: v });
      }),
    );
  });

  it.each([
    ['length', SAMPLE.subarray(0, 13)],
    ['start', Buffer.concat([Buffer.of(0x01), SAMPLE.subarray(1)])],
    ['end', Buffer.concat([SAMPLE.subarray(0, 13), Buffer.of(0x0d)])],
    ['digits', Buffer.concat([Buffer.of(0x02), Buffer.from('0A001A2B3G0F', 'ascii'), Buffer.of(0x03)])],
    ['checksum', Buffer.concat([Buffer.of(0x02), Buffer.from('0A001A2B3C0E', 'ascii'), Buffer.of(0x03)])],
  ])('rejects a wrong %s', (reason, buf) => {
    expect(decodeEm4100Packet(buf)).toEqual({ ok: false, reason });
  });

  it('refuses to encode more than 40 bits', () => {
    expect(() => encodeEm4100Packet(1n << 40n)).toThrow(RangeError);
  });
});

describe('em4100CardRead', () => {
  it('offers the 40-bit value, the 32-bit id and the 24-bit facility/card split', () => {
    // Low 24 bits 0x1A2B3C: facility 0x1A = 26, card 0x2B3C = 11068.
    const read = em4100CardRead('gate', 1234, 0x0a001a2b3cn);
    expect(read).toEqual({
      kind: 'card',
      reader: 'gate',
      at: 1234,
      format: 'em4100',
      bitLength: 40,
      rawBits: '0000101000000000000110100010101100111100',
      number: 0x0a001a2b3cn,
      alternates: [0x001a2b3cn, 0x1a2b3cn],
      fields: { facility_code: 26, card_number: 11068 },
    });
  });
});
