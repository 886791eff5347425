/**
 * Time profiles: when, in local wall-clock time, an identifier may pass.
 *
 * Semantics (all in the controller's configured IANA zone, evaluated on the local wall clock, so a
 * DST change needs no special rule: a window that contains the skipped spring hour is simply open
 * for less real time, one that contains the repeated autumn hour is open during both passes):
 * - weekly windows: minute resolution, `from` inclusive, `to` exclusive ('08:00'-'17:00' admits
 *   08:00:00 to 16:59:59); '24:00' ends at midnight; from > to runs past midnight into the next
 *   weekday (that tail follows the next day's holiday status like any other window of that day);
 * - dateRanges (optional): local dates, both ends inclusive; outside all of them the profile denies;
 * - holidays: local dates on which the weekly windows do not apply; holidayWindows then apply
 *   (none → closed all day).
 */
import { localTimeIn, type LocalTime } from './local-time.ts';

export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAY_NAMES)[number];

export interface TimeWindow {
  /** 'HH:MM' */
  readonly from: string;
  /** 'HH:MM' or '24:00' */
  readonly to: string;
}

export interface WeeklyWindow extends TimeWindow {
  readonly days: readonly Weekday[];
}

export interface TimeProfileDef {
  readonly id: number;
  readonly weekly: readonly WeeklyWindow[];
  /** Local dates 'YYYY-MM-DD', inclusive. */
  readonly dateRanges?: readonly { readonly from: string; readonly to: string }[];
  /** Local dates 'YYYY-MM-DD'. */
  readonly holidays?: readonly string[];
  readonly holidayWindows?: readonly TimeWindow[];
}

export type CompileResult = { ok: true; profile: TimeProfile } | { ok: false; errors: string[] };

const DAY_MINUTES = 1440;
const HHMM = /^([01][0-9]|2[0-3]):([0-5][0-9])$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

function minuteOf(s: string, allowEndOfDay: boolean): number | undefined {
  if (allowEndOfDay && s === '24:00') return DAY_MINUTES;
  const m = HHMM.exec(s);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

function dateKeyOf(s: string): number | undefined {
  const m = DATE.exec(s);
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  if (probe.getUTCFullYear() !== y || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d) return undefined;
  return y * 10_000 + mo * 100 + d;
}

/** [from, to) minute pairs, flattened; sorted so a reader can follow them. */
type Spans = number[];

function inSpans(spans: Spans, minute: number): boolean {
  for (let i = 0; i < spans.length; i += 2) if (minute >= spans[i]! && minute < spans[i + 1]!) return true;
  return false;
}

function sortSpans(spans: Spans): Spans {
  const pairs: Array<[number, number]> = [];
  for (let i = 0; i < spans.length; i += 2) pairs.push([spans[i]!, spans[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  return pairs.flat();
}

export class TimeProfile {
  private constructor(
    readonly id: number,
    private readonly weekly: readonly Spans[],
    private readonly ranges: readonly number[],
    private readonly holidays: ReadonlySet<number>,
    private readonly holidaySpans: Spans,
  ) {}

  static compile(def: TimeProfileDef): CompileResult {
    const errors: string[] = [];
    if (!Number.isInteger(def.id) || def.id <= 0) errors.push('id must be a positive integer');
    const weekly: Spans[] = WEEKDAY_NAMES.map(() => []);
    const window = (w: TimeWindow, where: string): [number, number] | undefined => {
      const from = minuteOf(w.from, false);
      const to = minuteOf(w.to, true);
      if (from === undefined || to === undefined) errors.push(`${where}: times must be HH:MM (to may be 24:00)`);
      else if (from === to) errors.push(`${where}: empty window ${w.from}-${w.to}`);
      else return [from, to];
      return undefined;
    };
    def.weekly.forEach((w, i) => {
      const span = window(w, `weekly[${i}]`);
      if (w.days.length === 0) errors.push(`weekly[${i}]: no days`);
      for (const day of w.days) {
        const d = WEEKDAY_NAMES.indexOf(day);
        if (d < 0) errors.push(`weekly[${i}]: unknown day ${String(day)}`);
        else if (span && span[0] < span[1]) weekly[d]!.push(span[0], span[1]);
        else if (span) {
          weekly[d]!.push(span[0], DAY_MINUTES);
          if (span[1] > 0) weekly[(d + 1) % 7]!.push(0, span[1]);
        }
      }
    });
    const holidaySpans: Spans = [];
    (def.holidayWindows ?? []).forEach((w, i) => {
      const span = window(w, `holidayWindows[${i}]`);
      if (span && span[0] > span[1]) errors.push(`holidayWindows[${i}]: may not cross midnight`);
      else if (span) holidaySpans.push(span[0], span[1]);
    });
    const ranges: number[] = [];
    (def.dateRanges ?? []).forEach((r, i) => {
      const from = dateKeyOf(r.from);
      const to = dateKeyOf(r.to);
      if (from === undefined || to === undefined) errors.push(`dateRanges[${i}]: dates must be YYYY-MM-DD`);
      else if (to < from) errors.push(`dateRanges[${i}]: ends before it starts`);
      else ranges.push(from, to);
    });
    const holidays = new Set<number>();
    (def.holidays ?? []).forEach((h, i) => {
      const key = dateKeyOf(h);
      if (key === undefined) errors.push(`holidays[${i}]: date must be YYYY-MM-DD`);
      else holidays.add(key);
    });
    if (errors.length > 0) return { ok: false, errors };
    return {
      ok: true,
      profile: new TimeProfile(def.id, weekly.map(sortSpans), ranges, holidays, sortSpans(holidaySpans)),
    };
  }

  allowsAt(t: LocalTime): boolean {
    if (this.ranges.length > 0 && !this.inRanges(t.dateKey)) return false;
    if (this.holidays.has(t.dateKey)) return inSpans(this.holidaySpans, t.minute);
    return inSpans(this.weekly[t.weekday]!, t.minute);
  }

  private inRanges(dateKey: number): boolean {
    for (let i = 0; i < this.ranges.length; i += 2) {
      if (dateKey >= this.ranges[i]! && dateKey <= this.ranges[i + 1]!) return true;
    }
    return false;
  }
}

/** What the rules engine needs: does profile `id` allow instant `ms`? undefined = no such profile. */
export interface TimeProfileLookup {
  allows(id: number, ms: number): boolean | undefined;
}

/** All profiles of one controller, evaluated in its one configured zone. */
export class TimeProfileSet implements TimeProfileLookup {
  private readonly profiles = new Map<number, TimeProfile>();
  private readonly local: (ms: number) => LocalTime;

  /** Throws RangeError for an unknown zone: check config with isValidTimeZone first. */
  constructor(readonly timeZone: string) {
    this.local = localTimeIn(timeZone);
  }

  put(def: TimeProfileDef): { ok: true } | { ok: false; errors: string[] } {
    const compiled = TimeProfile.compile(def);
    if (!compiled.ok) return compiled;
    this.profiles.set(def.id, compiled.profile);
    return { ok: true };
  }

  remove(id: number): boolean {
    return this.profiles.delete(id);
  }

  has(id: number): boolean {
    return this.profiles.has(id);
  }

  allows(id: number, ms: number): boolean | undefined {
    const p = this.profiles.get(id);
    return p === undefined ? undefined : p.allowsAt(this.local(ms));
  }
}
