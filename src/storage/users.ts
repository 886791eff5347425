import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Db } from './database.ts';
import { failure, success, type RepoResult } from './result-codes.ts';
import { constraintKind } from './sqlite-errors.ts';
import { clampLimit, definedOnly, isOptionalText } from './validate.ts';

export const OWNER_TYPES = ['owner', 'guest'] as const;
export type OwnerType = (typeof OWNER_TYPES)[number];

export interface UserRow {
  readonly uuid: string;
  readonly linkId: string | null;
  readonly name: string;
  readonly ownerType: OwnerType;
  /** E.164 (`+` and up to 15 digits), unique when set. */
  readonly phone: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  /** Wall-clock ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface UserInput {
  readonly uuid?: string;
  readonly linkId?: string | null;
  readonly name: string;
  readonly ownerType: OwnerType;
  readonly phone?: string | null;
  readonly firstName?: string | null;
  readonly lastName?: string | null;
}

export type UserPatch = Partial<Omit<UserInput, 'uuid'>>;

/** A user as an identifier's owner is matched: three columns, no row object of every column. */
export interface UserRef {
  readonly uuid: string;
  readonly name: string;
  readonly ownerType: OwnerType;
}

/** Result of the seed 002 create-or-update: the row, and whether others share its name. */
export interface UpsertedUser {
  readonly user: UserRow;
  readonly hasDuplicates: boolean;
}

const E164 = /^\+[1-9][0-9]{1,14}$/;
const MAX_TEXT = 256;

interface UserDbRow {
  uuid: string;
  link_id: string | null;
  name: string;
  owner_type: OwnerType;
  phone: string | null;
  first_name: string | null;
  last_name: string | null;
  created_at: number;
  updated_at: number;
}

function toRow(r: UserDbRow): UserRow {
  return {
    uuid: r.uuid,
    linkId: r.link_id,
    name: r.name,
    ownerType: r.owner_type,
    phone: r.phone,
    firstName: r.first_name,
    lastName: r.last_name,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function invalidField(u: Omit<UserInput, 'uuid'>): string | undefined {
  if (typeof u.name !== 'string' || u.name.length === 0 || u.name.length > MAX_TEXT) return 'name';
  if (!(OWNER_TYPES as readonly string[]).includes(u.ownerType)) return 'ownerType';
  if (u.phone != null && !E164.test(u.phone)) return 'phone';
  if (!isOptionalText(u.linkId, MAX_TEXT) || u.linkId === '') return 'linkId';
  if (!isOptionalText(u.firstName, MAX_TEXT)) return 'firstName';
  if (!isOptionalText(u.lastName, MAX_TEXT)) return 'lastName';
  return undefined;
}

export type UsersRepository = ReturnType<typeof createUsersRepository>;

export function createUsersRepository(db: Db, clock: Clock) {
  const s = db.sqlite;
  const byUuid = s.prepare<[string], UserDbRow>('SELECT * FROM users WHERE uuid = ?');
  const byLinkId = s.prepare<[string], UserDbRow>('SELECT * FROM users WHERE link_id = ?');
  const byPhone = s.prepare<[string], UserDbRow>('SELECT * FROM users WHERE phone = ?');
  const byName = s.prepare<[string], UserDbRow>('SELECT * FROM users WHERE name = ? ORDER BY created_at, uuid');
  const refByUuid = s.prepare<[string]>('SELECT uuid, name, owner_type FROM users WHERE uuid = ?').raw(true);
  // No ORDER BY: sorting (a temp b-tree per call) tripled the cost, and callers only use the rows
  // to tell none, one and several apart.
  const refsByName = s.prepare<[string, number]>('SELECT uuid, name, owner_type FROM users WHERE name = ? LIMIT ?').raw(true);
  const countName = s.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM users WHERE name = ?');
  const page = s.prepare<[string, number], UserDbRow>('SELECT * FROM users WHERE uuid > ? ORDER BY uuid LIMIT ?');
  const insert = s.prepare(
    `INSERT INTO users (uuid, link_id, name, owner_type, phone, first_name, last_name, created_at, updated_at)
     VALUES (@uuid, @link_id, @name, @owner_type, @phone, @first_name, @last_name, @now, @now)`,
  );
  const updateStmt = s.prepare(
    `UPDATE users SET link_id = @link_id, name = @name, owner_type = @owner_type, phone = @phone,
       first_name = @first_name, last_name = @last_name, updated_at = @now WHERE uuid = @uuid`,
  );
  const del = s.prepare<[string]>('DELETE FROM users WHERE uuid = ?');

  function params(uuid: string, u: Omit<UserInput, 'uuid'>) {
    return {
      uuid,
      link_id: u.linkId ?? null,
      name: u.name,
      owner_type: u.ownerType,
      phone: u.phone ?? null,
      first_name: u.firstName ?? null,
      last_name: u.lastName ?? null,
      now: clock.now(),
    };
  }

  /** Unique link_id/phone clashes come back as has_dublicates naming the field. */
  function write(stmt: typeof insert, uuid: string, u: Omit<UserInput, 'uuid'>): RepoResult<UserRow> | undefined {
    const conflict = conflictWith(uuid, u);
    if (conflict) return failure('has_dublicates', conflict);
    try {
      stmt.run(params(uuid, u));
      return undefined;
    } catch (err) {
      if (constraintKind(err) === 'unique' || constraintKind(err) === 'primary_key') return failure('has_dublicates', 'uuid');
      throw err;
    }
  }

  function conflictWith(uuid: string, u: Omit<UserInput, 'uuid'>): string | undefined {
    if (u.linkId != null) {
      const other = byLinkId.get(u.linkId);
      if (other && other.uuid !== uuid) return 'linkId';
    }
    if (u.phone != null) {
      const other = byPhone.get(u.phone);
      if (other && other.uuid !== uuid) return 'phone';
    }
    return undefined;
  }

  function create(input: UserInput): RepoResult<UserRow> {
    const bad = invalidField(input);
    if (bad) return failure('invalid_input', bad);
    const uuid = input.uuid ?? randomUUID();
    return db.attempt(() => {
      if (byUuid.get(uuid)) return failure('has_dublicates', 'uuid');
      return write(insert, uuid, input) ?? success('created', toRow(byUuid.get(uuid)!));
    });
  }

  function update(uuid: string, patch: UserPatch): RepoResult<UserRow> {
    return db.attempt(() => {
      const current = byUuid.get(uuid);
      if (!current) return failure('entity_not_found', 'user');
      const merged = { ...fromRow(toRow(current)), ...definedOnly(patch) };
      const bad = invalidField(merged);
      if (bad) return failure('invalid_input', bad);
      return write(updateStmt, uuid, merged) ?? success('updated', toRow(byUuid.get(uuid)!));
    });
  }

  /**
   * Seed 002: a user with the same link_id, else the only user with the same name, is updated;
   * otherwise one is created. Several users already sharing the name cannot be told apart, so
   * that is refused as has_dublicates.
   */
  function upsert(input: UserInput): RepoResult<UpsertedUser> {
    return db.attempt(() => {
      const byLink = input.linkId != null ? byLinkId.get(input.linkId) : undefined;
      const sameName = byLink ? [] : byName.all(input.name);
      if (sameName.length > 1) return failure('has_dublicates', 'name');
      const target = byLink ?? sameName[0];
      const result = target ? update(target.uuid, input) : create(input);
      if (!result.ok) return result;
      const hasDuplicates = countName.get(result.value.name)!.n > 1;
      return success(result.code, { user: result.value, hasDuplicates });
    });
  }

  function remove(uuid: string): RepoResult<{ uuid: string }> {
    return del.run(uuid).changes > 0 ? success('deleted', { uuid }) : failure('entity_not_found', 'user');
  }

  return {
    create,
    update,
    upsert,
    /** Deleting a user deletes their identifiers (ON DELETE CASCADE). */
    delete: remove,
    get: (uuid: string): UserRow | undefined => map(byUuid.get(uuid)),
    findByLinkId: (linkId: string): UserRow | undefined => map(byLinkId.get(linkId)),
    findByPhone: (phone: string): UserRow | undefined => map(byPhone.get(phone)),
    findByName: (name: string): UserRow[] => byName.all(name).map(toRow),
    countByName: (name: string): number => countName.get(name)!.n,
    refOf(uuid: string): UserRef | undefined {
      const r = refByUuid.get(uuid) as RefRow | undefined;
      return r && refOfRow(r);
    },
    /** Up to `limit` users with this name, in no particular order. */
    refsByName: (name: string, limit: number): UserRef[] =>
      (refsByName.all(name, limit) as RefRow[]).map(refOfRow),
    /** Keyset pagination by uuid: pass the last uuid of the previous page. */
    list: (opts: { after?: string; limit?: number } = {}): UserRow[] =>
      page.all(opts.after ?? '', clampLimit(opts.limit)).map(toRow),
    exists: (uuid: string): boolean => byUuid.get(uuid) !== undefined,
  };
}

type RefRow = [string, string, OwnerType];

function refOfRow(r: RefRow): UserRef {
  return { uuid: r[0], name: r[1], ownerType: r[2] };
}

function map(r: UserDbRow | undefined): UserRow | undefined {
  return r ? toRow(r) : undefined;
}

function fromRow(r: UserRow): Omit<UserInput, 'uuid'> {
  return { linkId: r.linkId, name: r.name, ownerType: r.ownerType, phone: r.phone, firstName: r.firstName, lastName: r.lastName };
}
