/**
 * Seed 001 "Create Access Key": a keypad code or an RFID card for a new or existing user.
 *
 * - userId: an E.164 number (mobile-style users, identified by phone: created when unknown), the
 *   link_id of an existing user, or absent (a new user from firstName/lastName). Names are ignored
 *   for an existing user.
 * - code keys become inputCode identifiers (4–8 digits, `*` generates a free one); rfid keys become
 *   card identifiers with their Wiegand format name (and an optional PIN, stored hashed).
 * - accessIds are the locks the key opens (first, second, all).
 * The user and the key are written in one transaction: a refused key creates no user.
 *
 * An access key is a view of an inputCode (code) or card (rfid) identifier, whoever created it: get,
 * list and delete see every such identifier, and nothing else. Deleting removes the credential
 * (storage, then the index after the commit) and keeps the user. A code key's digits are the
 * secret itself: only admins see them; PINs are never shown, only whether one is set.
 */
import { randomUUID } from 'node:crypto';
import type { IdentifierType } from '../access/identifier-key.ts';
import type { LockScope } from '../access/lock-scope.ts';
import type { Clock } from '../core/clock.ts';
import type { AdminRole } from '../storage/admin-accounts.ts';
import { createCodeSpace } from '../storage/code-space.ts';
import type { Db } from '../storage/database.ts';
import type { IdentifierRow, IdentifiersRepository } from '../storage/identifiers.ts';
import { failure, success, type RepoResult } from '../storage/result-codes.ts';
import { hashSecret } from '../storage/secret-hash.ts';
import type { UserRow, UsersRepository } from '../storage/users.ts';
import type { JournalSink, Principal } from './auth.ts';
import { runOne } from './chunked-batch.ts';
import { generateFreeCode } from './free-code.ts';
import type { Page } from './identifiers.ts';
import type { IndexSync } from './index-sync.ts';

export const GENERATE_CODE = '*';
const GENERATED_CODE_LENGTH = 6;
const E164 = /^\+[1-9][0-9]{1,14}$/;
/** What a non-admin sees instead of a code key's digits (fixed: the code's length is not shown either). */
export const MASKED_CODE = '****';

export type AccessKeyType = 'code' | 'rfid';

/** The identifier type behind each key type: a table, so get/list/delete agree on what a key is. */
const IDENTIFIER_TYPE_OF: Readonly<Record<AccessKeyType, IdentifierType>> = { code: 'inputCode', rfid: 'card' };
const KEY_TYPE_OF: Readonly<Partial<Record<IdentifierType, AccessKeyType>>> = { inputCode: 'code', card: 'rfid' };
const KEY_TYPES = Object.keys(IDENTIFIER_TYPE_OF) as AccessKeyType[];

export const ACCESS_KEY_JOURNAL = { created: 'access_key_created', deleted: 'access_key_deleted' } as const;

export interface AccessKeyRequest {
  readonly userId?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly keyType: AccessKeyType;
  readonly keyFormat?: string;
  /** Digits, or `*` for a generated code. */
  readonly keyNumber: string;
  readonly name?: string;
  readonly pin?: string;
  readonly lock: LockScope;
  /** Unix seconds. */
  readonly validFrom?: number;
  readonly validTo?: number;
}

/** An access key as answered (seed 001 field names); never a PIN. */
export interface AccessKeyView {
  /** The identifier uid. */
  readonly id: string;
  /** The user's link_id. */
  readonly userId: string | null;
  readonly keyType: AccessKeyType;
  readonly keyFormat: string | null;
  /** Card number (decimal), or the code's digits: MASKED_CODE for a non-admin viewer. */
  readonly keyNumber: string;
  readonly hasPin: boolean;
  readonly name: string | null;
  readonly accessIds: readonly LockScope[];
  /** ISO 8601, UTC. */
  readonly validFrom: string | null;
  readonly validTo: string | null;
}

export interface AccessKeyListQuery {
  /** An E.164 phone or a link_id, as in create. */
  readonly userId?: string;
  readonly keyType?: AccessKeyType;
  readonly after?: string;
  readonly limit?: number;
}

const isoOf = (s: number | null): string | null => (s === null ? null : new Date(s * 1000).toISOString());
const byUid = (a: IdentifierRow, b: IdentifierRow): number => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0);

export interface AccessKeysServiceDeps {
  readonly db: Db;
  readonly users: UsersRepository;
  readonly identifiers: IdentifiersRepository;
  readonly indexSync: IndexSync;
  readonly clock: Clock;
  /** Creations and deletions are journaled with the caller (never the digits or the PIN). */
  readonly journal?: JournalSink;
}

export type AccessKeysService = ReturnType<typeof createAccessKeysService>;

