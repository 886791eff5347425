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
 */
import { randomUUID } from 'node:crypto';
import type { LockScope } from '../access/lock-scope.ts';
import type { Clock } from '../core/clock.ts';
import { createCodeSpace } from '../storage/code-space.ts';
import type { Db } from '../storage/database.ts';
import type { IdentifierRow, IdentifiersRepository } from '../storage/identifiers.ts';
import { failure, success, type RepoResult } from '../storage/result-codes.ts';
import { hashSecret } from '../storage/secret-hash.ts';
import type { UserRow, UsersRepository } from '../storage/users.ts';
import { runOne } from './chunked-batch.ts';
import { generateFreeCode } from './free-code.ts';
import type { IndexSync } from './index-sync.ts';

export const GENERATE_CODE = '*';
const GENERATED_CODE_LENGTH = 6;
const E164 = /^\+[1-9][0-9]{1,14}$/;

export interface AccessKeyRequest {
  readonly userId?: string;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly keyType: 'code' | 'rfid';
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

export interface CreatedAccessKey {
  readonly identifier: IdentifierRow;
  readonly user: UserRow;
  /** The key number as stored (the generated code for `*`). */
  readonly keyNumber: string;
}

export interface AccessKeysServiceDeps {
  readonly db: Db;
  readonly users: UsersRepository;
  readonly identifiers: IdentifiersRepository;
  readonly indexSync: IndexSync;
  readonly clock: Clock;
}

export type AccessKeysService = ReturnType<typeof createAccessKeysService>;

export function createAccessKeysService(deps: AccessKeysServiceDeps) {
  const { db, users, identifiers, indexSync } = deps;
  const codeSpace = createCodeSpace(db);

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
    if (E164.test(req.userId)) {
      const byPhone = users.findByPhone(req.userId);
      return byPhone ? success('updated', byPhone) : fresh(req.userId);
    }
    const existing = users.findByLinkId(req.userId);
    return existing ? success('updated', existing) : failure('entity_not_found', 'userId');
  }

  return {
    async create(req: AccessKeyRequest): Promise<RepoResult<CreatedAccessKey>> {
      if (req.validFrom !== undefined && req.validTo !== undefined && !(req.validFrom < req.validTo)) {
        return failure('invalid_time_rules_settings', 'validFrom must be before validTo');
      }
      const pinHash = req.pin === undefined ? undefined : await hashSecret(req.pin, 'pin');
      return runOne(db, (afterCommit) => {
        const r = db.attempt((): RepoResult<CreatedAccessKey> => {
          const keyNumber = req.keyNumber === GENERATE_CODE ? generateFreeCode(codeSpace, GENERATED_CODE_LENGTH) : req.keyNumber;
          if (keyNumber === undefined) return failure('number_of_identifiers_exceeded', 'no free code');
          const user = userFor(req);
          if (!user.ok) return user;
          const created = identifiers.create({
            type: req.keyType === 'code' ? 'inputCode' : 'card',
            number: req.keyType === 'code' ? keyNumber : BigInt(keyNumber),
            format: req.keyType === 'rfid' ? (req.keyFormat ?? null) : null,
            userUuid: user.value.uuid,
            lock: req.lock,
            name: req.name ?? null,
            pinHash: pinHash ?? null,
            validFrom: req.validFrom ?? null,
            validTo: req.validTo ?? null,
          });
          return created.ok ? success('created', { identifier: created.value, user: user.value, keyNumber }) : created;
        });
        if (r.ok) afterCommit(() => indexSync.saved(r.value.identifier.uid));
        return r;
      });
    },
  };
}
