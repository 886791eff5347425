import type { Statement } from 'better-sqlite3';
import type { Db } from './database.ts';
import { isBusy } from './sqlite-errors.ts';
import { claim, writeTurnOf } from './write-turn.ts';
import { clampLimit } from './validate.ts';

/** One journal event as the daemon reports it. */
export interface JournalEvent {
  /** Wall-clock ms. */
  readonly ts: number;
  /** e.g. 'granted', 'denied', 'unknown_frame', 'door_forced'. */
  readonly type: string;
  readonly reader?: string | null;
  readonly door?: string | null;
  readonly identifierUid?: string | null;
  /**
   * The credential number as read (card numbers, raw-frame keys). Never keypad digits: for PIN and
   * access-code entries put the matched identifier/code id in `identifierUid` and leave this null.
   */
  readonly credential?: string | null;
  readonly reason?: string | null;
  /** Extra facts, e.g. raw bits of an unknown or parity-failed frame. Secret-looking keys are redacted. */
  readonly details?: Readonly<Record<string, unknown>> | null;
}

export interface JournalEntry {
  readonly seq: number;
  readonly ts: number;
  readonly type: string;
  readonly reader: string | null;
  readonly door: string | null;
  readonly identifierUid: string | null;
  readonly credential: string | null;
  readonly reason: string | null;
  readonly details: Record<string, unknown> | null;
}

export interface JournalQuery {
  /** Inclusive lower bound, ms. */
  readonly from?: number;
  /** Exclusive upper bound, ms. */
  readonly to?: number;
  readonly type?: string;
  readonly reader?: string;
  readonly door?: string;
  readonly identifierUid?: string;
  readonly credential?: string;
  /** 1..1000, default 100. */
  readonly limit?: number;
  /** `next` from the previous page. */
  readonly cursor?: string;
  /** Newest first (default) or oldest first. */
  readonly order?: 'desc' | 'asc';
}

export interface JournalPage {
  readonly entries: JournalEntry[];
  /** Present when more rows may follow: pass it back as `cursor`. */
  readonly next?: string;
}

export interface JournalOptions {
  /** Upper bound on rows kept; the oldest go first. Default 1,000,000. */
  readonly maxRows?: number;
  /**
   * When the bound is passed, the journal is trimmed to `maxRows - dropChunk` rows plus the drop
   * record (default chunk 0.1 % of maxRows, at least 1), so it does not fill with one drop record
   * per flush.
   */
  readonly dropChunk?: number;
}

export interface InsertOutcome {
  readonly lastSeq: number;
  /** Old rows removed to stay within maxRows (a `journal_dropped` row records them). */
  readonly dropped: number;
}

/** Journal row types written by storage itself. */
export const JOURNAL_DROPPED = 'journal_dropped';
export const JOURNAL_LOST = 'journal_lost';

const MAX_TEXT = 256;

/** The bucket of the identifier and credential indexes (migrations 002, 003): `ts / 604800000` in SQL, one week. */
const WEEK_MS = 604_800_000;
/**
 * Stored times are kept within 1970 … 9999: the week buckets assume ts ≥ 0 (SQLite's division
 * truncates toward zero, so week 0 would span two weeks) and week × WEEK_MS stays exact in JS.
 * A clock that far off is broken; the event is still written.
 */
const MAX_TS = 253_402_300_799_999;

function text(v: unknown): string | null {
  return typeof v === 'string' ? v.slice(0, MAX_TEXT) : null;
}

const SECRET_KEY = /pin|passw|secret|token|api_?key|^code$/i;

/**
 * JSON.stringify replacer used wherever journal content leaves the process (storage, event stream):
 * values under secret-looking keys are redacted, bigints become decimal strings.
 */
export function journalJsonReplacer(key: string, value: unknown): unknown {
  if (key !== '' && SECRET_KEY.test(key)) return '[redacted]';
  return typeof value === 'bigint' ? value.toString(10) : value;
}

function detailsJson(details: Readonly<Record<string, unknown>> | null | undefined): string | null {
  if (details == null) return null;
  try {
    return JSON.stringify(details, journalJsonReplacer);
  } catch {
    return JSON.stringify({ unserializable: true });
  }
}

type FilterKey = 'type' | 'reader' | 'door' | 'identifierUid' | 'credential';
const FILTER_COLUMNS: Readonly<Record<FilterKey, string>> = {
  type: 'type',
  reader: 'reader',
  door: 'door',
  identifierUid: 'identifier_uid',
  credential: 'credential',
};
const FILTER_KEYS = Object.keys(FILTER_COLUMNS) as FilterKey[];

/** Filters whose index is keyed by week first (migrations 002 and 003), the first one present is used. */
const WEEK_INDEXES: ReadonlyArray<readonly [FilterKey, string]> = [
  ['identifierUid', 'journal_identifier_week'],
  ['credential', 'journal_credential_week'],
];
const weekIndexFor = (q: JournalQuery): string | undefined => WEEK_INDEXES.find(([k]) => q[k] !== undefined)?.[1];

