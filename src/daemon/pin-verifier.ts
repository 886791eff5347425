/**
 * Checks a card's PIN for the rules engine. The index holds only a "has PIN" flag; the scrypt hash
 * stays in SQLite and is read by the identifier's index id (its rowid) when a PIN is presented.
 */
import type { PinVerifier } from '../access/rules-engine.ts';
import type { Db } from '../storage/database.ts';
import { verifySecretSync } from '../storage/secret-hash.ts';

export function createPinVerifier(db: Db): PinVerifier {
  const hashOf = db.sqlite.prepare<[number], { pin_hash: string | null }>('SELECT pin_hash FROM identifiers WHERE rowid = ?');
  return (identifierId, pin) => {
    const hash = hashOf.get(identifierId)?.pin_hash;
    return typeof hash === 'string' && verifySecretSync(pin, hash);
  };
}
