/**
 * A real admin API over a real SQLite file in a temp dir, on a ManualClock, with an admin and an
 * operator account logged in. `close()` removes everything.
 */
import type { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import request from 'supertest';
import { CredentialIndex } from '../../src/access/credential-index.ts';
import { createApp, type App, type AppOptions } from '../../src/api/app.ts';
import { configSchema } from '../../src/config/config-schema.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { createServices, type Services, type ServicesDeps } from '../../src/service/services.ts';
import { createAdminAccountsRepository, type AdminRole } from '../../src/storage/admin-accounts.ts';
import { openDatabase, type Db } from '../../src/storage/database.ts';
import { generateToken, hashSecret, hashToken } from '../../src/storage/secret-hash.ts';
import { createSessionsRepository } from '../../src/storage/sessions.ts';
import type { JournalEvent } from '../../src/storage/journal.ts';

export const ADMIN_PASSWORD = 'admin-password-1';
export const OPERATOR_PASSWORD = 'operator-password-1';

export interface Harness {
  readonly dir: string;
  readonly db: Db;
  readonly clock: ManualClock;
  readonly index: CredentialIndex;
  readonly services: Services;
  readonly app: App;
  readonly journal: JournalEvent[];
  readonly adminToken: string;
  readonly operatorToken: string;
  /** supertest agent bound to the app. */
  readonly http: ReturnType<typeof request>;
  /** The app on a real HTTP server on loopback (closed by `close`); its base URL. */
  serve(): Promise<string>;
  close(): void;
}

export type HarnessOptions = Partial<Pick<ServicesDeps, 'openDoor' | 'loginThrottle' | 'batchChunk'>> &
  Pick<AppOptions, 'doors' | 'seamPrefix'> & {
    readonly config?: Record<string, unknown>;
    readonly bodyLimit?: string | number;
    /** Like the daemon's: every journal event is emitted as `journal` (feeds the live stream). */
    readonly events?: EventEmitter;
  };

/** scrypt is slow on purpose: hash each test password once per test file, not once per test. */
const hashes = new Map<string, Promise<string>>();
const hashOnce = (password: string): Promise<string> => {
  let h = hashes.get(password);
  if (!h) hashes.set(password, (h = hashSecret(password)));
  return h;
};

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'doorctl-api-'));
  const db = openDatabase({ dataDir: dir });
  const clock = new ManualClock();
  const index = new CredentialIndex();
  const journal: JournalEvent[] = [];
  // The batch worker writes its own rows and announces them: the harness records both alike.
  const record = (e: JournalEvent): void => {
    journal.push(e);
    opts.events?.emit('journal', e);
  };
  const config = configSchema.parse({ dataDir: dir, ...opts.config });
  const services = createServices({
    db,
    index,
    clock,
    logger: silentLogger,
    config,
    journal: { append: record, announce: record },
    openDoor: opts.openDoor,
    loginThrottle: opts.loginThrottle,
    batchChunk: opts.batchChunk,
  });
  // Accounts and sessions written directly (login itself is tested in auth.test.ts).
  const accounts = createAdminAccountsRepository(db, clock);
  const sessions = createSessionsRepository(db, clock);
  const account = async (username: string, password: string, role: AdminRole): Promise<string> => {
    const created = accounts.create({ username, role, passwordHash: await hashOnce(password) });
    const token = generateToken();
    const session = sessions.create({ tokenHash: hashToken(token), username, expiresAt: clock.now() + config.api.tokenTtlMs });
    if (!created.ok || !session.ok) throw new Error(`harness account ${username}`);
    return token;
  };
  const adminToken = await account('admin', ADMIN_PASSWORD, 'admin');
  const operatorToken = await account('operator', OPERATOR_PASSWORD, 'operator');
  const app = createApp({
    services,
    logger: silentLogger,
    clock,
    metrics: new Registry(),
    validateResponses: true,
    bodyLimit: opts.bodyLimit,
    events: opts.events,
    doors: opts.doors,
    seamPrefix: opts.seamPrefix,
  });
  const http = request(app);
  const servers: Server[] = [];
  return {
    dir, db, clock, index, services, app, journal, adminToken, operatorToken, http,
    serve: () =>
      new Promise((resolve, reject) => {
        const server = createServer(app);
        servers.push(server);
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
      }),
    close() {
      for (const s of servers) {
        s.closeAllConnections();
        s.close();
      }
      services.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/** A seed 000 update body with permanent validity. */
export function permanentUpdate(owner = 'Alice', lock: 'first' | 'second' | 'all' = 'all') {
  return {
    identifier_owner: { type: 'owner', name: owner },
    lock,
    valid: { time: { is_permanent: true }, passes: { is_permanent: true } },
  };
}
