import type { Migration } from './migration.ts';
import { initialSchema } from './001-initial.ts';
import { journalIdentifierByWeek } from './002-journal-identifier-by-week.ts';
import { journalCredentialByWeek } from './003-journal-credential-by-week.ts';

export type { Migration } from './migration.ts';

/** Every migration, in order. Append only: a shipped migration is never edited. */
export const MIGRATIONS: readonly Migration[] = [initialSchema, journalIdentifierByWeek, journalCredentialByWeek];
