import type { Db } from './database.ts';

/**
 * Keypad digits are one number space shared by `inputCode` identifiers and access codes (seed
 * 004): the same digits in both would make a keypad entry ambiguous. Both repositories ask here
 * inside their write transaction; schema triggers back this up for any other writer.
 */
export function createCodeSpace(db: Db) {
  const inputCode = db.sqlite.prepare<[string], { uid: string }>(
    "SELECT uid FROM identifiers WHERE type = 'inputCode' AND number = ?",
  );
  const accessCode = db.sqlite.prepare<[string], { id: string }>('SELECT id FROM access_codes WHERE code = ?');
  return {
    /** True when an access code other than `exceptId` already uses these digits. */
    takenByAccessCode: (digits: string, exceptId?: string): boolean => {
      const row = accessCode.get(digits);
      return row !== undefined && row.id !== exceptId;
    },
    /** True when an inputCode identifier other than `exceptUid` already uses these digits. */
    takenByInputCode: (digits: string, exceptUid?: string): boolean => {
      const row = inputCode.get(digits);
      return row !== undefined && row.uid !== exceptUid;
    },
  };
}
