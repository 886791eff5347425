/**
 * One table-driven codec for every Wiegand format: a format is compiled once into bit masks
 * (parity sets, fixed bits) and position lists (fields, payload, checksum); decoding and encoding
 * then only walk those. No format has code of its own.
 */
import { credentialNumber, type CredentialNumber } from '../credential-number.ts';
import type { Bits, FieldName, Fields } from '../types.ts';
import type { WiegandFormat, XorChecksum } from './formats.ts';

export interface DecodedBits {
  /** Every parity rule (and a checked xor checksum) holds; false also when the length is wrong. */
  readonly parityOk: boolean;
  /** Null where the frame is refused: wrong length, wrong fixed bit, a field off its required value. */
  readonly fields: Fields | null;
  /** Bits that are not parity, fixed or checksum, MSB first; null only for a wrong length. */
  readonly payload: CredentialNumber | null;
}

interface CompiledParity {
  readonly mask: Uint32Array;
  readonly odd: boolean;
}

interface Compiled {
  readonly words: number;
  readonly parity: readonly CompiledParity[];
  readonly fixedMask: Uint32Array;
  readonly fixedValue: Uint32Array;
  readonly checkFixed: boolean;
  readonly checkChecksum: boolean;
  readonly fields: readonly (readonly [FieldName, readonly number[]])[];
  readonly payload: readonly number[];
}

const compiled = new WeakMap<WiegandFormat, Compiled>();

function wordCount(bits: number): number {
  return Math.ceil(bits / 32);
}

/** Bit i of a frame lives in word i>>5, most significant bit first, as in transmission order. */
function setWordBit(words: Uint32Array, pos: number): void {
  words[pos >>> 5]! |= 0x80000000 >>> (pos & 31);
}

function compile(format: WiegandFormat): Compiled {
  const cached = compiled.get(format);
  if (cached) return cached;
  const words = wordCount(format.bits);
  const nonPayload = new Set<number>();
  const parity = format.parity.map((rule) => {
    const mask = new Uint32Array(words);
    for (const p of [rule.pos, ...rule.over]) setWordBit(mask, p);
    nonPayload.add(rule.pos);
    return { mask, odd: rule.type === 'odd' };
  });
  const fixedMask = new Uint32Array(words);
  const fixedValue = new Uint32Array(words);
  for (const [pos, bit] of Object.entries(format.fixed ?? {})) {
    setWordBit(fixedMask, Number(pos));
    if (bit === 1) setWordBit(fixedValue, Number(pos));
    nonPayload.add(Number(pos));
  }
  for (const p of format.xorChecksum?.pos ?? []) nonPayload.add(p);
  const payload: number[] = [];
  for (let i = 0; i < format.bits; i++) if (!nonPayload.has(i)) payload.push(i);
  const c: Compiled = {
    words,
    parity,
    fixedMask,
    fixedValue,
    checkFixed: !format.unchecked?.includes('fixed'),
    checkChecksum: !format.unchecked?.includes('xorChecksum'),
    fields: Object.entries(format.fields) as [FieldName, number[]][],
    payload,
  };
  compiled.set(format, c);
  return c;
}

