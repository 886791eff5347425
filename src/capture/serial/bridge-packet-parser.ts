/**
 * Stream parser for `wiegand-bridge` packets, in the spirit of node-serialport's parsers: write raw
 * serial bytes in, read objects out. Re-aligns on damage (see PacketScanner); a packet that is
 * framed but says something invalid comes out as a line error instead of a packet.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import {
  BRIDGE_PACKET_LENGTH,
  BRIDGE_SYNC,
  decodeBridgePacket,
  isBridgeFramed,
  type BridgePacket,
  type BridgePacketError,
} from './bridge-packet.ts';
import { PacketScanner } from './packet-scanner.ts';

export type BridgeLineError = Extract<BridgePacketError, { class: 'line' }>;

export type BridgeParserEvent =
  | { type: 'packet'; packet: BridgePacket }
  | { type: 'line_error'; error: BridgeLineError }
  | { type: 'skipped'; bytes: number; rejected: number };

export const bridgeFraming = {
  length: BRIDGE_PACKET_LENGTH,
  startByte: BRIDGE_SYNC,
  isFramed: isBridgeFramed,
};

export class BridgePacketParser extends Transform {
  private readonly scanner = new PacketScanner(bridgeFraming);

  constructor(options: TransformOptions = {}) {
    super({ ...options, readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void {
    const { packets, skipped, rejected } = this.scanner.push(chunk);
    if (skipped > 0) this.push({ type: 'skipped', bytes: skipped, rejected } satisfies BridgeParserEvent);
    for (const raw of packets) {
      const r = decodeBridgePacket(raw);
      // Framing errors cannot occur here: the scanner only hands out framed windows.
      if (r.ok) this.push({ type: 'packet', packet: r.packet } satisfies BridgeParserEvent);
      else if (r.error.class === 'line') this.push({ type: 'line_error', error: r.error } satisfies BridgeParserEvent);
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    const rest = this.scanner.drain();
    if (rest > 0) this.push({ type: 'skipped', bytes: rest, rejected: 0 } satisfies BridgeParserEvent);
    cb();
  }
}
