import { failure, type RepoResult } from './result-codes.ts';

/** Which constraint a better-sqlite3 error broke, from its extended result code. */
export type ConstraintKind = 'unique' | 'primary_key' | 'foreign_key' | 'check' | 'not_null' | 'trigger';

const KINDS: Readonly<Record<string, ConstraintKind>> = {
  SQLITE_CONSTRAINT_UNIQUE: 'unique',
  SQLITE_CONSTRAINT_PRIMARYKEY: 'primary_key',
  SQLITE_CONSTRAINT_FOREIGNKEY: 'foreign_key',
  SQLITE_CONSTRAINT_CHECK: 'check',
  SQLITE_CONSTRAINT_NOTNULL: 'not_null',
  SQLITE_CONSTRAINT_TRIGGER: 'trigger',
};

/** SQLITE_BUSY or one of its extended codes: another connection held a lock past the wait. */
export function isBusy(err: unknown): boolean {
  return typeof err === 'object' && err !== null && String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY');
}

export function constraintKind(err: unknown): ConstraintKind | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? KINDS[code] : undefined;
}

/**
 * Runs a credential write, turning constraint errors that slip past the repository's own checks
 * (another writer, a race) into result codes instead of exceptions. Other errors (I/O, disk full)
 * propagate: they are not about the input.
 */
export function guardCredentialWrite<T>(primaryKeyField: string, fn: () => RepoResult<T>): RepoResult<T> {
  try {
    return fn();
  } catch (err) {
    const kind = constraintKind(err);
    if (kind === 'unique' || kind === 'trigger') return failure('number_taken_by_another_identifier');
    if (kind === 'primary_key') return failure('has_dublicates', primaryKeyField);
    if (kind === 'foreign_key') return failure('entity_not_found');
    if (kind === 'check' || kind === 'not_null') return failure('invalid_input', (err as Error).message);
    throw err;
  }
}
