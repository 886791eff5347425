import { describe, expect, it } from 'vitest';
import { formatIdentifierNumber, parseIdentifierNumber } from './identifier-number.ts';

describe('parseIdentifierNumber', () => {
  it('reads card numbers in the representation mode in force', () => {
    expect(parseIdentifierNumber('card', '44', 'decimal')).toEqual({ ok: true, value: 44n });
    expect(parseIdentifierNumber('card', '44', 'hex')).toEqual({ ok: true, value: 68n });
    expect(parseIdentifierNumber('ukey', '1c-3b-4a', 'hex')).toEqual({ ok: true, value: 0x1c3b4an });
    expect(parseIdentifierNumber('card', 44, 'hex')).toEqual({ ok: true, value: 68n });
    expect(parseIdentifierNumber('card', '1c-3b-4a', 'decimal').ok).toBe(false);
    expect(parseIdentifierNumber('card', '12345678901', 'decimal').ok).toBe(false);
    expect(parseIdentifierNumber('card', -1, 'decimal').ok).toBe(false);
  });

  it('keeps keypad digits as typed, lower-cases QR UUIDs and bounds plates', () => {
    expect(parseIdentifierNumber('inputCode', '0012', 'hex')).toEqual({ ok: true, value: '0012' });
    expect(parseIdentifierNumber('inputCode', '12#', 'decimal').ok).toBe(false);
    expect(parseIdentifierNumber('inputCode', '1'.repeat(17), 'decimal').ok).toBe(false);
    expect(parseIdentifierNumber('qr', 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE', 'decimal')).toEqual({ ok: true, value: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' });
    expect(parseIdentifierNumber('qr', 'aaaa', 'decimal').ok).toBe(false);
    expect(parseIdentifierNumber('license_plate', 'B-AB 123', 'decimal')).toEqual({ ok: true, value: 'B-AB 123' });
    expect(parseIdentifierNumber('license_plate', '---', 'decimal').ok).toBe(false);
    expect(parseIdentifierNumber('license_plate', 'A'.repeat(101), 'decimal').ok).toBe(false);
  });
});

describe('formatIdentifierNumber', () => {
  it('writes stored numbers in the mode in force and leaves text types alone', () => {
    expect(formatIdentifierNumber('card', '68', 'hex')).toBe('44');
    expect(formatIdentifierNumber('card', '68', 'decimal')).toBe('68');
    expect(formatIdentifierNumber('card', '1850186', 'hex')).toBe('1c-3b-4a');
    expect(formatIdentifierNumber('inputCode', '0012', 'hex')).toBe('0012');
  });
});
