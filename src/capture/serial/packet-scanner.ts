/**
 * Re-alignment over a byte stream of fixed-length packets, shared by both serial packet kinds.
 * Pure and synchronous; the stream parsers wrap it. On a bad window it drops ONE byte and looks for
 * the next start byte, so a stray or lost byte costs at most the packets whose bytes it touches.
 */
export interface PacketFraming {
  readonly length: number;
  readonly startByte: number;
  /** True when `buf[offset, offset + length)` is a well-framed packet (start, end, checksum). */
  isFramed(buf: Uint8Array, offset: number): boolean;
}

export interface ScanResult {
  /** Well-framed packets in arrival order, each a copy of exactly `length` bytes. */
  readonly packets: Buffer[];
  /** Bytes dropped while re-aligning in this call. */
  readonly skipped: number;
  /** Windows that began with the start byte but failed the check (bad CRC, end byte, digits). */
  readonly rejected: number;
}

export class PacketScanner {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly framing: PacketFraming) {}

  /** Bytes held back waiting for the rest of a possible packet (always < packet length). */
  get pendingBytes(): number {
    return this.pending.length;
  }

  push(chunk: Uint8Array): ScanResult {
    const { length, startByte } = this.framing;
    const buf = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    const packets: Buffer[] = [];
    let skipped = 0;
    let rejected = 0;
    let pos = 0;
    for (;;) {
      const start = buf.indexOf(startByte, pos);
      if (start < 0) {
        skipped += buf.length - pos;
        pos = buf.length;
        break;
      }
      skipped += start - pos;
      pos = start;
      if (buf.length - pos < length) break;
      if (this.framing.isFramed(buf, pos)) {
        packets.push(Buffer.from(buf.subarray(pos, pos + length)));
        pos += length;
      } else {
        rejected += 1;
        skipped += 1;
        pos += 1;
      }
    }
    // Copy so a large chunk is not kept alive by a few pending bytes.
    this.pending = Buffer.from(buf.subarray(pos));
    return { packets, skipped, rejected };
  }

  /** Drops what is pending (end of stream) and says how many bytes that was. */
  drain(): number {
    const n = this.pending.length;
    this.pending = Buffer.alloc(0);
    return n;
  }
}
