/**
 * Stream parser for `em4100-ascii` packets: raw bytes in, objects out. Re-aligns on damage (see
 * PacketScanner) and folds a reader's repeats of one card into one presentation.
 */
import { Transform, type TransformCallback, type TransformOptions } from 'node:stream';
import type { Clock } from '../../core/clock.ts';
import { decodeEm4100Packet, EM4100_PACKET_LENGTH, EM4100_START, isEm4100Framed } from './em4100-packet.ts';
import { PacketScanner } from './packet-scanner.ts';
import { PresentationFilter } from './presentation-filter.ts';

export type Em4100ParserEvent =
  | { type: 'card'; value: bigint }
  | { type: 'repeat'; value: bigint }
  | { type: 'skipped'; bytes: number; rejected: number };

export const em4100Framing = {
  length: EM4100_PACKET_LENGTH,
  startByte: EM4100_START,
  isFramed: isEm4100Framed,
};

/** RDM6300 modules repeat roughly every 100–250 ms while a card is in the field. */
export const DEFAULT_EM4100_HOLD_OFF_MS = 1000;

export interface Em4100ParserOptions extends TransformOptions {
  clock: Clock;
  holdOffMs?: number;
}

export class Em4100PacketParser extends Transform {
  private readonly scanner = new PacketScanner(em4100Framing);
  private readonly presentations: PresentationFilter<bigint>;

  constructor({ clock, holdOffMs = DEFAULT_EM4100_HOLD_OFF_MS, ...options }: Em4100ParserOptions) {
    super({ ...options, readableObjectMode: true });
    this.presentations = new PresentationFilter(clock, holdOffMs);
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, cb: TransformCallback): void {
    const { packets, skipped, rejected } = this.scanner.push(chunk);
    if (skipped > 0) this.push({ type: 'skipped', bytes: skipped, rejected } satisfies Em4100ParserEvent);
    for (const raw of packets) {
      const r = decodeEm4100Packet(raw);
      if (!r.ok) continue; // cannot happen: the scanner only hands out framed windows
      const type = this.presentations.accept(r.value) ? 'card' : 'repeat';
      this.push({ type, value: r.value } satisfies Em4100ParserEvent);
    }
    cb();
  }

  override _flush(cb: TransformCallback): void {
    const rest = this.scanner.drain();
    if (rest > 0) this.push({ type: 'skipped', bytes: rest, rejected: 0 } satisfies Em4100ParserEvent);
    cb();
  }
}
