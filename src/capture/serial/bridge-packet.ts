/**
 * The `wiegand-bridge` serial packet (docs: shared contract serial-bridge.md §1). Pure: bytes in,
 * packets out. 16 bytes: sync 0xA5, kind, channel, bit count, 11 data bytes (bits MSB-first,
 * left-aligned), CRC-8 over bytes 0–14.
 */
import type { Bits } from '../../wiegand/types.ts';

export const BRIDGE_SYNC = 0xa5;
export const BRIDGE_PACKET_LENGTH = 16;
export const BRIDGE_MAX_BITS = 88;
export const BRIDGE_MAX_CHANNEL = 3;
const DATA_OFFSET = 4;
const DATA_LENGTH = 11;
const CRC_OFFSET = 15;

/** Fault codes of kind 0x03: 1 = D0 stuck low, 2 = D1 stuck low, 3 = both low, 4 = glitch burst. */
export type BridgeFaultCode = 1 | 2 | 3 | 4;

export type BridgePacket =
  | { kind: 'frame'; channel: number; bits: Bits }
  | { kind: 'heartbeat'; channel: number }
  | { kind: 'fault'; channel: number; fault: BridgeFaultCode };

/**
 * `framing` errors (wrong length, sync or CRC) mean the bytes are not a packet at all: the stream
 * must re-align. `line` errors are packets that arrived intact but say something invalid: they are
 * counted as line errors, and `channel` is given when the channel byte is in range.
 */
export type BridgePacketError =
  | { class: 'framing'; reason: 'length' | 'sync' | 'crc' }
  | {
      class: 'line';
      reason: 'unknown_kind' | 'channel' | 'bit_count' | 'trailing_data' | 'fault_code';
      channel?: number;
    };

export type BridgePacketResult = { ok: true; packet: BridgePacket } | { ok: false; error: BridgePacketError };

const KIND_CODE = { frame: 0x01, heartbeat: 0x02, fault: 0x03 } as const;

/** CRC-8, polynomial 0x07, initial 0, no reflection, no final XOR, over bytes [0, end). */
export function crc8(bytes: Uint8Array, end: number = bytes.length): number {
  let crc = 0;
  for (let i = 0; i < end; i++) {
    crc ^= bytes[i]!;
    for (let b = 0; b < 8; b++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** True when the 16 bytes at `offset` start with the sync byte and carry a matching CRC. */
export function isBridgeFramed(buf: Uint8Array, offset = 0): boolean {
  if (buf.length - offset < BRIDGE_PACKET_LENGTH || buf[offset] !== BRIDGE_SYNC) return false;
  return crc8(buf.subarray(offset, offset + CRC_OFFSET)) === buf[offset + CRC_OFFSET];
}

/** Encodes a packet; throws RangeError on values the contract cannot carry (a caller's bug). */
export function encodeBridgePacket(p: BridgePacket): Buffer {
  if (!Number.isInteger(p.channel) || p.channel < 0 || p.channel > BRIDGE_MAX_CHANNEL) {
    throw new RangeError(`channel must be 0–${BRIDGE_MAX_CHANNEL}`);
  }
  const out = Buffer.alloc(BRIDGE_PACKET_LENGTH);
  out[0] = BRIDGE_SYNC;
  out[1] = KIND_CODE[p.kind];
  out[2] = p.channel;
  if (p.kind === 'frame') {
    if (p.bits.length < 1 || p.bits.length > BRIDGE_MAX_BITS) {
      throw new RangeError(`a frame carries 1–${BRIDGE_MAX_BITS} bits`);
    }
    out[3] = p.bits.length;
    p.bits.forEach((bit, i) => {
      if (bit) out[DATA_OFFSET + (i >> 3)]! |= 0x80 >> (i & 7);
    });
  } else if (p.kind === 'fault') {
    out[DATA_OFFSET] = p.fault;
  }
  out[CRC_OFFSET] = crc8(out, CRC_OFFSET);
  return out;
}

function dataIsZeroFrom(buf: Uint8Array, firstBit: number): boolean {
  for (let i = firstBit; i < DATA_LENGTH * 8; i++) {
    if (buf[DATA_OFFSET + (i >> 3)]! & (0x80 >> (i & 7))) return false;
  }
  return true;
}

export function decodeBridgePacket(buf: Uint8Array): BridgePacketResult {
  if (buf.length !== BRIDGE_PACKET_LENGTH) return { ok: false, error: { class: 'framing', reason: 'length' } };
  if (buf[0] !== BRIDGE_SYNC) return { ok: false, error: { class: 'framing', reason: 'sync' } };
  if (!isBridgeFramed(buf)) return { ok: false, error: { class: 'framing', reason: 'crc' } };
  const kind = buf[1]!;
  const channel = buf[2]!;
  const bitCount = buf[3]!;
  const line = (reason: Extract<BridgePacketError, { class: 'line' }>['reason']): BridgePacketResult => ({
    ok: false,
    error: channel <= BRIDGE_MAX_CHANNEL ? { class: 'line', reason, channel } : { class: 'line', reason },
  });
  if (kind < KIND_CODE.frame || kind > KIND_CODE.fault) return line('unknown_kind');
  if (channel > BRIDGE_MAX_CHANNEL) return line('channel');
  if (kind === KIND_CODE.frame) {
    if (bitCount < 1 || bitCount > BRIDGE_MAX_BITS) return line('bit_count');
    if (!dataIsZeroFrom(buf, bitCount)) return line('trailing_data');
    const bits = new Uint8Array(bitCount);
    for (let i = 0; i < bitCount; i++) bits[i] = buf[DATA_OFFSET + (i >> 3)]! & (0x80 >> (i & 7)) ? 1 : 0;
    return { ok: true, packet: { kind: 'frame', channel, bits } };
  }
  if (bitCount !== 0) return line('bit_count');
  if (kind === KIND_CODE.heartbeat) {
    return dataIsZeroFrom(buf, 0) ? { ok: true, packet: { kind: 'heartbeat', channel } } : line('trailing_data');
  }
  const fault = buf[DATA_OFFSET]!;
  if (fault < 1 || fault > 4) return line('fault_code');
  if (!dataIsZeroFrom(buf, 8)) return line('trailing_data');
  return { ok: true, packet: { kind: 'fault', channel, fault: fault as BridgeFaultCode } };
}
