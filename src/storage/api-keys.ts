import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { isAdminRole, type AdminRole } from './admin-accounts.ts';
import type { Db } from './database.ts';
import { failure, success, type RepoResult } from './result-codes.ts';

/** API keys are stored as `hashToken(key)` only; the key is shown to the operator once. */
export interface ApiKeyRow {
  readonly id: string;
  readonly name: string;
  readonly keyHash: string;
  readonly role: AdminRole;
  readonly createdAt: number;
  readonly revokedAt: number | null;
}

interface ApiKeyDbRow {
  id: string;
  name: string;
  key_hash: string;
  role: AdminRole;
  created_at: number;
  revoked_at: number | null;
}

const toRow = (r: ApiKeyDbRow): ApiKeyRow => ({
  id: r.id,
  name: r.name,
  keyHash: r.key_hash,
  role: r.role,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});

const TOKEN_HASH = /^[0-9a-f]{64}$/;

export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>;

export function createApiKeysRepository(db: Db, clock: Clock) {
  const s = db.sqlite;
  const byId = s.prepare<[string], ApiKeyDbRow>('SELECT * FROM api_keys WHERE id = ?');
  const activeByHash = s.prepare<[string], ApiKeyDbRow>('SELECT * FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL');
  const all = s.prepare<[], ApiKeyDbRow>('SELECT * FROM api_keys ORDER BY created_at, id');
  const insert = s.prepare<[string, string, string, string, number]>(
    'INSERT INTO api_keys (id, name, key_hash, role, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)',
  );
  const revokeStmt = s.prepare<[number, string]>('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL');

  return {
    create(k: { id?: string; name: string; keyHash: string; role: AdminRole }): RepoResult<ApiKeyRow> {
      if (!TOKEN_HASH.test(k.keyHash)) return failure('invalid_input', 'keyHash');
      if (!isAdminRole(k.role)) return failure('invalid_input', 'role');
      if (typeof k.name !== 'string' || k.name.length === 0 || k.name.length > 128) return failure('invalid_input', 'name');
      const id = k.id ?? randomUUID();
      return db.attempt(() => {
        if (byId.get(id) || activeByHash.get(k.keyHash)) return failure('has_dublicates', 'api key');
        insert.run(id, k.name, k.keyHash, k.role, clock.now());
        return success('created', toRow(byId.get(id)!));
      });
    },
    /** The active (not revoked) key with this hash, for authenticating a request. */
    findActiveByHash: (keyHash: string): ApiKeyRow | undefined => {
      const r = activeByHash.get(keyHash);
      return r ? toRow(r) : undefined;
    },
    revoke(id: string): RepoResult<ApiKeyRow> {
      return revokeStmt.run(clock.now(), id).changes > 0 ? success('updated', toRow(byId.get(id)!)) : failure('entity_not_found', 'api key');
    },
    list: (): ApiKeyRow[] => all.all().map(toRow),
  };
}