function toWords(bits: Bits, words: number): Uint32Array {
  const out = new Uint32Array(words);
  for (let i = 0; i < bits.length; i++) if (bits[i] !== 0) setWordBit(out, i);
  return out;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function parityHolds(frame: Uint32Array, rule: CompiledParity): boolean {
  let ones = 0;
  for (let w = 0; w < frame.length; w++) ones += popcount32(frame[w]! & rule.mask[w]!);
  return (ones & 1) === (rule.odd ? 1 : 0);
}

/** Unsigned value of the bits at `positions`, most significant first (≤ 53 positions). */
function readField(bits: Bits, positions: readonly number[]): number {
  let v = 0;
  for (const p of positions) v = v * 2 + (bits[p] !== 0 ? 1 : 0);
  return v;
}

function writeField(bits: Bits, positions: readonly number[], value: number): void {
  let v = value;
  for (let i = positions.length - 1; i >= 0; i--) {
    bits[positions[i]!] = v % 2;
    v = Math.floor(v / 2);
  }
}

/** Any number of positions: read in 48-bit chunks so that each chunk stays an exact number. */
function readWide(bits: Bits, positions: readonly number[]): bigint {
  let acc = 0n;
  for (let start = 0; start < positions.length; start += 48) {
    const chunk = positions.slice(start, start + 48);
    acc = (acc << BigInt(chunk.length)) | BigInt(readField(bits, chunk));
  }
  return acc;
}

function xorOfBytes(sum: XorChecksum, bits: Bits): number {
  let x = 0;
  for (const byte of sum.bytes) x ^= readField(bits, byte);
  return x;
}

function fixedHolds(c: Compiled, frame: Uint32Array): boolean {
  for (let w = 0; w < c.words; w++) if ((frame[w]! & c.fixedMask[w]!) !== c.fixedValue[w]) return false;
  return true;
}

const WRONG_LENGTH: DecodedBits = { parityOk: false, fields: null, payload: null };

/** Decode a frame as `format`. Never throws: a wrong length gives the all-null outcome. */
export function decodeBits(format: WiegandFormat, bits: Bits): DecodedBits {
  if (bits.length !== format.bits) return WRONG_LENGTH;
  const c = compile(format);
  const frame = toWords(bits, c.words);
  let parityOk = c.parity.every((rule) => parityHolds(frame, rule));
  const sum = format.xorChecksum;
  if (sum && c.checkChecksum && xorOfBytes(sum, bits) !== readField(bits, sum.pos)) parityOk = false;
  const payload = credentialNumber(readWide(bits, c.payload));
  if (c.checkFixed && !fixedHolds(c, frame)) return { parityOk, fields: null, payload };
  const fields: Fields = {};
  for (const [name, positions] of c.fields) fields[name] = readField(bits, positions);
  for (const [name, value] of Object.entries(format.requiredFields ?? {})) {
    if (fields[name as FieldName] !== value) return { parityOk, fields: null, payload };
  }
  return { parityOk, fields, payload };
}

function fieldValue(format: WiegandFormat, name: FieldName, width: number, given: Fields): number {
  const raw = given[name] ?? 0;
  const value = raw === 0 ? (format.encodeDefaults?.[name] ?? 0) : raw;
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** width) {
    throw new RangeError(`${format.name}: ${name} ${value} does not fit in ${width} bits`);
  }
  const required = format.requiredFields?.[name];
  if (required !== undefined && value !== required) {
    throw new RangeError(`${format.name}: ${name} must be ${required}`);
  }
  return value;
}

/**
 * Pack field values into a frame with its fixed bits, checksum and parity. Throws RangeError for a
 * value that does not fit, breaks a format constraint, or names a field the format lacks.
 */
export function encodeFields(format: WiegandFormat, fields: Fields): Bits {
  const c = compile(format);
  for (const [name, value] of Object.entries(fields)) {
    if (value !== 0 && value !== undefined && format.fields[name as FieldName] === undefined) {
      throw new RangeError(`${format.name} has no ${name}`);
    }
  }
  const bits = new Uint8Array(format.bits);
  for (const [name, positions] of c.fields) {
    writeField(bits, positions, fieldValue(format, name, positions.length, fields));
  }
  for (const [pos, bit] of Object.entries(format.fixed ?? {})) bits[Number(pos)] = bit;
  const sum = format.xorChecksum;
  if (sum) writeField(bits, sum.pos, xorOfBytes(sum, bits));
  // In table order: a later rule may cover an earlier parity bit (2804W, C1k35s, C1k48s).
  for (const rule of format.parity) {
    let ones = 0;
    for (const p of rule.over) ones += bits[p]!;
    bits[rule.pos] = (ones & 1) === (rule.type === 'odd' ? 1 : 0) ? 0 : 1;
  }
  return bits;
}
