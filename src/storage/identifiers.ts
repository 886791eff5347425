import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { isIdentifierType, type IdentifierType, type IdentifierValue } from '../access/identifier-key.ts';
import { createCodeSpace } from './code-space.ts';
import type { Db } from './database.ts';
import type { IdentifierIndexEntry } from './identifier-index-reader.ts';
import { storedNumber, valueFromStored } from './number-key.ts';
import { failure, success, type RepoResult } from './result-codes.ts';
import { isSecretHash } from './secret-hash.ts';
import { guardCredentialWrite } from './sqlite-errors.ts';
import { claim, writeTurnOf } from './write-turn.ts';
import { isLockScope, type LockScope } from '../access/lock-scope.ts';
import { clampLimit, definedOnly, isOptionalInt, isOptionalText, isWindowOrdered } from './validate.ts';

export interface IdentifierRow {
  readonly uid: string;
  readonly type: IdentifierType;
  /** Stored number text (see number-key.ts): decimal digits for numeric types. */
  readonly number: string;
  readonly bitLength: number | null;
  readonly format: string | null;
  readonly userUuid: string;
  readonly lock: LockScope;
  /** Unix seconds; null = open (permanent) on that side. */
  readonly validFrom: number | null;
  readonly validTo: number | null;
  /** null = unlimited passes. */
  readonly maxPasses: number | null;
  readonly passesUsed: number;
  /** scrypt hash from `hashSecret`, never the PIN. */
  readonly pinHash: string | null;
  readonly timeProfileId: string | null;
  readonly name: string | null;
  readonly enabled: boolean;
  /** Wall-clock ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly lastUsedAt: number | null;
}

export interface IdentifierInput {
  readonly uid?: string;
  readonly type: IdentifierType;
  readonly number: IdentifierValue;
  readonly bitLength?: number | null;
  readonly format?: string | null;
  readonly userUuid: string;
  readonly lock: LockScope;
  readonly validFrom?: number | null;
  readonly validTo?: number | null;
  readonly maxPasses?: number | null;
  /** Must already be a `hashSecret` result: clear text is refused. */
  readonly pinHash?: string | null;
  readonly timeProfileId?: string | null;
  readonly name?: string | null;
  readonly enabled?: boolean;
}

/** Absent/undefined fields stay as they are; `resetPasses` sets passes_used back to 0. */
export type IdentifierPatch = Partial<Omit<IdentifierInput, 'uid'>> & { readonly resetPasses?: boolean };

/** Seed 003 (ReplaceCardIfExists): the card's row and the user it was taken from, if any. */
export interface AssignedIdentifier {
  readonly identifier: IdentifierRow;
  readonly previousUserUuid: string | null;
}

export type ConsumePassResult =
  | { readonly ok: true; readonly passesUsed: number; readonly maxPasses: number | null }
  | { readonly ok: false; readonly reason: 'passes_exhausted' | 'entity_not_found' };

/**
 * An identifier found by number: enough to address it and, with the settings a seed 000 update
 * writes, to build its credential index entry without reading the row again.
 */
export interface IdentifierRef {
  readonly rowid: number;
  readonly uid: string;
  readonly userUuid: string;
  readonly type: IdentifierType;
  /** Stored number text. */
  readonly number: string;
  readonly passesUsed: number;
  readonly enabled: number;
  readonly hasPin: number;
  /** rowid of the time profile, null without one. */
  readonly timeProfileId: number | null;
}

/** What a seed 000 update writes when the type stays: owner, lock and validity. */
export interface IdentifierSettingsWrite {
  /** A new owner; undefined keeps the current one (and spares the foreign-key check). */
  readonly userUuid?: string;
  readonly lock: LockScope;
  readonly validFrom: number | null;
  readonly validTo: number | null;
  readonly maxPasses: number | null;
}

/** Per-type limit on how many identifiers may exist; absent = unlimited. */
export type IdentifierCapacity = Partial<Record<IdentifierType, number>>;

