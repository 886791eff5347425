/**
 * Turn a raw frame into a card read using the formats a reader is configured with. Several formats
 * share a length and parity layout, so the configured order decides; the length alone never does.
 */
import type { CardRead, RawFrame } from '../types.ts';
import { bitsToString } from '../types.ts';
import { decodeBits } from './codec.ts';
import { RAW_FORMAT_NAME, rawFormat, type WiegandFormat } from './formats.ts';

export type DecodeFailure = 'parity_error' | 'refused' | 'no_format';

export type DecodeOutcome =
  | { ok: true; read: CardRead }
  | { ok: false; reason: DecodeFailure; rawBits: string; bitLength: number };

/**
 * Try the configured formats of the frame's length, in configured order; the first whose parity
 * holds and whose fields are not refused wins. `parity_error` when every candidate fails parity,
 * `refused` when one passed parity but was refused (e.g. a wrong fixed bit).
 *
 * An entry named `raw` (any `bits`) allows a raw read, but only for lengths no configured table
 * format has: a corrupted frame of a configured length must fail, not slip through as raw.
 */
export function decodeFrame(frame: RawFrame, formats: readonly WiegandFormat[], atMs: number): DecodeOutcome {
  const bitLength = frame.bits.length;
  const rawBits = bitsToString(frame.bits);
  const candidates = formats.filter((f) => f.name !== RAW_FORMAT_NAME && f.bits === bitLength);
  const rawAllowed = formats.some((f) => f.name === RAW_FORMAT_NAME);
  const fail = (reason: DecodeFailure): DecodeOutcome => ({ ok: false, reason, rawBits, bitLength });

  if (candidates.length === 0) {
    if (!rawAllowed || bitLength === 0) return fail('no_format');
    candidates.push(rawFormat(bitLength));
  }
  let refused = false;
  for (const format of candidates) {
    const out = decodeBits(format, frame.bits);
    if (!out.parityOk || out.payload === null) continue;
    if (out.fields === null) {
      refused = true;
      continue;
    }
    const read: CardRead = {
      kind: 'card',
      reader: frame.reader,
      at: atMs,
      format: format.name,
      bitLength,
      rawBits,
      number: out.payload,
      alternates: [],
      fields: out.fields,
    };
    return { ok: true, read };
  }
  return fail(refused ? 'refused' : 'parity_error');
}