export function createAccessKeysService(deps: AccessKeysServiceDeps) {
  const { db, users, identifiers, indexSync, clock } = deps;
  const codeSpace = createCodeSpace(db);

  /** The user a userId names: by phone for E.164, else by link_id. */
  function findUser(userId: string): UserRow | undefined {
    return E164.test(userId) ? users.findByPhone(userId) : users.findByLinkId(userId);
  }

  /** The key's user, inside the transaction. */
  function userFor(req: AccessKeyRequest): RepoResult<UserRow> {
    const fullName = [req.firstName, req.lastName].filter((s) => s !== undefined && s !== '').join(' ');
    const fresh = (phone: string | null): RepoResult<UserRow> => {
      const uuid = randomUUID();
      return users.create({
        uuid, linkId: uuid, phone, firstName: req.firstName ?? null, lastName: req.lastName ?? null,
        name: fullName || phone || req.name || 'Access key holder', ownerType: 'owner',
      });
    };
    if (req.userId === undefined) return fresh(null);
    const existing = findUser(req.userId);
    if (existing) return success('updated', existing);
    return E164.test(req.userId) ? fresh(req.userId) : failure('entity_not_found', 'userId');
  }

  /** The identifier behind a key id, if it is a code or card. */
  function keyRow(id: string): { row: IdentifierRow; keyType: AccessKeyType } | undefined {
    const row = identifiers.get(id);
    const keyType = row && KEY_TYPE_OF[row.type];
    return row && keyType ? { row, keyType } : undefined;
  }

  function view(row: IdentifierRow, keyType: AccessKeyType, viewer: AdminRole, user = users.get(row.userUuid)): AccessKeyView {
    return {
      id: row.uid,
      userId: user?.linkId ?? null,
      keyType,
      keyFormat: row.format,
      keyNumber: keyType === 'code' && viewer !== 'admin' ? MASKED_CODE : row.number,
      hasPin: row.pinHash !== null,
      name: row.name,
      accessIds: [row.lock],
      validFrom: isoOf(row.validFrom),
      validTo: isoOf(row.validTo),
    };
  }

  /** After the commit: who did what to which key; the number and PIN never reach the journal. */
  function journal(type: string, key: { id: string; keyType: AccessKeyType; userId: string | null }, caller: Principal | undefined): void {
    deps.journal?.append({
      ts: clock.now(),
      type,
      identifierUid: key.id,
      details: {
        keyType: key.keyType,
        userId: key.userId,
        caller: caller?.name ?? null,
        caller_kind: caller?.kind ?? null,
        role: caller?.role ?? null,
      },
    });
  }

  return {
    /** The answer shows the key number in full: only admins create keys. */
    async create(req: AccessKeyRequest, caller?: Principal): Promise<RepoResult<AccessKeyView>> {
      if (req.validFrom !== undefined && req.validTo !== undefined && !(req.validFrom < req.validTo)) {
        return failure('invalid_time_rules_settings', 'validFrom must be before validTo');
      }
      const pinHash = req.pin === undefined ? undefined : await hashSecret(req.pin, 'pin');
      return runOne(db, (afterCommit) => {
        const r = db.attempt((): RepoResult<AccessKeyView> => {
          const keyNumber = req.keyNumber === GENERATE_CODE ? generateFreeCode(codeSpace, GENERATED_CODE_LENGTH) : req.keyNumber;
          if (keyNumber === undefined) return failure('number_of_identifiers_exceeded', 'no free code');
          const user = userFor(req);
          if (!user.ok) return user;
          const created = identifiers.create({
            type: IDENTIFIER_TYPE_OF[req.keyType],
            number: req.keyType === 'code' ? keyNumber : BigInt(keyNumber),
            format: req.keyType === 'rfid' ? (req.keyFormat ?? null) : null,
            userUuid: user.value.uuid,
            lock: req.lock,
            name: req.name ?? null,
            pinHash: pinHash ?? null,
            validFrom: req.validFrom ?? null,
            validTo: req.validTo ?? null,
          });
          return created.ok ? success('created', view(created.value, req.keyType, 'admin', user.value)) : created;
        });
        if (r.ok) {
          afterCommit(() => {
            indexSync.saved(r.value.id);
            journal(ACCESS_KEY_JOURNAL.created, r.value, caller);
          });
        }
        return r;
      });
    },

    get(id: string, viewer: AdminRole): AccessKeyView | undefined {
      const key = keyRow(id);
      return key && view(key.row, key.keyType, viewer);
    },

    /** Keyset pages by id (uid order), like the identifier list; an unknown userId is entity_not_found. */
    list(q: AccessKeyListQuery, viewer: AdminRole): RepoResult<Page<AccessKeyView>> {
      const limit = q.limit ?? 100;
      const after = q.after ?? '';
      const types = q.keyType === undefined ? KEY_TYPES : [q.keyType];
      const wanted = new Set(types.map((t) => IDENTIFIER_TYPE_OF[t]));
      let rows: IdentifierRow[];
      if (q.userId !== undefined) {
        const user = findUser(q.userId);
        if (!user) return failure('entity_not_found', 'userId');
        rows = identifiers.listByUser(user.uuid).filter((r) => wanted.has(r.type) && r.uid > after);
      } else {
        // One page per identifier type, merged: the first `limit` of the union in uid order.
        rows = types.flatMap((t) => identifiers.list({ type: IDENTIFIER_TYPE_OF[t], after, limit }));
      }
      rows = rows.sort(byUid).slice(0, limit);
      const last = rows.length === limit ? rows[rows.length - 1] : undefined;
      return success('updated', { items: rows.map((r) => view(r, KEY_TYPE_OF[r.type]!, viewer)), next_after: last?.uid ?? null });
    },

    /** Deletes the key's credential (the user stays); the index forgets it after the commit. */
    remove(id: string, caller?: Principal): RepoResult<{ id: string; keyType: AccessKeyType; userId: string | null }> {
      return runOne(db, (afterCommit) => {
        const key = keyRow(id);
        if (!key) return failure('entity_not_found', 'access key');
        const indexId = indexSync.idOf(id);
        const r = identifiers.delete(id);
        if (!r.ok) return r;
        const deleted = { id, keyType: key.keyType, userId: users.get(key.row.userUuid)?.linkId ?? null };
        afterCommit(() => {
          if (indexId !== undefined) indexSync.removed(indexId);
          journal(ACCESS_KEY_JOURNAL.deleted, deleted, caller);
        });
        return success('deleted', deleted);
      });
    },
  };
}
