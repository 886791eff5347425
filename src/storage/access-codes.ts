import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { createCodeSpace } from './code-space.ts';
import type { Db } from './database.ts';
import { failure, success, type RepoResult } from './result-codes.ts';
import { guardCredentialWrite } from './sqlite-errors.ts';
import { clampLimit, definedOnly, isOptionalInt, isOptionalText } from './validate.ts';

export const ACCESS_CODE_TYPES = ['ongoing', 'time_bound'] as const;
export type AccessCodeType = (typeof ACCESS_CODE_TYPES)[number];

/** Keypad access code (seed 004). Shares its digit space with inputCode identifiers. */
export interface AccessCodeRow {
  readonly id: string;
  readonly code: string;
  readonly name: string | null;
  /** 'first' | 'second' | 'all', or a door id. */
  readonly lock: string;
  readonly type: AccessCodeType;
  /** Unix seconds; set only for time_bound codes. */
  readonly startsAt: number | null;
  readonly endsAt: number | null;
  readonly isOneTimeUse: boolean;
  /** Wall-clock ms of the (only) use of a one-time code. */
  readonly usedAt: number | null;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface AccessCodeInput {
  readonly id?: string;
  readonly code: string;
  readonly name?: string | null;
  readonly lock: string;
  readonly type: AccessCodeType;
  readonly startsAt?: number | null;
  readonly endsAt?: number | null;
  readonly isOneTimeUse?: boolean;
}

export type AccessCodePatch = Partial<Omit<AccessCodeInput, 'id'>>;

export type OneTimeUseResult =
  | { readonly ok: true; readonly usedAt: number }
  | { readonly ok: false; readonly reason: 'code_used' | 'not_one_time' | 'entity_not_found' };

/** Compact start-up row, ACCESS_CODE_INDEX_COLUMNS order. */
export type AccessCodeIndexRow = readonly [
  id: string,
  code: string,
  lock: string,
  type: AccessCodeType,
  startsAt: number | null,
  endsAt: number | null,
  isOneTimeUse: 0 | 1,
  usedAt: number | null,
];

export const ACCESS_CODE_INDEX_COLUMNS = [
  'id', 'code', 'lock', 'type', 'starts_at', 'ends_at', 'is_one_time_use', 'used_at',
] as const;

interface AccessCodeDbRow {
  id: string;
  code: string;
  name: string | null;
  lock: string;
  type: AccessCodeType;
  starts_at: number | null;
  ends_at: number | null;
  is_one_time_use: 0 | 1;
  used_at: number | null;
  created_at: number;
  updated_at: number;
}

type Fields = Omit<AccessCodeDbRow, 'used_at' | 'created_at' | 'updated_at'>;

const DIGITS = /^[0-9]{1,16}$/;

function toRow(r: AccessCodeDbRow): AccessCodeRow {
  return {
    id: r.id,
    code: r.code,
    name: r.name,
    lock: r.lock,
    type: r.type,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    isOneTimeUse: r.is_one_time_use === 1,
    usedAt: r.used_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function normalise(id: string, i: Omit<AccessCodeInput, 'id'>): RepoResult<Fields> {
  if (typeof i.code !== 'string' || !DIGITS.test(i.code)) return failure('invalid_input', 'code');
  if (typeof i.lock !== 'string' || i.lock.length === 0 || i.lock.length > 64) return failure('invalid_input', 'lock');
  if (!(ACCESS_CODE_TYPES as readonly string[]).includes(i.type)) return failure('invalid_input', 'type');
  if (!isOptionalText(i.name, 256)) return failure('invalid_input', 'name');
  if (i.isOneTimeUse !== undefined && typeof i.isOneTimeUse !== 'boolean') return failure('invalid_input', 'isOneTimeUse');
  // Converting to ongoing drops the window (seed 004: time-bound → permanent access).
  const startsAt = i.type === 'ongoing' ? null : (i.startsAt ?? null);
  const endsAt = i.type === 'ongoing' ? null : (i.endsAt ?? null);
  if (!isOptionalInt(startsAt, 0) || !isOptionalInt(endsAt, 0)) return failure('invalid_time_rules_settings', 'starts_at/ends_at');
  if (i.type === 'time_bound' && (startsAt === null || endsAt === null || startsAt >= endsAt)) {
    return failure('invalid_time_rules_settings', 'time_bound needs starts_at before ends_at');
  }
  return success('created', {
    id,
    code: i.code,
    name: i.name ?? null,
    lock: i.lock,
    type: i.type,
    starts_at: startsAt,
    ends_at: endsAt,
    is_one_time_use: i.isOneTimeUse ? 1 : 0,
  });
}

export type AccessCodesRepository = ReturnType<typeof createAccessCodesRepository>;

export function createAccessCodesRepository(db: Db, clock: Clock) {
  const s = db.sqlite;
  const codeSpace = createCodeSpace(db);
  const byId = s.prepare<[string], AccessCodeDbRow>('SELECT * FROM access_codes WHERE id = ?');
  const byCode = s.prepare<[string], AccessCodeDbRow>('SELECT * FROM access_codes WHERE code = ?');
  const page = s.prepare<[string, number], AccessCodeDbRow>('SELECT * FROM access_codes WHERE id > ? ORDER BY id LIMIT ?');
  const insert = s.prepare<Fields & { now: number }>(
    `INSERT INTO access_codes (id, code, name, lock, type, starts_at, ends_at, is_one_time_use, used_at, created_at, updated_at)
     VALUES (@id, @code, @name, @lock, @type, @starts_at, @ends_at, @is_one_time_use, NULL, @now, @now)`,
  );
  const updateStmt = s.prepare<Fields & { now: number }>(
    `UPDATE access_codes SET code = @code, name = @name, lock = @lock, type = @type, starts_at = @starts_at,
       ends_at = @ends_at, is_one_time_use = @is_one_time_use, updated_at = @now WHERE id = @id`,
  );
  const del = s.prepare<[string]>('DELETE FROM access_codes WHERE id = ?');
  const markUsed = s.prepare<[number, string], { used_at: number }>(
    `UPDATE access_codes SET used_at = ? WHERE id = ? AND is_one_time_use = 1 AND used_at IS NULL RETURNING used_at`,
  );
  const forIndex = s.prepare(`SELECT ${ACCESS_CODE_INDEX_COLUMNS.join(', ')} FROM access_codes`).raw(true);

  function conflicts(f: Fields): RepoResult<never> | undefined {
    if (codeSpace.takenByAccessCode(f.code, f.id)) return failure('number_taken_by_another_identifier', 'access code');
    if (codeSpace.takenByInputCode(f.code)) return failure('number_taken_by_another_identifier', 'inputCode identifier');
    return undefined;
  }

  return {
    create(input: AccessCodeInput): RepoResult<AccessCodeRow> {
      const id = input.id ?? randomUUID();
      const n = normalise(id, input);
      if (!n.ok) return n;
      return db.attempt(() =>
        guardCredentialWrite('id', () => {
          if (byId.get(id)) return failure('has_dublicates', 'id');
          const bad = conflicts(n.value);
          if (bad) return bad;
          insert.run({ ...n.value, now: clock.now() });
          return success('created', toRow(byId.get(id)!));
        }),
      );
    },
    update(id: string, patch: AccessCodePatch): RepoResult<AccessCodeRow> {
      return db.attempt(() =>
        guardCredentialWrite('id', () => {
          const current = byId.get(id);
          if (!current) return failure('entity_not_found', 'access code');
          const n = normalise(id, { ...toRow(current), ...definedOnly(patch) });
          if (!n.ok) return n;
          const bad = conflicts(n.value);
          if (bad) return bad;
          updateStmt.run({ ...n.value, now: clock.now() });
          return success('updated', toRow(byId.get(id)!));
        }),
      );
    },
    delete(id: string): RepoResult<{ id: string }> {
      return del.run(id).changes > 0 ? success('deleted', { id }) : failure('entity_not_found', 'access code');
    },
    get: (id: string): AccessCodeRow | undefined => {
      const r = byId.get(id);
      return r ? toRow(r) : undefined;
    },
    findByCode: (code: string): AccessCodeRow | undefined => {
      const r = byCode.get(code);
      return r ? toRow(r) : undefined;
    },
    list: (o: { after?: string; limit?: number } = {}): AccessCodeRow[] =>
      page.all(o.after ?? '', clampLimit(o.limit)).map(toRow),
    /**
     * Marks a one-time code used in one atomic UPDATE (guarded by `used_at IS NULL`), committed
     * before the relay opens: of two racing entries only one can succeed.
     */
    recordOneTimeCodeUse(id: string, nowMs: number): OneTimeUseResult {
      const r = markUsed.get(nowMs, id);
      if (r) return { ok: true, usedAt: r.used_at };
      const row = byId.get(id);
      if (!row) return { ok: false, reason: 'entity_not_found' };
      return { ok: false, reason: row.is_one_time_use === 1 ? 'code_used' : 'not_one_time' };
    },
    iterateAccessCodesForIndex(): IterableIterator<AccessCodeIndexRow> {
      return forIndex.iterate() as IterableIterator<AccessCodeIndexRow>;
    },
  };
}
