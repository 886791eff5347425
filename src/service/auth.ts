/**
 * Administrator accounts, login sessions and API keys.
 *
 * - Passwords: scrypt hashes only. There is no default password: on first start
 *   `ensureInitialAdmin` creates `admin` with a random password that is returned once for the
 *   daemon to print; `setPassword` (the CLI) sets or resets one.
 * - Login tokens: 256 random bits, stored as SHA-256, valid `tokenTtlMs` (default 2 h).
 * - API keys: `seam_` + 256 random bits, stored as SHA-256, shown once.
 * - Failed logins are throttled per client address and journaled; successes are journaled too.
 *   Neither passwords nor tokens ever reach the journal or the log.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { AdminAccountsRepository, AdminRole } from '../storage/admin-accounts.ts';
import type { ApiKeysRepository } from '../storage/api-keys.ts';
import type { Db } from '../storage/database.ts';
import type { JournalEvent } from '../storage/journal.ts';
import { failure, success, type RepoResult } from '../storage/result-codes.ts';
import { generateToken, hashSecret, hashToken, verifySecret } from '../storage/secret-hash.ts';
import type { SessionsRepository } from '../storage/sessions.ts';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle.ts';

export const API_KEY_PREFIX = 'seam_';
export const INITIAL_ADMIN = 'admin';
export const MIN_PASSWORD_LENGTH = 10;

/** Who is calling: an account's session or an API key. */
export interface Principal {
  readonly kind: 'session' | 'api_key';
  /** Username, or the API key's name. */
  readonly name: string;
  readonly role: AdminRole;
  /** API key id, for revocation and the journal. */
  readonly keyId?: string;
}

export type LoginResult =
  | { readonly ok: true; readonly token: string; readonly expiresAt: number; readonly role: AdminRole }
  | { readonly ok: false; readonly reason: 'invalid_credentials' }
  | { readonly ok: false; readonly reason: 'throttled'; readonly retryAfterMs: number };

export interface JournalSink {
  append(event: JournalEvent): void;
}

/** A sink that can also pass on an event another connection has already written (the batch worker's admin_change rows): to its listeners only, not written again. */
export interface AnnouncingJournalSink extends JournalSink {
  announce(event: JournalEvent): void;
  /** Whether anyone listens for announced events of this type (absent: assume so). */
  wants?(type: string): boolean;
}

export interface AuthServiceDeps {
  readonly db: Db;
  readonly accounts: AdminAccountsRepository;
  readonly sessions: SessionsRepository;
  readonly apiKeys: ApiKeysRepository;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly journal: JournalSink;
  readonly tokenTtlMs: number;
  readonly throttle?: LoginThrottleOptions;
}

export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly role: AdminRole;
  /** Unix seconds. */
  readonly created_at: number;
  readonly revoked_at: number | null;
}

const secondsOf = (ms: number): number => Math.floor(ms / 1000);

export type AuthService = ReturnType<typeof createAuthService>;

