import { describe, expect, it } from 'vitest';
import { generateToken, hashSecret, hashToken, isSecretHash, verifySecret } from './secret-hash.ts';

describe('secret hashing', () => {
  it('never contains the secret, salts per record, and verifies only the right secret', async () => {
    const a = await hashSecret('4711', 'pin');
    const b = await hashSecret('4711', 'password');
    expect(a).not.toContain('4711');
    expect(a).not.toBe(b);
    expect(isSecretHash(a)).toBe(true);
    expect(await verifySecret('4711', a)).toBe(true);
    expect(await verifySecret('4711', b)).toBe(true);
    expect(await verifySecret('4712', a)).toBe(false);
    expect(await verifySecret('', a)).toBe(false);
    expect(a.startsWith('scrypt$4096$')).toBe(true);
    expect(b.startsWith('scrypt$16384$')).toBe(true);
  });

  it('treats malformed or hostile hashes as non-matching instead of throwing', async () => {
    for (const bad of ['', '4711', 'scrypt$', 'scrypt$3$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==', 'scrypt$1073741824$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==']) {
      expect(isSecretHash(bad)).toBe(false);
      expect(await verifySecret('4711', bad)).toBe(false);
    }
  });

  it('hashes tokens deterministically for lookup, without the token in clear', () => {
    const token = generateToken();
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect(generateToken()).not.toBe(token);
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(token)).toBe(hashToken(token));
    expect(hashToken(token)).not.toContain(token);
  });
});
