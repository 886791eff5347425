/**
 * Identifier types (seed 000) and their compact lookup keys.
 *
 * A key is a JS number whenever possible (a Map<number, slot> entry is far smaller than a string
 * or bigint key) and a short string otherwise:
 * - numeric types (card, face_id, ukey): the canonical number; above 2^53 → 'x' + hex.
 * - keypad codes (inputCode; access codes share this space): leading zeros matter ('0123' ≠ '123'),
 *   so up to 15 digits are encoded as the number 1<digits>; longer → 'd' + digits.
 * - text types (qr, license_plate): the normalised text.
 */
import type { CredentialNumber } from '../wiegand/credential-number.ts';
import { credentialNumber } from '../wiegand/credential-number.ts';

export type KeyKind = 'numeric' | 'keypad' | 'text';

export const IDENTIFIER_TYPES = {
  card: 'numeric',
  face_id: 'numeric',
  inputCode: 'keypad',
  qr: 'text',
  ukey: 'numeric',
  license_plate: 'text',
} as const satisfies Record<string, KeyKind>;

export type IdentifierType = keyof typeof IDENTIFIER_TYPES;
export type NumericIdentifierType = { [K in IdentifierType]: (typeof IDENTIFIER_TYPES)[K] extends 'numeric' ? K : never }[IdentifierType];

export const IDENTIFIER_TYPE_NAMES = Object.keys(IDENTIFIER_TYPES) as IdentifierType[];

/** Small integer code per type, used as a column value and as an index into per-type maps. */
export const TYPE_CODE: Readonly<Record<IdentifierType, number>> = Object.fromEntries(
  IDENTIFIER_TYPE_NAMES.map((t, i) => [t, i]),
) as Record<IdentifierType, number>;

/** What callers hand in: a number for numeric types (bigint, or a safe integer), text otherwise. */
export type IdentifierValue = CredentialNumber | bigint | number | string;

export type LookupKey = number | string;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const KEYPAD_DIGITS = /^[0-9]{1,64}$/;
const MAX_TEXT = 256;
/** Longest keypad code that still fits a safe integer once prefixed with '1'. */
const KEYPAD_NUMERIC_DIGITS = 15;

export function isIdentifierType(s: string): s is IdentifierType {
  return Object.hasOwn(IDENTIFIER_TYPES, s);
}

/** Plates are compared without case, spaces or dashes ('B-AB 123' = 'bab123'). */
function normaliseText(type: IdentifierType, s: string): string {
  const t = s.trim();
  return type === 'license_plate' ? t.toUpperCase().replace(/[^0-9A-Z]/g, '') : t;
}

/** The lookup key for a value, or undefined when the value is not valid for the type. */
export function encodeKey(type: IdentifierType, value: IdentifierValue): LookupKey | undefined {
  switch (IDENTIFIER_TYPES[type]) {
    case 'numeric':
      if (typeof value === 'bigint') {
        if (value < 0n) return undefined;
        return value <= MAX_SAFE ? Number(value) : 'x' + value.toString(16);
      }
      if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
      return undefined;
    case 'keypad':
      if (typeof value !== 'string' || !KEYPAD_DIGITS.test(value)) return undefined;
      return value.length <= KEYPAD_NUMERIC_DIGITS ? Number('1' + value) : 'd' + value;
    case 'text': {
      if (typeof value !== 'string') return undefined;
      const t = normaliseText(type, value);
      return t.length > 0 && t.length <= MAX_TEXT ? t : undefined;
    }
  }
}

/** Inverse of encodeKey, for reporting a record back (not on the hot path). */
export function decodeKey(type: IdentifierType, key: LookupKey): CredentialNumber | string {
  switch (IDENTIFIER_TYPES[type]) {
    case 'numeric':
      return credentialNumber(typeof key === 'number' ? BigInt(key) : BigInt('0x' + key.slice(1)));
    case 'keypad':
      return String(key).slice(1);
    case 'text':
      return String(key);
  }
}
