import { createHash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * Hashes for low-entropy secrets a person types (PINs, admin passwords): scrypt with a random
 * per-record salt, the parameters stored in the hash so they can be raised later without breaking
 * old records. Format: `scrypt$N$r$p$<salt b64>$<key b64>`.
 *
 * Async on purpose: node's scrypt runs on the libuv thread pool, so verifying a PIN at the door
 * does not stall the event loop that services the readers.
 */
/**
 * Cost per kind of secret. A PIN is verified while someone waits at the door (N=16384 measured
 * 170 ms per verify on the 2-core build machine, several times that on a Pi); its 4–8 digits fall to
 * an offline search at any cost anyway, so the point is only never to store it in clear. Admin
 * passwords are verified rarely and can be long, so they get the higher cost.
 */
export const SECRET_COSTS = {
  pin: { N: 4096, r: 8, p: 1 },
  password: { N: 16384, r: 8, p: 1 },
} as const;
export type SecretKind = keyof typeof SECRET_COSTS;

const KEY_LEN = 32;
const SALT_LEN = 16;
const FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;
/** Upper bounds so a tampered hash string cannot make verification allocate gigabytes. */
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

function derive(secret: string, salt: Buffer, N: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret.normalize('NFC'), salt, keyLen, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashSecret(secret: string, kind: SecretKind = 'password'): Promise<string> {
  const { N, r, p } = SECRET_COSTS[kind];
  const salt = randomBytes(SALT_LEN);
  const key = await derive(secret, salt, N, r, p, KEY_LEN);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True only when `hash` is a well-formed secret hash (used to refuse clear text at the storage edge). */
export function isSecretHash(hash: string): boolean {
  return parse(hash) !== null;
}

function parse(hash: string): { N: number; r: number; p: number; salt: Buffer; key: Buffer } | null {
  const m = FORMAT.exec(hash);
  if (!m) return null;
  const N = Number(m[1]);
  const r = Number(m[2]);
  const p = Number(m[3]);
  const salt = Buffer.from(m[4]!, 'base64');
  const key = Buffer.from(m[5]!, 'base64');
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > MAX_N || r < 1 || r > MAX_R || p < 1 || p > MAX_P) return null;
  if (salt.length < 8 || key.length < 16) return null;
  return { N, r, p, salt, key };
}

/** Constant-time comparison of the derived key; a malformed hash verifies as false, never throws. */
export async function verifySecret(secret: string, hash: string): Promise<boolean> {
  const parsed = parse(hash);
  if (!parsed) return false;
  const key = await derive(secret, parsed.salt, parsed.N, parsed.r, parsed.p, parsed.key.length);
  return timingSafeEqual(key, parsed.key);
}

/**
 * Synchronous variant for the one caller that cannot wait: the rules engine checking a card+PIN
 * at the door (a PIN-cost scrypt, a few ms). Passwords must use the async `verifySecret`.
 */
export function verifySecretSync(secret: string, hash: string): boolean {
  const parsed = parse(hash);
  if (!parsed) return false;
  const { N, r, p, salt, key } = parsed;
  const derived = scryptSync(secret.normalize('NFC'), salt, key.length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  return timingSafeEqual(derived, key);
}

/**
 * Hash for high-entropy machine tokens (API keys, session tokens): SHA-256 hex. A salt would make
 * lookup by token impossible and adds nothing when the token itself is 128+ random bits.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh random token (base64url, 256 bits) for API keys and sessions; only its hash is stored. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}
