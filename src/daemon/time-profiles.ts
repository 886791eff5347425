/**
 * Loads the stored time profiles into the rules engine's TimeProfileSet, keyed by the row's rowid
 * (the id the credential index carries for an identifier's profile, see service/index-sync.ts).
 * Stored document: `windows` = weekly windows; `holidays` = a list of 'YYYY-MM-DD' dates or
 * `{ dates, windows, dateRanges }`. A profile that does not compile is left out and logged:
 * identifiers bound to it are then denied (time_profile_missing), never let in by accident.
 */
import type { TimeProfileDef, TimeProfileSet } from '../access/time-profile.ts';
import type { Logger } from '../core/logger.ts';
import type { Db } from '../storage/database.ts';

interface HolidayDoc {
  dates?: TimeProfileDef['holidays'];
  windows?: TimeProfileDef['holidayWindows'];
  dateRanges?: TimeProfileDef['dateRanges'];
}

export function loadTimeProfiles(db: Db, set: TimeProfileSet, logger: Logger): { loaded: number; refused: number } {
  const rows = db.sqlite
    .prepare<[], { rowid: number; id: string; windows_json: string; holidays_json: string }>('SELECT rowid, id, windows_json, holidays_json FROM time_profiles')
    .all();
  let loaded = 0;
  for (const row of rows) {
    let def: TimeProfileDef;
    try {
      const weekly = JSON.parse(row.windows_json) as TimeProfileDef['weekly'];
      const h = JSON.parse(row.holidays_json) as string[] | HolidayDoc;
      def = Array.isArray(h)
        ? { id: row.rowid, weekly, holidays: h }
        : { id: row.rowid, weekly, holidays: h.dates, holidayWindows: h.windows, dateRanges: h.dateRanges };
    } catch {
      logger.warn({ profile: row.id }, 'time profile is not valid JSON; identifiers bound to it are denied');
      continue;
    }
    const r = set.put(def);
    if (r.ok) loaded++;
    else logger.warn({ profile: row.id, errors: r.errors }, 'time profile refused; identifiers bound to it are denied');
  }
  return { loaded, refused: rows.length - loaded };
}
