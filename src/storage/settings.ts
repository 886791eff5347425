import type { Clock } from '../core/clock.ts';
import type { Db } from './database.ts';

/**
 * Key/value settings stored as JSON (representation mode, reader formats, ...). The shape of each
 * value is the owning module's business; storage keeps what it is given, parsed on read.
 */
export type SettingsRepository = ReturnType<typeof createSettingsRepository>;

export function createSettingsRepository(db: Db, clock: Clock) {
  const s = db.sqlite;
  const one = s.prepare<[string], { value_json: string }>('SELECT value_json FROM settings WHERE key = ?');
  const all = s.prepare<[], { key: string; value_json: string }>('SELECT key, value_json FROM settings ORDER BY key');
  const put = s.prepare<[string, string, number]>(
    `INSERT INTO settings (key, value_json, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (key) DO UPDATE SET value_json = excluded.value_json, updated_at = excluded.updated_at`,
  );
  const del = s.prepare<[string]>('DELETE FROM settings WHERE key = ?');
  return {
    get(key: string): unknown {
      const r = one.get(key);
      return r === undefined ? undefined : JSON.parse(r.value_json);
    },
    /** False (nothing written) when the value has no JSON form (undefined, BigInt, cycles). */
    set(key: string, value: unknown): boolean {
      let json: string | undefined;
      try {
        json = JSON.stringify(value);
      } catch {
        return false;
      }
      if (json === undefined) return false;
      put.run(key, json, clock.now());
      return true;
    },
    delete: (key: string): boolean => del.run(key).changes > 0,
    all: (): Record<string, unknown> => Object.fromEntries(all.all().map((r) => [r.key, JSON.parse(r.value_json)])),
  };
}