export interface IdentifiersRepositoryOptions {
  readonly clock: Clock;
  readonly capacity?: IdentifierCapacity;
}

interface IdentifierDbRow {
  uid: string;
  type: IdentifierType;
  number: string;
  bit_length: number | null;
  format: string | null;
  user_uuid: string;
  lock: LockScope;
  valid_from: number | null;
  valid_to: number | null;
  max_passes: number | null;
  passes_used: number;
  pin_hash: string | null;
  time_profile_id: string | null;
  name: string | null;
  enabled: 0 | 1;
  created_at: number;
  updated_at: number;
  last_used_at: number | null;
}

type RefRow = [number, string, string, IdentifierType, string, number, number, number, number | null];

type Fields = Omit<IdentifierDbRow, 'created_at' | 'updated_at' | 'last_used_at' | 'passes_used'>;

function toRow(r: IdentifierDbRow): IdentifierRow {
  return {
    uid: r.uid,
    type: r.type,
    number: r.number,
    bitLength: r.bit_length,
    format: r.format,
    userUuid: r.user_uuid,
    lock: r.lock,
    validFrom: r.valid_from,
    validTo: r.valid_to,
    maxPasses: r.max_passes,
    passesUsed: r.passes_used,
    pinHash: r.pin_hash,
    timeProfileId: r.time_profile_id,
    name: r.name,
    enabled: r.enabled === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastUsedAt: r.last_used_at,
  };
}

function toInput(r: IdentifierRow): Omit<IdentifierInput, 'uid'> {
  const { uid: _uid, passesUsed: _p, createdAt: _c, updatedAt: _u, lastUsedAt: _l, number, ...rest } = r;
  return { ...rest, number: valueFromStored(r.type, number) };
}

function validityProblem(i: Pick<IdentifierInput, 'validFrom' | 'validTo' | 'maxPasses'>): RepoResult<never> | undefined {
  if (!isOptionalInt(i.validFrom, 0) || !isOptionalInt(i.validTo, 0)) return failure('invalid_time_rules_settings', 'valid');
  if (!isWindowOrdered(i.validFrom ?? null, i.validTo ?? null)) return failure('invalid_time_rules_settings', 'valid_from after valid_to');
  if (!isOptionalInt(i.maxPasses, 0)) return failure('invalid_input', 'maxPasses');
  return undefined;
}

/** Shape checks that need no database: which field is wrong, or the normalised row fields. */
function normalise(uid: string, i: Omit<IdentifierInput, 'uid'>): RepoResult<Fields> {
  if (!isIdentifierType(i.type)) return failure('invalid_input', 'type');
  const number = storedNumber(i.type, i.number);
  if (number === undefined) return failure('invalid_input', 'number');
  if (typeof i.lock !== 'string' || !isLockScope(i.lock)) return failure('invalid_input', 'lock');
  if (!isOptionalInt(i.bitLength, 1, 1024)) return failure('invalid_input', 'bitLength');
  if (!isOptionalText(i.format, 64)) return failure('invalid_input', 'format');
  if (!isOptionalText(i.name, 256)) return failure('invalid_input', 'name');
  if (typeof i.userUuid !== 'string') return failure('invalid_input', 'userUuid');
  if (i.pinHash != null && !isSecretHash(i.pinHash)) return failure('invalid_input', 'pinHash');
  if (i.enabled !== undefined && typeof i.enabled !== 'boolean') return failure('invalid_input', 'enabled');
  const bad = validityProblem(i);
  if (bad) return bad;
  return success('created', {
    uid,
    type: i.type,
    number,
    bit_length: i.bitLength ?? null,
    format: i.format ?? null,
    user_uuid: i.userUuid,
    lock: i.lock,
    valid_from: i.validFrom ?? null,
    valid_to: i.validTo ?? null,
    max_passes: i.maxPasses ?? null,
    pin_hash: i.pinHash ?? null,
    time_profile_id: i.timeProfileId ?? null,
    name: i.name ?? null,
    enabled: i.enabled === false ? 0 : 1,
  });
}

