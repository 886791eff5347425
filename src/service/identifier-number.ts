/**
 * The text form of an identifier number on the API, per type (seed 000):
 * - card, ukey, face_id: a credential number in the representation mode in force (decimal: up to
 *   10 digits; hex: bytes such as `1c-3b-4a`), via parseCredentialNumber;
 * - inputCode: keypad digits, leading zeros kept;
 * - qr: a UUID (compared in lower case);
 * - license_plate: 1–100 characters.
 * Stored numbers are never rewritten when the mode changes: only their text form follows the mode.
 */
import { IDENTIFIER_TYPES, type IdentifierType, type IdentifierValue } from '../access/identifier-key.ts';
import {
  credentialNumber,
  formatCredentialNumber,
  parseCredentialNumber,
  type RepresentationMode,
} from '../wiegand/credential-number.ts';

export type NumberParse = { readonly ok: true; readonly value: IdentifierValue } | { readonly ok: false; readonly reason: string };

const KEYPAD = /^[0-9]{1,16}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_PLATE = 100;

const TEXT_PARSERS: Record<Exclude<IdentifierType, 'card' | 'ukey' | 'face_id'>, (s: string) => NumberParse> = {
  inputCode: (s) => (KEYPAD.test(s) ? { ok: true, value: s } : { ok: false, reason: 'expected 1 to 16 keypad digits' }),
  qr: (s) => (UUID.test(s) ? { ok: true, value: s.toLowerCase() } : { ok: false, reason: 'expected a UUID' }),
  license_plate: (s) => {
    const t = s.trim();
    return t.length >= 1 && t.length <= MAX_PLATE && /[0-9A-Za-z]/.test(t)
      ? { ok: true, value: t }
      : { ok: false, reason: `expected 1 to ${MAX_PLATE} characters with at least one letter or digit` };
  },
};

/** API text (or a JSON integer, read as its decimal digits) → the value storage and the index take. */
export function parseIdentifierNumber(type: IdentifierType, input: string | number, mode: RepresentationMode): NumberParse {
  const text = typeof input === 'number' ? (Number.isSafeInteger(input) && input >= 0 ? String(input) : '') : input;
  if (IDENTIFIER_TYPES[type] === 'numeric') {
    const r = parseCredentialNumber(text, mode);
    return r.ok ? { ok: true, value: r.value } : r;
  }
  return TEXT_PARSERS[type as keyof typeof TEXT_PARSERS](text);
}

/** Stored number text (see storage number-key.ts) → its API text in the mode in force. */
export function formatIdentifierNumber(type: IdentifierType, stored: string, mode: RepresentationMode): string {
  return IDENTIFIER_TYPES[type] === 'numeric' ? formatCredentialNumber(credentialNumber(BigInt(stored)), mode) : stored;
}
