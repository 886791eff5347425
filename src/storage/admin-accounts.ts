import type { Clock } from '../core/clock.ts';
import type { Db } from './database.ts';
import { failure, success, type RepoResult } from './result-codes.ts';
import { isSecretHash } from './secret-hash.ts';

export const ADMIN_ROLES = ['admin', 'operator'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

export interface AdminAccountRow {
  readonly username: string;
  readonly role: AdminRole;
  /** `hashSecret(password, 'password')`; the password itself is never stored. */
  readonly passwordHash: string;
  readonly createdAt: number;
  readonly updatedAt: number;
}

interface AdminDbRow {
  username: string;
  role: AdminRole;
  password_hash: string;
  created_at: number;
  updated_at: number;
}

const toRow = (r: AdminDbRow): AdminAccountRow => ({
  username: r.username,
  role: r.role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function isAdminRole(s: unknown): s is AdminRole {
  return typeof s === 'string' && (ADMIN_ROLES as readonly string[]).includes(s);
}

export type AdminAccountsRepository = ReturnType<typeof createAdminAccountsRepository>;

export function createAdminAccountsRepository(db: Db, clock: Clock) {
  const s = db.sqlite;
  const byName = s.prepare<[string], AdminDbRow>('SELECT * FROM admin_accounts WHERE username = ?');
  const all = s.prepare<[], AdminDbRow>('SELECT * FROM admin_accounts ORDER BY username');
  const insert = s.prepare<[string, string, string, number, number]>(
    'INSERT INTO admin_accounts (username, role, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?, ?)',
  );
  const setHash = s.prepare<[string, number, string]>('UPDATE admin_accounts SET password_hash = ?, updated_at = ? WHERE username = ?');
  const setRoleStmt = s.prepare<[string, number, string]>('UPDATE admin_accounts SET role = ?, updated_at = ? WHERE username = ?');
  const del = s.prepare<[string]>('DELETE FROM admin_accounts WHERE username = ?');

  const current = (username: string) => toRow(byName.get(username)!);

  return {
    create(a: { username: string; role: AdminRole; passwordHash: string }): RepoResult<AdminAccountRow> {
      if (typeof a.username !== 'string' || !/^[A-Za-z0-9._@-]{1,64}$/.test(a.username)) return failure('invalid_input', 'username');
      if (!isAdminRole(a.role)) return failure('invalid_input', 'role');
      if (!isSecretHash(a.passwordHash)) return failure('invalid_input', 'passwordHash');
      return db.attempt(() => {
        if (byName.get(a.username)) return failure('has_dublicates', 'username');
        const now = clock.now();
        insert.run(a.username, a.role, a.passwordHash, now, now);
        return success('created', current(a.username));
      });
    },
    setPasswordHash(username: string, passwordHash: string): RepoResult<AdminAccountRow> {
      if (!isSecretHash(passwordHash)) return failure('invalid_input', 'passwordHash');
      return setHash.run(passwordHash, clock.now(), username).changes > 0
        ? success('updated', current(username))
        : failure('entity_not_found', 'admin account');
    },
    setRole(username: string, role: AdminRole): RepoResult<AdminAccountRow> {
      if (!isAdminRole(role)) return failure('invalid_input', 'role');
      return setRoleStmt.run(role, clock.now(), username).changes > 0
        ? success('updated', current(username))
        : failure('entity_not_found', 'admin account');
    },
    /** Deleting an account ends its sessions (ON DELETE CASCADE). */
    delete(username: string): RepoResult<{ username: string }> {
      return del.run(username).changes > 0 ? success('deleted', { username }) : failure('entity_not_found', 'admin account');
    },
    get: (username: string): AdminAccountRow | undefined => {
      const r = byName.get(username);
      return r ? toRow(r) : undefined;
    },
    list: (): AdminAccountRow[] => all.all().map(toRow),
  };
}