export type IdentifiersRepository = ReturnType<typeof createIdentifiersRepository>;

export function createIdentifiersRepository(db: Db, opts: IdentifiersRepositoryOptions) {
  const { clock } = opts;
  const capacity: IdentifierCapacity = { ...opts.capacity };
  const s = db.sqlite;
  const codeSpace = createCodeSpace(db);
  const turn = writeTurnOf(db.path);
  const byUid = s.prepare<[string], IdentifierDbRow>('SELECT * FROM identifiers WHERE uid = ?');
  const byNumber = s.prepare<[string, string], IdentifierDbRow>('SELECT * FROM identifiers WHERE type = ? AND number = ?');
  const byUser = s.prepare<[string], IdentifierDbRow>('SELECT * FROM identifiers WHERE user_uuid = ? ORDER BY created_at, uid');
  const page = s.prepare<{ type: string | null; after: string; limit: number }, IdentifierDbRow>(
    'SELECT * FROM identifiers WHERE uid > @after AND (@type IS NULL OR type = @type) ORDER BY uid LIMIT @limit',
  );
  const userExists = s.prepare<[string], { one: 1 }>('SELECT 1 AS one FROM users WHERE uuid = ?');
  const profileExists = s.prepare<[string], { one: 1 }>('SELECT 1 AS one FROM time_profiles WHERE id = ?');
  const countOf = s.prepare<[string], { n: number }>('SELECT n FROM identifier_counts WHERE type = ?');
  const insert = s.prepare<Fields & { now: number }>(
    `INSERT INTO identifiers (uid, type, number, bit_length, format, user_uuid, lock, valid_from, valid_to,
       max_passes, passes_used, pin_hash, time_profile_id, name, enabled, created_at, updated_at)
     VALUES (@uid, @type, @number, @bit_length, @format, @user_uuid, @lock, @valid_from, @valid_to,
       @max_passes, 0, @pin_hash, @time_profile_id, @name, @enabled, @now, @now)`,
  );
  const updateStmt = s.prepare<Fields & { now: number; reset: 0 | 1 }>(
    `UPDATE identifiers SET type = @type, number = @number, bit_length = @bit_length, format = @format,
       user_uuid = @user_uuid, lock = @lock, valid_from = @valid_from, valid_to = @valid_to,
       max_passes = @max_passes, pin_hash = @pin_hash, time_profile_id = @time_profile_id, name = @name,
       enabled = @enabled, updated_at = @now,
       passes_used = CASE WHEN @reset = 1 THEN 0 ELSE passes_used END
     WHERE uid = @uid`,
  );
  // The profile subquery only runs for the rare identifier bound to a time profile.
  const refByNumber = s
    .prepare<[string, string]>(
      `SELECT rowid, uid, user_uuid, type, number, passes_used, enabled, pin_hash IS NOT NULL,
         CASE WHEN time_profile_id IS NULL THEN NULL ELSE (SELECT rowid FROM time_profiles WHERE id = time_profile_id) END
       FROM identifiers WHERE type = ? AND number = ?`,
    )
    .raw(true);
  // Plain UPDATEs: the caller builds the index entry from what it located and wrote. A RETURNING of
  // the index columns (correlated subqueries) cost 2–3× the update itself.
  const settingsSql = (owner: string) =>
    `UPDATE identifiers SET ${owner} lock = @lock, valid_from = @validFrom, valid_to = @validTo, max_passes = @maxPasses,
       updated_at = @now WHERE rowid = @rowid`;
  const writeSettingsStmt = s.prepare(settingsSql(''));
  const writeSettingsAndOwner = s.prepare(settingsSql('user_uuid = @userUuid,'));
  const del = s.prepare<[string]>('DELETE FROM identifiers WHERE uid = ?');
  // One statement = check and increment together: it cannot pass max_passes whatever the interleaving.
  const consume = s.prepare<[number, string], { passes_used: number; max_passes: number | null }>(
    `UPDATE identifiers SET passes_used = passes_used + 1, last_used_at = ?
     WHERE uid = ? AND (max_passes IS NULL OR passes_used < max_passes)
     RETURNING passes_used, max_passes`,
  );

  function count(type: IdentifierType): number {
    return countOf.get(type)?.n ?? 0;
  }

  /** Checks that need the database; runs inside the caller's transaction. */
  function conflicts(f: Fields, addsToType: boolean): RepoResult<never> | undefined {
    if (!userExists.get(f.user_uuid)) return failure('entity_not_found', 'user');
    if (f.time_profile_id !== null && !profileExists.get(f.time_profile_id)) {
      return failure('bound_time_profile_doesnt_exist', f.time_profile_id);
    }
    const same = byNumber.get(f.type, f.number);
    if (same && same.uid !== f.uid) return failure('number_taken_by_another_identifier', same.uid);
    if (f.type === 'inputCode' && codeSpace.takenByAccessCode(f.number)) {
      return failure('number_taken_by_another_identifier', 'access code');
    }
    const limit = capacity[f.type];
    if (addsToType && limit !== undefined && count(f.type) >= limit) {
      return failure(f.type === 'face_id' ? 'number_of_face_identifiers_exceeded' : 'number_of_identifiers_exceeded', f.type);
    }
    return undefined;
  }

  function create(input: IdentifierInput): RepoResult<IdentifierRow> {
    const uid = input.uid ?? randomUUID();
    const n = normalise(uid, input);
    if (!n.ok) return n;
    return db.attempt(() =>
      guardCredentialWrite('uid', () => {
        if (byUid.get(uid)) return failure('has_dublicates', 'uid');
        const bad = conflicts(n.value, true);
        if (bad) return bad;
        insert.run({ ...n.value, now: clock.now() });
        return success('created', toRow(byUid.get(uid)!));
      }),
    );
  }

  function update(uid: string, patch: IdentifierPatch): RepoResult<IdentifierRow> {
    return db.attempt(() =>
      guardCredentialWrite('uid', () => {
        const current = byUid.get(uid);
        if (!current) return failure('entity_not_found', 'identifier');
        if (patch.type === 'face_id' && current.type !== 'face_id') return failure('face_id_not_supported');
        const { resetPasses, ...fields } = patch;
        const n = normalise(uid, { ...toInput(toRow(current)), ...definedOnly(fields) });
        if (!n.ok) return n;
        const bad = conflicts(n.value, n.value.type !== current.type);
        if (bad) return bad;
        updateStmt.run({ ...n.value, now: clock.now(), reset: resetPasses ? 1 : 0 });
        return success('updated', toRow(byUid.get(uid)!));
      }),
    );
  }

  /**
   * Seed 003 ReplaceCardIfExists: give the identifier with this (type, number) to `input.userUuid`,
   * taking it from its previous owner if needed (same row, same uid, pass count kept); create it
   * when it does not exist.
   */
  function assignToUser(input: IdentifierInput): RepoResult<AssignedIdentifier> {
    return db.attempt(() => {
      const number = isIdentifierType(input.type) ? storedNumber(input.type, input.number) : undefined;
      if (number === undefined) return failure('invalid_input', 'number');
      const existing = byNumber.get(input.type, number);
      const { uid: _ignored, ...fields } = input;
      const result = existing ? update(existing.uid, fields) : create(input);
      if (!result.ok) return result;
      return success(result.code, { identifier: result.value, previousUserUuid: existing?.user_uuid ?? null });
    });
  }

  /**
   * The seed 000 update of an identifier that keeps its type and number: one statement, so it is
   * atomic without a savepoint of its own. No uniqueness, code-space or capacity check is needed
   * (type and number stay); the owner must exist (the foreign key is the check). `ref` must have
   * been located in the same transaction. Returns the identifier's index entry as written.
   */
  function writeSettings(ref: IdentifierRef, w: IdentifierSettingsWrite): RepoResult<IdentifierIndexEntry> {
    if (typeof w.lock !== 'string' || !isLockScope(w.lock)) return failure('invalid_input', 'lock');
    const bad = validityProblem(w);
    if (bad) return bad;
    return guardCredentialWrite('uid', () => {
      const params = { lock: w.lock, validFrom: w.validFrom, validTo: w.validTo, maxPasses: w.maxPasses, now: clock.now(), rowid: ref.rowid };
      const changes = (w.userUuid === undefined ? writeSettingsStmt.run(params) : writeSettingsAndOwner.run({ ...params, userUuid: w.userUuid })).changes;
      if (changes === 0) return failure('entity_not_found', 'identifier');
      return success('updated', {
        id: ref.rowid,
        type: ref.type,
        number: ref.number,
        lock: w.lock,
        validFrom: w.validFrom,
        validTo: w.validTo,
        maxPasses: w.maxPasses,
        passesUsed: ref.passesUsed,
        enabled: ref.enabled,
        hasPin: ref.hasPin,
        timeProfileId: ref.timeProfileId,
      });
    });
  }

  function remove(uid: string): RepoResult<{ uid: string }> {
    return del.run(uid).changes > 0 ? success('deleted', { uid }) : failure('entity_not_found', 'identifier');
  }

  function findByNumber(type: IdentifierType, value: IdentifierValue): IdentifierRow | undefined {
    const number = isIdentifierType(type) ? storedNumber(type, value) : undefined;
    const r = number === undefined ? undefined : byNumber.get(type, number);
    return r ? toRow(r) : undefined;
  }

  return {
    create,
    update,
    assignToUser,
    delete: remove,
    deleteByNumber(type: IdentifierType, value: IdentifierValue): RepoResult<{ uid: string }> {
      const row = findByNumber(type, value);
      return row ? remove(row.uid) : failure('entity_not_found', 'identifier');
    },
    get: (uid: string): IdentifierRow | undefined => {
      const r = byUid.get(uid);
      return r ? toRow(r) : undefined;
    },
    findByNumber,
    /** The identifier with this number as IdentifierRef (no object of every column). */
    locate(type: IdentifierType, value: IdentifierValue): IdentifierRef | undefined {
      const number = isIdentifierType(type) ? storedNumber(type, value) : undefined;
      const r = number === undefined ? undefined : (refByNumber.get(type, number) as RefRow | undefined);
      return r && {
        rowid: r[0], uid: r[1], userUuid: r[2], type: r[3], number: r[4], passesUsed: r[5], enabled: r[6], hasPin: r[7], timeProfileId: r[8],
      };
    },
    writeSettings,
    listByUser: (userUuid: string): IdentifierRow[] => byUser.all(userUuid).map(toRow),
    /** Keyset pagination by uid: pass the last uid of the previous page. */
    list: (o: { type?: IdentifierType; after?: string; limit?: number } = {}): IdentifierRow[] =>
      page.all({ type: o.type ?? null, after: o.after ?? '', limit: clampLimit(o.limit) }).map(toRow),
    count,
    capacity: (): IdentifierCapacity => ({ ...capacity }),
    setCapacity(type: IdentifierType, limit: number | undefined): void {
      if (limit === undefined) delete capacity[type];
      else capacity[type] = limit;
    },
    /**
     * Durable pass: one autocommit UPDATE (its own transaction, fsynced with synchronous=FULL).
     * The daemon calls this and waits for it BEFORE energising the relay, so a power cut can never
     * give a pass that was not counted. `nowMs` becomes last_used_at.
     */
    consumePass(uid: string, nowMs: number): ConsumePassResult {
      // The batch worker lets go of the write lock for this within one item (write-turn.ts).
      const r = claim(turn, () => consume.get(nowMs, uid));
      if (r) return { ok: true, passesUsed: r.passes_used, maxPasses: r.max_passes };
      return { ok: false, reason: byUid.get(uid) ? 'passes_exhausted' : 'entity_not_found' };
    },
  };
}