export function createAuthService(deps: AuthServiceDeps) {
  const { accounts, sessions, apiKeys, clock, journal } = deps;
  const throttle = new LoginThrottle(clock, deps.throttle);
  // Verifying against a real hash when the user does not exist keeps the answer time the same,
  // so response timing does not reveal which usernames exist.
  let dummyHash: Promise<string> | undefined;
  const decoyHash = (): Promise<string> => (dummyHash ??= hashSecret(randomBytes(16).toString('hex')));

  function audit(type: string, details: Record<string, unknown>): void {
    journal.append({ ts: clock.now(), type, details });
  }

  async function login(username: string, password: string, client: string): Promise<LoginResult> {
    const gate = throttle.check(client);
    if (!gate.allowed) {
      audit('login_throttled', { username, client });
      return { ok: false, reason: 'throttled', retryAfterMs: gate.retryAfterMs };
    }
    // Counted before the slow scrypt check so that parallel guesses are throttled as well.
    throttle.failure(client);
    const account = accounts.get(username);
    const valid = await verifySecret(password, account?.passwordHash ?? (await decoyHash()));
    if (!account || !valid) {
      audit('login_failure', { username, client });
      return { ok: false, reason: 'invalid_credentials' };
    }
    throttle.success(client);
    const token = generateToken();
    const expiresAt = clock.now() + deps.tokenTtlMs;
    const created = sessions.create({ tokenHash: hashToken(token), username: account.username, expiresAt });
    // The account was deleted between the check and the insert.
    if (!created.ok) return { ok: false, reason: 'invalid_credentials' };
    sessions.deleteExpired(clock.now());
    audit('login_success', { username: account.username, client, role: account.role });
    return { ok: true, token, expiresAt, role: account.role };
  }

  function authenticate(bearer: string): Principal | undefined {
    if (bearer.startsWith(API_KEY_PREFIX)) {
      const key = apiKeys.findActiveByHash(hashToken(bearer));
      return key ? { kind: 'api_key', name: key.name, role: key.role, keyId: key.id } : undefined;
    }
    const s = sessions.findValid(hashToken(bearer), clock.now());
    return s ? { kind: 'session', name: s.username, role: s.role } : undefined;
  }

  async function setPassword(username: string, password: string, role?: AdminRole): Promise<RepoResult<{ username: string; role: AdminRole }>> {
    if (password.length < MIN_PASSWORD_LENGTH) return failure('invalid_input', `password shorter than ${MIN_PASSWORD_LENGTH}`);
    const hash = await hashSecret(password);
    const existing = accounts.get(username);
    const r = deps.db.withTransaction(() => {
      if (!existing) return accounts.create({ username, role: role ?? 'admin', passwordHash: hash });
      const updated = accounts.setPasswordHash(username, hash);
      return updated.ok && role !== undefined && role !== updated.value.role ? accounts.setRole(username, role) : updated;
    });
    return r.ok ? success(r.code, { username: r.value.username, role: r.value.role }) : r;
  }

  return {
    login,
    authenticate,
    setPassword,

    logout(bearer: string): boolean {
      return sessions.delete(hashToken(bearer));
    },

    /**
     * First start: when no account exists, create `admin` with a random password and return it
     * (once) for the caller to show the operator. Returns undefined when accounts exist.
     */
    async ensureInitialAdmin(): Promise<{ username: string; password: string } | undefined> {
      if (accounts.list().length > 0) return undefined;
      const password = randomBytes(18).toString('base64url');
      const r = accounts.create({ username: INITIAL_ADMIN, role: 'admin', passwordHash: await hashSecret(password) });
      // Another process created it meanwhile: keep theirs.
      return r.ok ? { username: INITIAL_ADMIN, password } : undefined;
    },

    listAccounts(): Array<{ username: string; role: AdminRole }> {
      return accounts.list().map((a) => ({ username: a.username, role: a.role }));
    },

    deleteAccount(username: string): RepoResult<{ username: string }> {
      return accounts.delete(username);
    },

    /** A new API key; the key itself is in the result only, never stored. */
    createApiKey(name: string, role: AdminRole): RepoResult<ApiKeyView & { key: string }> {
      const key = API_KEY_PREFIX + generateToken();
      const r = apiKeys.create({ name, role, keyHash: hashToken(key) });
      if (!r.ok) return r;
      audit('api_key_created', { id: r.value.id, name, role });
      return success('created', { ...apiKeyView(r.value), key });
    },

    listApiKeys(): ApiKeyView[] {
      return apiKeys.list().map(apiKeyView);
    },

    revokeApiKey(id: string): RepoResult<ApiKeyView> {
      const r = apiKeys.revoke(id);
      if (r.ok) audit('api_key_revoked', { id });
      return r.ok ? success(r.code, apiKeyView(r.value)) : r;
    },
  };
}

function apiKeyView(k: { id: string; name: string; role: AdminRole; createdAt: number; revokedAt: number | null }): ApiKeyView {
  return {
    id: k.id,
    name: k.name,
    role: k.role,
    created_at: secondsOf(k.createdAt),
    revoked_at: k.revokedAt === null ? null : secondsOf(k.revokedAt),
  };
}
