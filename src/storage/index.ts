/**
 * Storage facade: one SQLite file, every repository over it. The daemon opens this at start,
 * streams identifiers and access codes into the in-memory index, and writes through the
 * repositories afterwards.
 */
import type { Clock } from '../core/clock.ts';
import { createAccessCodesRepository } from './access-codes.ts';
import { createAdminAccountsRepository } from './admin-accounts.ts';
import { createApiKeysRepository } from './api-keys.ts';
import { openDatabase, type Db, type OpenDatabaseOptions } from './database.ts';
import { createIdentifiersRepository, type IdentifierCapacity } from './identifiers.ts';
import { createJournal, type JournalOptions } from './journal.ts';
import { createSessionsRepository } from './sessions.ts';
import { createSettingsRepository } from './settings.ts';
import { createTimeProfilesRepository } from './time-profiles.ts';
import { createUsersRepository } from './users.ts';

export interface StorageOptions extends OpenDatabaseOptions {
  readonly clock: Clock;
  readonly capacity?: IdentifierCapacity;
  readonly journal?: JournalOptions;
}

export type Storage = ReturnType<typeof createStorage>;

/** All repositories over an already open database. */
export function createStorage(db: Db, opts: Omit<StorageOptions, keyof OpenDatabaseOptions>) {
  const { clock } = opts;
  return {
    db,
    users: createUsersRepository(db, clock),
    identifiers: createIdentifiersRepository(db, opts.capacity ? { clock, capacity: opts.capacity } : { clock }),
    accessCodes: createAccessCodesRepository(db, clock),
    timeProfiles: createTimeProfilesRepository(db, clock),
    settings: createSettingsRepository(db, clock),
    adminAccounts: createAdminAccountsRepository(db, clock),
    apiKeys: createApiKeysRepository(db, clock),
    sessions: createSessionsRepository(db, clock),
    journal: createJournal(db, opts.journal),
    close: (): void => db.close(),
  };
}

/** Opens (creating and migrating as needed) the database and builds every repository. */
export function openStorage(opts: StorageOptions): Storage {
  return createStorage(openDatabase(opts), opts);
}

export { openDatabase, SchemaTooNewError, type Db, type IntegrityReport, type OpenDatabaseOptions } from './database.ts';
export * from './result-codes.ts';
export { hashSecret, verifySecret, hashToken, generateToken, isSecretHash, type SecretKind } from './secret-hash.ts';
export { storedNumber, valueFromStored } from './number-key.ts';
export type { UserRow, UserInput, UserPatch, OwnerType, UpsertedUser, UsersRepository } from './users.ts';
export { createIdentifierIndexReader, type IdentifierIndexChunk, type IdentifierIndexReader } from './identifier-index-reader.ts';
export type {
  IdentifierRow,
  IdentifierInput,
  IdentifierPatch,
  IdentifierCapacity,
  ConsumePassResult,
  AssignedIdentifier,
  IdentifiersRepository,
} from './identifiers.ts';
export {
  ACCESS_CODE_INDEX_COLUMNS,
  type AccessCodeRow,
  type AccessCodeInput,
  type AccessCodePatch,
  type AccessCodeIndexRow,
  type AccessCodeType,
  type OneTimeUseResult,
  type AccessCodesRepository,
} from './access-codes.ts';
export type { TimeProfileRow, TimeProfileInput, TimeProfilesRepository } from './time-profiles.ts';
export type { SettingsRepository } from './settings.ts';
export type { AdminAccountRow, AdminRole, AdminAccountsRepository } from './admin-accounts.ts';
export type { ApiKeyRow, ApiKeysRepository } from './api-keys.ts';
export type { SessionRow, SessionsRepository } from './sessions.ts';
export {
  JOURNAL_DROPPED,
  JOURNAL_LOST,
  type Journal,
  type JournalEvent,
  type JournalEntry,
  type JournalQuery,
  type JournalPage,
  type JournalOptions,
} from './journal.ts';
export { createJournalWriter, type JournalWriter, type JournalWriterOptions, type JournalWriterStats } from './journal-writer.ts';
