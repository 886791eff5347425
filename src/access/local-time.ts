/**
 * Wall-clock parts of an instant in an IANA time zone, via Intl (which carries the tz database, so
 * DST rules come from the platform, not from us). Formatters are cached per zone, and the last
 * result per zone is reused within the same UTC minute: every zone in use today has whole-minute
 * offsets, so local date, weekday and minute cannot change inside a UTC minute.
 */
export interface LocalTime {
  /** Local calendar date as yyyymmdd, e.g. 20260329. */
  readonly dateKey: number;
  /** 0 = Monday … 6 = Sunday. */
  readonly weekday: number;
  /** Minutes since local midnight, 0..1439. */
  readonly minute: number;
}

const WEEKDAYS: Readonly<Record<string, number>> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** A reader bound to one zone; throws RangeError for an unknown zone (validate config first). */
export function localTimeIn(timeZone: string): (ms: number) => LocalTime {
  const format = formatterFor(timeZone);
  let cachedMinute = NaN;
  let cached: LocalTime = { dateKey: 0, weekday: 0, minute: 0 };
  return (ms) => {
    const utcMinute = Math.floor(ms / 60_000);
    if (utcMinute === cachedMinute) return cached;
    const p: Record<string, string> = {};
    for (const part of format.formatToParts(ms)) p[part.type] = part.value;
    cached = {
      dateKey: Number(p.year) * 10_000 + Number(p.month) * 100 + Number(p.day),
      weekday: WEEKDAYS[p.weekday ?? ''] ?? 0,
      minute: Number(p.hour) * 60 + Number(p.minute),
    };
    cachedMinute = utcMinute;
    return cached;
  };
}
