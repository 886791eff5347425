import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import type { Db } from './database.ts';
import { failure, success, type RepoResult } from './result-codes.ts';
import { definedOnly } from './validate.ts';

/**
 * Time profiles are stored as JSON documents (weekly windows, holidays): their meaning and
 * validation belong to the rules engine, which the API runs before saving
 * (invalid_time_rules_settings); storage only keeps them intact and referentially sound.
 */
export interface TimeProfileRow {
  readonly id: string;
  readonly name: string;
  readonly windows: unknown;
  readonly holidays: unknown;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface TimeProfileInput {
  readonly id?: string;
  readonly name: string;
  readonly windows: unknown;
  readonly holidays?: unknown;
}

interface TimeProfileDbRow {
  id: string;
  name: string;
  windows_json: string;
  holidays_json: string;
  created_at: number;
  updated_at: number;
}

function toRow(r: TimeProfileDbRow): TimeProfileRow {
  return {
    id: r.id,
    name: r.name,
    windows: JSON.parse(r.windows_json),
    holidays: JSON.parse(r.holidays_json),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** JSON text, or undefined when the value cannot be represented (cycles, BigInt, undefined). */
function toJson(v: unknown): string | undefined {
  try {
    return JSON.stringify(v) ?? undefined;
  } catch {
    return undefined;
  }
}

export type TimeProfilesRepository = ReturnType<typeof createTimeProfilesRepository>;

export function createTimeProfilesRepository(db: Db, clock: Clock) {
  const s = db.sqlite;
  const byId = s.prepare<[string], TimeProfileDbRow>('SELECT * FROM time_profiles WHERE id = ?');
  const all = s.prepare<[], TimeProfileDbRow>('SELECT * FROM time_profiles ORDER BY name, id');
  const upsertStmt = s.prepare(
    `INSERT INTO time_profiles (id, name, windows_json, holidays_json, created_at, updated_at)
     VALUES (@id, @name, @windows, @holidays, @now, @now)
     ON CONFLICT (id) DO UPDATE SET name = excluded.name, windows_json = excluded.windows_json,
       holidays_json = excluded.holidays_json, updated_at = excluded.updated_at`,
  );
  const del = s.prepare<[string]>('DELETE FROM time_profiles WHERE id = ?');
  const boundCount = s.prepare<[string], { n: number }>(
    'SELECT COUNT(*) AS n FROM identifiers WHERE time_profile_id = ?',
  );

  function save(id: string, input: Omit<TimeProfileInput, 'id'>, code: 'created' | 'updated'): RepoResult<TimeProfileRow> {
    if (typeof input.name !== 'string' || input.name.length === 0 || input.name.length > 256) {
      return failure('invalid_input', 'name');
    }
    const windows = toJson(input.windows);
    const holidays = toJson(input.holidays ?? []);
    if (windows === undefined || holidays === undefined) return failure('invalid_time_rules_settings', 'not JSON');
    upsertStmt.run({ id, name: input.name, windows, holidays, now: clock.now() });
    return success(code, toRow(byId.get(id)!));
  }

  return {
    create(input: TimeProfileInput): RepoResult<TimeProfileRow> {
      const id = input.id ?? randomUUID();
      return db.attempt(() => (byId.get(id) ? failure('has_dublicates', 'id') : save(id, input, 'created')));
    },
    update(id: string, patch: Partial<Omit<TimeProfileInput, 'id'>>): RepoResult<TimeProfileRow> {
      return db.attempt(() => {
        const current = byId.get(id);
        if (!current) return failure('bound_time_profile_doesnt_exist', id);
        return save(id, { ...toRow(current), ...definedOnly(patch) }, 'updated');
      });
    },
    /**
     * A profile still bound to identifiers is not deleted: dropping it would silently change who
     * may enter when (the rules engine fails closed on a missing profile).
     */
    delete(id: string): RepoResult<{ id: string }> {
      return db.attempt(() => {
        if (!byId.get(id)) return failure('bound_time_profile_doesnt_exist', id);
        const n = boundCount.get(id)!.n;
        if (n > 0) return failure('invalid_time_rules_settings', `profile is bound to ${n} identifier(s)`);
        del.run(id);
        return success('deleted', { id });
      });
    },
    get: (id: string): TimeProfileRow | undefined => {
      const r = byId.get(id);
      return r ? toRow(r) : undefined;
    },
    exists: (id: string): boolean => byId.get(id) !== undefined,
    list: (): TimeProfileRow[] => all.all().map(toRow),
  };
}