interface JournalDbRow {
  seq: number;
  ts: number;
  type: string;
  reader: string | null;
  door: string | null;
  identifier_uid: string | null;
  credential: string | null;
  reason: string | null;
  details_json: string | null;
}

function toEntry(r: JournalDbRow): JournalEntry {
  return {
    seq: r.seq,
    ts: r.ts,
    type: r.type,
    reader: r.reader,
    door: r.door,
    identifierUid: r.identifier_uid,
    credential: r.credential,
    reason: r.reason,
    details: r.details_json === null ? null : (JSON.parse(r.details_json) as Record<string, unknown>),
  };
}

function parseCursor(cursor: string | undefined): { ts: number; seq: number } | undefined {
  const m = cursor === undefined ? null : /^(-?\d+):(\d+)$/.exec(cursor);
  return m ? { ts: Number(m[1]), seq: Number(m[2]) } : undefined;
}

export type Journal = ReturnType<typeof createJournal>;

export function createJournal(db: Db, opts: JournalOptions = {}) {
  const maxRows = Math.max(2, Math.trunc(opts.maxRows ?? 1_000_000));
  const dropChunk = Math.min(maxRows - 1, Math.max(1, Math.trunc(opts.dropChunk ?? Math.ceil(maxRows / 1000))));
  const s = db.sqlite;
  const insert = s.prepare<[number, string, string | null, string | null, string | null, string | null, string | null, string | null]>(
    `INSERT INTO journal (ts, type, reader, door, identifier_uid, credential, reason, details_json)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const minSeq = s.prepare('SELECT MIN(seq) FROM journal').pluck();
  const maxSeq = s.prepare('SELECT MAX(seq) FROM journal').pluck();
  const dropUpTo = s.prepare<[number]>('DELETE FROM journal WHERE seq <= ?');
  const queries = new Map<string, Statement<Record<string, unknown>, JournalDbRow>>();

  /** A malformed event is still written (never fails the batch): bad ts → now, bad text → null. */
  function put(e: JournalEvent, nowMs: number): number {
    const info = insert.run(
      Number.isFinite(e.ts) ? Math.min(MAX_TS, Math.max(0, Math.trunc(e.ts))) : nowMs,
      typeof e.type === 'string' && e.type.length > 0 ? e.type.slice(0, MAX_TEXT) : 'invalid_event',
      text(e.reader),
      text(e.door),
      text(e.identifierUid),
      text(e.credential),
      text(e.reason),
      detailsJson(e.details),
    );
    return Number(info.lastInsertRowid);
  }

  /**
   * Rows are only ever removed as a prefix, so max - min + 1 is the row count (an upper bound if
   * someone deleted from the middle) without a full COUNT(*) over a million rows.
   */
  function enforceBound(lastSeq: number, nowMs: number): number {
    const first = minSeq.get() as number | null;
    if (first === null || lastSeq - first + 1 <= maxRows) return 0;
    const keep = maxRows - dropChunk;
    const upTo = lastSeq - keep;
    const dropped = dropUpTo.run(upTo).changes;
    put({ ts: nowMs, type: JOURNAL_DROPPED, details: { dropped, up_to_seq: upTo, max_rows: maxRows } }, nowMs);
    return dropped;
  }

  /**
   * One statement per query shape. With an identifier or credential filter the statement reads one
   * week (`@week`) through that filter's week-first index, in (ts, seq) order: queryByWeek walks
   * the weeks.
   */
  function statementFor(q: JournalQuery, withCursor: boolean): Statement<Record<string, unknown>, JournalDbRow> {
    const desc = q.order !== 'asc';
    const used = FILTER_KEYS.filter((k) => q[k] !== undefined);
    const key = `${desc ? 'd' : 'a'}${withCursor ? 'c' : ''}:${used.join(',')}`;
    let stmt = queries.get(key);
    if (!stmt) {
      const weekIndex = weekIndexFor(q);
      const where = [...(weekIndex ? [`ts / ${WEEK_MS} = @week`] : []), 'ts >= @from', 'ts < @to', ...used.map((k) => `${FILTER_COLUMNS[k]} = @${k}`)];
      if (withCursor) where.push(desc ? '(ts, seq) < (@cts, @cseq)' : '(ts, seq) > (@cts, @cseq)');
      const dir = desc ? 'DESC' : 'ASC';
      stmt = s.prepare<Record<string, unknown>, JournalDbRow>(
        `SELECT * FROM journal${weekIndex ? ` INDEXED BY ${weekIndex}` : ''} WHERE ${where.join(' AND ')} ORDER BY ts ${dir}, seq ${dir} LIMIT @limit`,
      );
      queries.set(key, stmt);
    }
    return stmt;
  }

  // The week of the newest (DESC) or oldest (ASC) row in [lo, hi), through journal_ts: skips weeks without events.
  const edgeWeekIn = (dir: 'ASC' | 'DESC') =>
    s.prepare<[number, number], number>(`SELECT ts / ${WEEK_MS} FROM journal WHERE ts >= ? AND ts < ? ORDER BY ts ${dir} LIMIT 1`).pluck();
  const newestWeekIn = edgeWeekIn('DESC');
  const oldestWeekIn = edgeWeekIn('ASC');

  /** Rows through a week-first index: week by week from the window's newest (oldest) end until `params.limit` rows are found. */
  function queryByWeek(q: JournalQuery, params: Record<string, unknown>, cursor: { ts: number; seq: number } | undefined): JournalDbRow[] {
    const desc = q.order !== 'asc';
    const stmt = statementFor(q, cursor !== undefined);
    const wanted = params.limit as number;
    let lo = Math.max(0, params.from as number);
    let hi = Math.min(MAX_TS + 1, params.to as number);
    if (cursor && desc) hi = Math.min(hi, cursor.ts + 1);
    if (cursor && !desc) lo = Math.max(lo, cursor.ts);
    const rows: JournalDbRow[] = [];
    while (rows.length < wanted && lo < hi) {
      const week = (desc ? newestWeekIn : oldestWeekIn).get(lo, hi);
      if (week === undefined) break;
      rows.push(...stmt.all({ ...params, week, limit: wanted - rows.length }));
      if (desc) hi = week * WEEK_MS;
      else lo = (week + 1) * WEEK_MS;
    }
    return rows;
  }

  const turn = writeTurnOf(db.path);
  /** tryInsertBatch found the lock taken and has asked for a turn. */
  let waiting = false;

  /**
   * Writes a batch in one transaction, then trims the oldest rows if over maxRows and records
   * the trim. `lost` > 0 (events the writer could not keep in memory) is recorded as well.
   */
  function insertBatch(events: readonly JournalEvent[], nowMs: number, lost = 0): InsertOutcome {
    return claim(turn, () => insertBatchNow(events, nowMs, lost));
  }

  function insertBatchNow(events: readonly JournalEvent[], nowMs: number, lost: number): InsertOutcome {
    // IMMEDIATE: this reads (max seq) before writing, and a deferred transaction could not
    // become a writer after another connection (the batch worker) committed in between.
    // Unsynced: no one waits on a journal row, and the fsync made every flush a block of the
    // event loop; the rows become durable with the next synced commit or checkpoint, and a power
    // cut before that loses the newest rows only (the WAL is replayed as a prefix: no holes).
    return db.unsynced(() => db.sqlite.transaction(() => {
      let lastSeq = (maxSeq.get() as number | null) ?? 0;
      for (const e of events) lastSeq = put(e, nowMs);
      if (lost > 0) lastSeq = put({ ts: nowMs, type: JOURNAL_LOST, details: { lost } }, nowMs);
      const dropped = enforceBound(lastSeq, nowMs);
      return { lastSeq: dropped > 0 ? lastSeq + 1 : lastSeq, dropped };
    }).immediate());
  }

  return {
    maxRows,
    insertBatch,
    /**
     * insertBatch if the write lock is free now; undefined (nothing written) while another
     * connection holds it. The busy timeout would otherwise sleep the calling thread — the event
     * loop serving the door readers — until the other writer (the batch worker) commits.
     */
    tryInsertBatch(events: readonly JournalEvent[], nowMs: number, lost = 0): InsertOutcome | undefined {
      const timeout = db.sqlite.pragma('busy_timeout', { simple: true }) as number;
      db.sqlite.pragma('busy_timeout = 0');
      try {
        const outcome = insertBatchNow(events, nowMs, lost);
        if (waiting) {
          waiting = false;
          Atomics.sub(turn, 0, 1);
        }
        return outcome;
      } catch (err) {
        if (!isBusy(err)) throw err;
        // Ask the other thread (write-turn.ts) to let go; the caller tries again shortly.
        if (!waiting) {
          waiting = true;
          Atomics.add(turn, 0, 1);
        }
        return undefined;
      } finally {
        db.sqlite.pragma(`busy_timeout = ${timeout}`);
      }
    },
    /** Filtered, time-windowed, keyset-paginated query (each filter has a (column, ts) index; identifier and credential by week first). */
    query(q: JournalQuery = {}): JournalPage {
      const limit = clampLimit(q.limit);
      const cursor = parseCursor(q.cursor);
      const params: Record<string, unknown> = {
        from: q.from ?? Number.MIN_SAFE_INTEGER,
        to: q.to ?? Number.MAX_SAFE_INTEGER,
        limit: limit + 1,
      };
      for (const k of FILTER_KEYS) if (q[k] !== undefined) params[k] = q[k];
      if (cursor) {
        params.cts = cursor.ts;
        params.cseq = cursor.seq;
      }
      const rows = weekIndexFor(q) ? queryByWeek(q, params, cursor) : statementFor(q, cursor !== undefined).all(params);
      const entries = rows.slice(0, limit).map(toEntry);
      const last = entries.at(-1);
      return rows.length > limit && last ? { entries, next: `${last.ts}:${last.seq}` } : { entries };
    },
    /** Rows currently kept (see enforceBound for why this is not COUNT(*)). */
    size(): number {
      const first = minSeq.get() as number | null;
      const last = maxSeq.get() as number | null;
      return first === null || last === null ? 0 : last - first + 1;
    },
    lastSeq: (): number => (maxSeq.get() as number | null) ?? 0,
  };
}
