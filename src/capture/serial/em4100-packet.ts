/**
 * The `em4100-ascii` packet of RDM6300-style 125 kHz modules (shared contract §2). Pure.
 * 14 bytes: 0x02, ten ASCII hex digits (version/customer byte + 32-bit card id), two ASCII hex
 * digits of checksum (XOR of the five data bytes), 0x03.
 */
import { credentialNumber } from '../../wiegand/credential-number.ts';
import type { CardRead, ReaderId } from '../../wiegand/types.ts';

export const EM4100_PACKET_LENGTH = 14;
export const EM4100_START = 0x02;
export const EM4100_END = 0x03;
export const EM4100_MAX_VALUE = (1n << 40n) - 1n;
const DATA_DIGITS = 10;

export type Em4100PacketResult =
  | { ok: true; value: bigint }
  | { ok: false; reason: 'length' | 'start' | 'end' | 'digits' | 'checksum' };

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

function decodeAt(buf: Uint8Array, offset: number): Em4100PacketResult {
  if (buf.length - offset < EM4100_PACKET_LENGTH) return { ok: false, reason: 'length' };
  if (buf[offset] !== EM4100_START) return { ok: false, reason: 'start' };
  if (buf[offset + EM4100_PACKET_LENGTH - 1] !== EM4100_END) return { ok: false, reason: 'end' };
  const bytes: number[] = [];
  for (let i = 0; i < 6; i++) {
    const hi = hexValue(buf[offset + 1 + 2 * i]!);
    const lo = hexValue(buf[offset + 2 + 2 * i]!);
    if (hi < 0 || lo < 0) return { ok: false, reason: 'digits' };
    bytes.push((hi << 4) | lo);
  }
  const check = bytes.pop()!;
  if (bytes.reduce((a, b) => a ^ b, 0) !== check) return { ok: false, reason: 'checksum' };
  return { ok: true, value: bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n) };
}

export function isEm4100Framed(buf: Uint8Array, offset = 0): boolean {
  return decodeAt(buf, offset).ok;
}

export function decodeEm4100Packet(buf: Uint8Array): Em4100PacketResult {
  if (buf.length !== EM4100_PACKET_LENGTH) return { ok: false, reason: 'length' };
  return decodeAt(buf, 0);
}

/** Encodes a 40-bit value as a reader sends it (upper-case digits); throws RangeError when out of range. */
export function encodeEm4100Packet(value: bigint): Buffer {
  if (value < 0n || value > EM4100_MAX_VALUE) throw new RangeError('EM4100 value is 40 bits');
  const digits = value.toString(16).toUpperCase().padStart(DATA_DIGITS, '0');
  let check = 0;
  for (let i = 0; i < DATA_DIGITS; i += 2) check ^= parseInt(digits.slice(i, i + 2), 16);
  const text = digits + check.toString(16).toUpperCase().padStart(2, '0');
  return Buffer.concat([Buffer.of(EM4100_START), Buffer.from(text, 'ascii'), Buffer.of(EM4100_END)]);
}

/**
 * The card read for a 40-bit EM4100 value: canonical number = all 40 bits; alternates = the 32-bit
 * card id and the low 24 bits (what readers print as a 26-bit facility/card pair).
 */
export function em4100CardRead(reader: ReaderId, at: number, value: bigint): CardRead {
  const low24 = Number(value & 0xffffffn);
  return {
    kind: 'card',
    reader,
    at,
    format: 'em4100',
    bitLength: 40,
    rawBits: value.toString(2).padStart(40, '0'),
    number: credentialNumber(value),
    alternates: [credentialNumber(value & 0xffffffffn), credentialNumber(BigInt(low24))],
    fields: { facility_code: low24 >>> 16, card_number: low24 & 0xffff },
  };
}
