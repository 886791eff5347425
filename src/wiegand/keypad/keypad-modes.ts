/**
 * Keypad emissions. Each per-key mode is a tiny Wiegand format (the key code as one field, its
 * check bits as parity rules: a complement nibble is odd parity over bit pairs) plus a key table,
 * so the same codec decodes cards and keys. The mode is configured per reader, never guessed:
 * a swapped 8-bit `5` is bit for bit a normal 8-bit `*`.
 */
import { decodeBits, encodeFields } from '../format/codec.ts';
import { findFormat, loadFormats, type ParityRule, type WiegandFormat } from '../format/formats.ts';
import type { Bits, KeypadKey } from '../types.ts';

export type KeypadMode =
  | '4bit'
  | '8bit_complement_high'
  | '8bit_complement_low_swapped'
  | '6bit_nibble_parity'
  | '6bit_rosslare_format'
  | '26bit_pin_as_card';

/** Modes that send one frame per key press (26bit_pin_as_card sends a whole PIN as a card). */
export type KeyEmissionMode = Exclude<KeypadMode, '26bit_pin_as_card'>;

export const KEYPAD_MODES: readonly KeypadMode[] = [
  '4bit',
  '8bit_complement_high',
  '8bit_complement_low_swapped',
  '6bit_nibble_parity',
  '6bit_rosslare_format',
  '26bit_pin_as_card',
];

type KeyTable = Readonly<Record<KeypadKey, number>>;

const COMMON_KEYS: KeyTable = {
  '0': 0x0, '1': 0x1, '2': 0x2, '3': 0x3, '4': 0x4, '5': 0x5,
  '6': 0x6, '7': 0x7, '8': 0x8, '9': 0x9, '*': 0xa, '#': 0xb,
};

const ROSSLARE_KEYS: KeyTable = {
  '1': 0x1, '2': 0x2, '3': 0x3, '4': 0x4, '5': 0x5, '6': 0x6,
  '7': 0x7, '8': 0x8, '9': 0x9, '0': 0xa, '*': 0xb, '#': 0xc,
};

/** Bit `pos[i]` is the complement of bit `of[i]`: odd parity over each pair. */
function complements(pos: number[], of: number[]): ParityRule[] {
  return pos.map((p, i) => ({ pos: p, type: 'odd', over: [of[i]!] }));
}

const NIBBLE_PARITY: ParityRule[] = [
  { pos: 0, type: 'even', over: [1, 2] },
  { pos: 5, type: 'odd', over: [3, 4] },
];

const layouts: Record<KeyEmissionMode, { bits: number; code: number[]; parity: ParityRule[]; keys: KeyTable }> = {
  '4bit': { bits: 4, code: [0, 1, 2, 3], parity: [], keys: COMMON_KEYS },
  '8bit_complement_high': { bits: 8, code: [4, 5, 6, 7], parity: complements([0, 1, 2, 3], [4, 5, 6, 7]), keys: COMMON_KEYS },
  '8bit_complement_low_swapped': { bits: 8, code: [0, 1, 2, 3], parity: complements([4, 5, 6, 7], [0, 1, 2, 3]), keys: COMMON_KEYS },
  '6bit_nibble_parity': { bits: 6, code: [1, 2, 3, 4], parity: NIBBLE_PARITY, keys: COMMON_KEYS },
  '6bit_rosslare_format': { bits: 6, code: [1, 2, 3, 4], parity: NIBBLE_PARITY, keys: ROSSLARE_KEYS },
};

interface KeyEmission {
  readonly format: WiegandFormat;
  readonly keys: KeyTable;
  readonly byCode: ReadonlyMap<number, KeypadKey>;
}

const emissions = new Map<KeyEmissionMode, KeyEmission>(
  (Object.entries(layouts) as [KeyEmissionMode, (typeof layouts)[KeyEmissionMode]][]).map(([mode, l]) => {
    const [format] = loadFormats([{ name: `keypad:${mode}`, bits: l.bits, fields: { card_number: l.code }, parity: l.parity }]);
    const byCode = new Map((Object.entries(l.keys) as [KeypadKey, number][]).map(([k, code]) => [code, k]));
    return [mode, { format: format!, keys: l.keys, byCode }];
  }),
);

/** The key one emission carries, or null for a malformed one (wrong length, check bits, code). */
export function decodeKey(mode: KeypadMode, bits: Bits): KeypadKey | null {
  const emission = emissions.get(mode as KeyEmissionMode);
  if (!emission) return null;
  const out = decodeBits(emission.format, bits);
  const code = out.fields?.card_number;
  if (!out.parityOk || code === undefined) return null;
  return emission.byCode.get(code) ?? null;
}

export function encodeKey(mode: KeyEmissionMode, key: KeypadKey): Bits {
  const emission = emissions.get(mode)!;
  return encodeFields(emission.format, { card_number: emission.keys[key] });
}

/** PIN-as-card keypads (HID PINpad, Essex, Rosslare options 4/5) pack the PIN as an H10301 card. */
const PIN_CARD_FORMAT = findFormat('H10301')!;
/** The card number such keypads send for `#` alone, all zeros or a PIN above 65534. */
const PIN_ERROR_CODE = 65535;

export type PinCardOutcome = { ok: true; pin: string } | { ok: false; reason: 'parity_error' | 'wrong_site' | 'pin_error' };

/** A frame of the wrong length counts as a parity error: it is not a valid PIN card either way. */
export function decodePinCard(bits: Bits, expectedSiteCode: number): PinCardOutcome {
  const out = decodeBits(PIN_CARD_FORMAT, bits);
  if (!out.parityOk || out.fields === null) return { ok: false, reason: 'parity_error' };
  if (out.fields.facility_code !== expectedSiteCode) return { ok: false, reason: 'wrong_site' };
  const cn = out.fields.card_number!;
  if (cn === PIN_ERROR_CODE) return { ok: false, reason: 'pin_error' };
  return { ok: true, pin: String(cn) };
}

/** Pack a PIN of 1–65534 as the keypad would; throws RangeError for anything else. */
export function encodePinCard(pin: string, siteCode: number): Bits {
  const value = /^[0-9]{1,5}$/.test(pin) ? Number(pin) : NaN;
  if (!(value >= 1 && value < PIN_ERROR_CODE)) throw new RangeError('PIN-as-card carries a PIN of 1 to 65534');
  return encodeFields(PIN_CARD_FORMAT, { facility_code: siteCode, card_number: value });
}
