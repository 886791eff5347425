/**
 * How an identifier's number is stored: one TEXT column, exact for any width.
 * - numeric types (card, face_id, ukey): decimal digits of the unsigned integer, no leading zeros,
 *   so 26-, 34-, 37- or 64+-bit numbers compare exactly and `UNIQUE (type, number)` is the identity;
 * - keypad (inputCode): the digits as typed, leading zeros kept ('0123' ≠ '123');
 * - text (qr, license_plate): the normalised text the access index uses.
 * Validation and normalisation are the access index's (`encodeKey`), so storage and the in-memory
 * index can never disagree about what counts as the same credential.
 */
import {
  IDENTIFIER_TYPES,
  encodeKey,
  type IdentifierType,
  type IdentifierValue,
} from '../access/identifier-key.ts';

export function storedNumber(type: IdentifierType, value: IdentifierValue): string | undefined {
  const key = encodeKey(type, value);
  if (key === undefined) return undefined;
  switch (IDENTIFIER_TYPES[type]) {
    case 'numeric':
      return BigInt(value as bigint | number).toString(10);
    case 'keypad':
      return value as string;
    case 'text':
      return key as string;
  }
}

/** The value to hand to `encodeKey` when loading a stored row into the index. */
export function valueFromStored(type: IdentifierType, number: string): IdentifierValue {
  return IDENTIFIER_TYPES[type] === 'numeric' ? BigInt(number) : number;
}
