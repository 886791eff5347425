/** Test support shared by the two packet parsers' tests (not used by production code). */
import { once } from 'node:events';
import type { Transform } from 'node:stream';
import fc from 'fast-check';
import type { PacketFraming } from './packet-scanner.ts';

/** Writes `chunks` into a fresh parser, ends it, and returns every object it emitted. */
export async function runParser<E>(parser: Transform, chunks: readonly Uint8Array[]): Promise<E[]> {
  const out: E[] = [];
  parser.on('data', (e: E) => out.push(e));
  const ended = once(parser, 'end');
  for (const c of chunks) parser.write(c);
  parser.end();
  await ended;
  return out;
}

/** Cuts `buf` into consecutive chunks at the given (unsorted, possibly repeated) positions. */
export function cutAt(buf: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, buf.length]) {
    chunks.push(buf.subarray(from, p));
    from = p;
  }
  return chunks;
}

/** Packets separated by noise, with the offsets where the real packets start. */
export function interleave(packets: readonly Uint8Array[], noise: readonly Uint8Array[]): { stream: Buffer; offsets: number[] } {
  const parts: Uint8Array[] = [];
  const offsets: number[] = [];
  let at = 0;
  packets.forEach((p, i) => {
    const n = noise[i] ?? new Uint8Array(0);
    parts.push(n);
    at += n.length;
    offsets.push(at);
    parts.push(p);
    at += p.length;
  });
  return { stream: Buffer.concat(parts), offsets };
}

/**
 * Offsets of every window in `buf` that passes the framing check. Noise that happens to form a
 * framed window is indistinguishable from a packet on the wire, so properties exclude it.
 */
export function framedOffsets(buf: Uint8Array, framing: PacketFraming): number[] {
  const found: number[] = [];
  for (let i = 0; i + framing.length <= buf.length; i++) if (framing.isFramed(buf, i)) found.push(i);
  return found;
}

export const cutsArb = fc.array(fc.nat(2000), { maxLength: 12 });
