import { describe, expect, it } from 'vitest';
import { formatCredentialNumber, parseCredentialNumber } from './credential-number.ts';

describe('credential number representation', () => {
  it('reads 44 as 44 in decimal mode and 68 in hex mode (seed 000 warning)', () => {
    expect(parseCredentialNumber('44', 'decimal')).toEqual({ ok: true, value: 44n });
    expect(parseCredentialNumber('44', 'hex')).toEqual({ ok: true, value: 68n });
  });

  it('reads the seed example both ways to the same number', () => {
    const dec = parseCredentialNumber('1850186', 'decimal');
    expect(dec).toEqual({ ok: true, value: 0x1c3b4an });
    for (const hex of ['1c-3b-4a', '1C:3B:4A', '1c3b4a', '1C3B4A']) {
      expect(parseCredentialNumber(hex, 'hex')).toEqual(dec);
    }
    expect(formatCredentialNumber(0x1c3b4an as never, 'hex')).toBe('1c-3b-4a');
    expect(formatCredentialNumber(0x1c3b4an as never, 'decimal')).toBe('1850186');
    expect(formatCredentialNumber(0xabcn as never, 'hex')).toBe('0a-bc');
  });

  it('refuses what the grammar does not allow', () => {
    for (const [text, mode] of [
      ['12345678901', 'decimal'], ['1c', 'decimal'], ['', 'decimal'], ['-1', 'decimal'],
      ['1c-3b:4a', 'hex'], ['1c-3', 'hex'], ['00-11-22-33-44-55-66-77-88', 'hex'], ['xyz', 'hex'],
    ] as const) {
      expect(parseCredentialNumber(text, mode).ok, `${mode} ${text}`).toBe(false);
    }
  });
});
