/**
 * The Wiegand card-format table. Formats are data (formats.json, a copy of the reference table
 * with three constraint annotations), read once and checked here so that the codec can trust them.
 */
import { z } from 'zod';
import type { FieldName, Fields } from '../types.ts';
import table from './formats.json' with { type: 'json' };

export type ParityType = 'even' | 'odd';

export interface ParityRule {
  /** The parity bit: it makes `over` plus itself hold an even or odd number of ones. */
  readonly pos: number;
  readonly type: ParityType;
  readonly over: readonly number[];
}

export interface XorChecksum {
  /** Checksum bits, most significant first; they hold the XOR of the `bytes`. */
  readonly pos: readonly number[];
  /** Each entry: bit positions of one checksummed byte, most significant first. */
  readonly bytes: readonly (readonly number[])[];
}

/** Integrity bits the encoder writes but the decoder does not verify (see formats.json notes). */
export type UncheckedPart = 'fixed' | 'xorChecksum';

export interface WiegandFormat {
  readonly name: string;
  readonly bits: number;
  /** Bit positions of each field, most significant first; a format carries only some fields. */
  readonly fields: Partial<Record<FieldName, readonly number[]>>;
  /** Applied in order when encoding: a later rule may cover an earlier parity bit. */
  readonly parity: readonly ParityRule[];
  /** Position → constant bit. A frame with a wrong fixed bit is refused (unless unchecked). */
  readonly fixed?: Readonly<Record<string, 0 | 1>>;
  readonly xorChecksum?: XorChecksum;
  /** Encoding packs this value when the field is 0 or absent (C15001 OEM 900). */
  readonly encodeDefaults?: Fields;
  /** The only value a field may hold; a frame with another value is refused (S12906b FC 217). */
  readonly requiredFields?: Fields;
  readonly unchecked?: readonly UncheckedPart[];
  readonly note?: string;
}

export const RAW_FORMAT_NAME = 'raw';

/** Fields are JS numbers; wider values would lose precision (payloads use bigint instead). */
const MAX_FIELD_BITS = 53;

const fieldName = z.enum(['facility_code', 'card_number', 'issue_level', 'oem']);
const position = z.number().int().nonnegative();
const fieldValues = z.partialRecord(fieldName, z.number().int().nonnegative());

const formatSchema = z.object({
  name: z.string().min(1),
  bits: z.number().int().positive(),
  fields: z.partialRecord(fieldName, z.array(position).min(1).max(MAX_FIELD_BITS)),
  parity: z.array(z.object({ pos: position, type: z.enum(['even', 'odd']), over: z.array(position) })),
  fixed: z.record(z.string().regex(/^\d+$/), z.union([z.literal(0), z.literal(1)])).optional(),
  xorChecksum: z
    .object({ pos: z.array(position).min(1), bytes: z.array(z.array(position)).min(1) })
    .optional(),
  encodeDefaults: fieldValues.optional(),
  requiredFields: fieldValues.optional(),
  unchecked: z.array(z.enum(['fixed', 'xorChecksum'])).optional(),
  note: z.string().optional(),
});

/** Positions inside the frame, each bit with at most one role, checksum bytes as wide as the sum. */
function checkLayout(f: WiegandFormat): void {
  const roles = new Map<number, string>();
  const claim = (pos: number, role: string): void => {
    if (pos >= f.bits) throw new Error(`${f.name}: ${role} bit ${pos} outside ${f.bits} bits`);
    const prior = roles.get(pos);
    if (prior !== undefined) throw new Error(`${f.name}: bit ${pos} is both ${prior} and ${role}`);
    roles.set(pos, role);
  };
  for (const [name, positions] of Object.entries(f.fields)) for (const p of positions) claim(p, name);
  for (const rule of f.parity) {
    claim(rule.pos, 'parity');
    for (const p of rule.over) if (p >= f.bits) throw new Error(`${f.name}: parity covers bit ${p}`);
  }
  for (const p of Object.keys(f.fixed ?? {})) claim(Number(p), 'fixed');
  if (f.xorChecksum) {
    for (const p of f.xorChecksum.pos) claim(p, 'checksum');
    for (const byte of f.xorChecksum.bytes) {
      if (byte.length !== f.xorChecksum.pos.length) throw new Error(`${f.name}: checksum width`);
      for (const p of byte) if (p >= f.bits) throw new Error(`${f.name}: checksum covers bit ${p}`);
    }
  }
  for (const [name, value] of Object.entries({ ...f.encodeDefaults, ...f.requiredFields })) {
    const width = f.fields[name as FieldName]?.length;
    if (width === undefined || value >= 2 ** width) throw new Error(`${f.name}: bad constraint on ${name}`);
  }
}

/** Parse and check a format table (throws on a malformed table: it is shipped data, not input). */
export function loadFormats(data: unknown): WiegandFormat[] {
  const formats = z.array(formatSchema).parse(data) as WiegandFormat[];
  const names = new Set<string>();
  for (const f of formats) {
    if (names.has(f.name) || f.name === RAW_FORMAT_NAME) throw new Error(`duplicate format ${f.name}`);
    names.add(f.name);
    checkLayout(f);
  }
  return formats;
}

export const FORMATS: readonly WiegandFormat[] = Object.freeze(loadFormats(table));

const byName = new Map(FORMATS.map((f) => [f.name, f]));

export function findFormat(name: string): WiegandFormat | undefined {
  return byName.get(name);
}

export function formatsOfLength(bits: number): WiegandFormat[] {
  return FORMATS.filter((f) => f.bits === bits);
}

/**
 * A format for frames no table entry describes: no parity, no fields, payload = every bit.
 * In a reader's format list an entry named `raw` allows raw reads of any length (see decodeFrame).
 */
export function rawFormat(bits: number): WiegandFormat {
  if (!Number.isInteger(bits) || bits < 0) throw new RangeError('raw format length must be a natural number');
  return { name: RAW_FORMAT_NAME, bits, fields: {}, parity: [] };
}

export type ResolveResult = { ok: true; formats: WiegandFormat[] } | { ok: false; unknown: string[] };

/** Turn configured names (table names or `raw`) into formats, keeping the configured order. */
export function resolveFormatNames(names: readonly string[]): ResolveResult {
  const unknown = names.filter((n) => n !== RAW_FORMAT_NAME && !byName.has(n));
  if (unknown.length > 0) return { ok: false, unknown };
  return { ok: true, formats: names.map((n) => byName.get(n) ?? rawFormat(0)) };
}
