/**
 * The canonical credential number: an unsigned integer of any width. A distinct (branded) type so
 * that strings of unknown base never travel through the code: text becomes a CredentialNumber only
 * through `parseCredentialNumber`, with the representation mode stated.
 */
declare const brand: unique symbol;
export type CredentialNumber = bigint & { readonly [brand]: 'CredentialNumber' };

export type RepresentationMode = 'decimal' | 'hex';

export function credentialNumber(value: bigint): CredentialNumber {
  if (value < 0n) throw new RangeError('credential number must be unsigned');
  return value as CredentialNumber;
}

export type ParseResult = { ok: true; value: CredentialNumber } | { ok: false; reason: string };

const DECIMAL = /^[0-9]{1,10}$/;
const HEX_SEPARATED = /^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){1,7}$/;
const HEX_BARE = /^[0-9a-fA-F]{1,16}$/;

/**
 * Reference grammar (seed 000): up to 10 decimal digits in decimal mode; in hex mode 2–8 bytes
 * with `:` or `-` separators, or bare hex digits. `44` is 44 in decimal mode and 0x44 = 68 in hex.
 */
export function parseCredentialNumber(text: string, mode: RepresentationMode): ParseResult {
  const s = text.trim();
  if (mode === 'decimal') {
    if (!DECIMAL.test(s)) return { ok: false, reason: 'expected up to 10 decimal digits' };
    return { ok: true, value: credentialNumber(BigInt(s)) };
  }
  if (HEX_SEPARATED.test(s)) {
    const sep = s.includes(':') ? ':' : '-';
    if (s.includes(':') && s.includes('-')) return { ok: false, reason: 'mixed hex separators' };
    return { ok: true, value: credentialNumber(BigInt('0x' + s.split(sep).join(''))) };
  }
  if (HEX_BARE.test(s)) return { ok: true, value: credentialNumber(BigInt('0x' + s)) };
  return { ok: false, reason: 'expected hex bytes such as 1c-3b-4a' };
}

/** Decimal digits, or lower-case hex bytes joined by `-` (at least one byte), as in seed 000. */
export function formatCredentialNumber(n: CredentialNumber, mode: RepresentationMode): string {
  if (mode === 'decimal') return n.toString(10);
  let hex = n.toString(16);
  if (hex.length % 2 === 1) hex = '0' + hex;
  return hex.match(/../g)!.join('-');
}
