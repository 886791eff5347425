import type { Clock } from '../core/clock.ts';
import type { AdminRole } from './admin-accounts.ts';
import type { Db } from './database.ts';
import { failure, success, type RepoResult } from './result-codes.ts';

/** Login sessions, stored by `hashToken(token)`: a copy of the database yields no usable token. */
export interface SessionRow {
  readonly tokenHash: string;
  readonly username: string;
  readonly role: AdminRole;
  readonly createdAt: number;
  readonly expiresAt: number;
}

interface SessionDbRow {
  token_hash: string;
  username: string;
  role: AdminRole;
  created_at: number;
  expires_at: number;
}

const toRow = (r: SessionDbRow): SessionRow => ({
  tokenHash: r.token_hash,
  username: r.username,
  role: r.role,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
});

export type SessionsRepository = ReturnType<typeof createSessionsRepository>;

export function createSessionsRepository(db: Db, clock: Clock) {
  const s = db.sqlite;
  const SELECT = `SELECT s.token_hash, s.username, a.role, s.created_at, s.expires_at
    FROM sessions s JOIN admin_accounts a ON a.username = s.username`;
  const valid = s.prepare<[string, number], SessionDbRow>(`${SELECT} WHERE s.token_hash = ? AND s.expires_at > ?`);
  const accountExists = s.prepare<[string], { one: 1 }>('SELECT 1 AS one FROM admin_accounts WHERE username = ?');
  const insert = s.prepare<[string, string, number, number]>(
    'INSERT INTO sessions (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)',
  );
  const del = s.prepare<[string]>('DELETE FROM sessions WHERE token_hash = ?');
  const purge = s.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');

  return {
    create(x: { tokenHash: string; username: string; expiresAt: number }): RepoResult<SessionRow> {
      if (!/^[0-9a-f]{64}$/.test(x.tokenHash)) return failure('invalid_input', 'tokenHash');
      return db.attempt(() => {
        if (!accountExists.get(x.username)) return failure('entity_not_found', 'admin account');
        const now = clock.now();
        insert.run(x.tokenHash, x.username, now, x.expiresAt);
        return success('created', toRow(valid.get(x.tokenHash, Number.MIN_SAFE_INTEGER)!));
      });
    },
    /** The session with this hash unless it has expired at `nowMs`; the role is the account's current one. */
    findValid: (tokenHash: string, nowMs: number): SessionRow | undefined => {
      const r = valid.get(tokenHash, nowMs);
      return r ? toRow(r) : undefined;
    },
    delete: (tokenHash: string): boolean => del.run(tokenHash).changes > 0,
    deleteExpired: (nowMs: number): number => purge.run(nowMs).changes,
  };
}
