/**
 * The service layer in one object: every business operation the admin API (and the CLI) uses,
 * built from the open database, the credential index and the injected clock and logger.
 */
import type { CredentialIndex } from '../access/credential-index.ts';
import { isIdentifierType } from '../access/identifier-key.ts';
import type { Config } from '../config/config-schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { createAccessCodesRepository } from '../storage/access-codes.ts';
import { createAdminAccountsRepository } from '../storage/admin-accounts.ts';
import { createApiKeysRepository } from '../storage/api-keys.ts';
import type { Db } from '../storage/database.ts';
import { createIdentifiersRepository, type IdentifierCapacity } from '../storage/identifiers.ts';
import { createJournal, type Journal } from '../storage/journal.ts';
import { createJournalWriter } from '../storage/journal-writer.ts';
import { createSessionsRepository } from '../storage/sessions.ts';
import { createSettingsRepository } from '../storage/settings.ts';
import { createUsersRepository } from '../storage/users.ts';
import { createAccessCodesService } from './access-codes.ts';
import { createIdentifierBatchWorker, type IdentifierBatchWorkerOptions } from './batch-worker/identifier-batch-client.ts';
import { createAccessKeysService } from './access-keys.ts';
import { createAuthService, type AnnouncingJournalSink } from './auth.ts';
import type { ChunkOptions } from './chunked-batch.ts';
import { createDoorsService, type OpenDoor } from './doors.ts';
import { createIdentifiersService } from './identifiers.ts';
import { createIndexSync } from './index-sync.ts';
import type { LoginThrottleOptions } from './login-throttle.ts';
import { createSettingsService, type WiegandSettings } from './settings.ts';
import { createUserCardsService } from './user-cards.ts';
import { createUsersService } from './users.ts';

/** The parts of the configuration the services use. */
export type ServicesConfig = Pick<Config, 'representation' | 'readers' | 'capacity'> & {
  readonly api: Pick<Config['api'], 'tokenTtlMs'>;
  readonly journal?: Pick<Config['journal'], 'maxRows'>;
};

export interface ServicesDeps {
  readonly db: Db;
  readonly index: CredentialIndex;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: ServicesConfig;
  /** Where audit events go (the daemon's journal writer); default: a writer of its own on `db`. */
  readonly journal?: AnnouncingJournalSink;
  /** Provided by the daemon; without it remote open answers that no controller is attached. */
  readonly openDoor?: OpenDoor;
  /** Told after the Wiegand settings change. */
  readonly onSettingsChanged?: (s: WiegandSettings) => void;
  readonly loginThrottle?: LoginThrottleOptions;
  readonly batchChunk?: Omit<ChunkOptions, 'clock'>;
  /**
   * Seed 000 batch updates in a worker thread with its own connection (default), or `false` to run
   * them on the main thread in chunks (comparisons, tests of the in-process path).
   */
  readonly batchWorker?: false | Pick<IdentifierBatchWorkerOptions, 'chunkMs' | 'reportEveryMs' | 'idleMs'>;
}

function capacityOf(config: Record<string, number>): IdentifierCapacity {
  return Object.fromEntries(Object.entries(config).filter(([type]) => isIdentifierType(type)));
}

export function createServices(deps: ServicesDeps) {
  const { db, index, clock, logger, config } = deps;
  const users = createUsersRepository(db, clock);
  const identifiers = createIdentifiersRepository(db, { clock, capacity: capacityOf(config.capacity) });
  const journalStore: Journal = createJournal(db, { maxRows: config.journal?.maxRows });
  const ownWriter = deps.journal ? undefined : createJournalWriter(journalStore, { clock, logger });
  const journal: AnnouncingJournalSink = deps.journal ?? ownWriter!;
  const accessCodes = createAccessCodesRepository(db, clock);
  const indexSync = createIndexSync(db, index, logger);
  const settings = createSettingsService({
    db,
    settings: createSettingsRepository(db, clock),
    defaults: { representation: config.representation, readers: config.readers.map((r) => ({ id: r.id, formats: r.formats })) },
    onChange: deps.onSettingsChanged,
  });
  const identifierBatches =
    deps.batchWorker === false
      ? undefined
      : createIdentifierBatchWorker({
          dbPath: db.path, capacity: capacityOf(config.capacity), indexSync, journal, mode: settings.mode, clock, logger, ...deps.batchWorker,
          journalMaxRows: config.journal?.maxRows,
        });
  return {
    settings,
    identifiers: createIdentifiersService({
      db, identifiers, users, indexSync, clock, mode: settings.mode, journal, chunk: deps.batchChunk,
    }),
    /** Seed 000 batch updates off the main thread; undefined when disabled (then use identifiers.updateBatch). */
    identifierBatches,
    users: createUsersService({ db, users, identifiers, indexSync, clock, journal, chunk: deps.batchChunk }),
    auth: createAuthService({
      db,
      accounts: createAdminAccountsRepository(db, clock),
      sessions: createSessionsRepository(db, clock),
      apiKeys: createApiKeysRepository(db, clock),
      clock,
      logger,
      journal,
      tokenTtlMs: config.api.tokenTtlMs,
      throttle: deps.loginThrottle,
    }),
    accessKeys: createAccessKeysService({ db, users, identifiers, indexSync, clock, journal }),
    userCards: createUserCardsService({ db, users, identifiers, indexSync, clock }),
    accessCodes: createAccessCodesService({ db, accessCodes, indexSync, clock, journal }),
    doors: createDoorsService({ clock, journal, openDoor: deps.openDoor }),
    journal: journalStore,
    indexSync,
    /** The repositories the daemon's card path writes to (pass and one-time-code commits). */
    repositories: { identifiers, accessCodes },
    /** Writes out the audit events still buffered (when the services own their journal writer). */
    close(): void {
      ownWriter?.close();
      void identifierBatches?.close();
    },
  };
}

export type Services = ReturnType<typeof createServices>;
