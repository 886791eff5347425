import { IDENTIFIER_TYPES, IDENTIFIER_TYPE_NAMES, TYPE_CODE, type IdentifierType } from '../access/identifier-key.ts';
import { LOCK_SCOPE_NAMES } from '../access/lock-scope.ts';
import type { Db } from './database.ts';

/**
 * Reads identifiers as the in-memory credential index needs them: the start-up load in chunks,
 * one identifier after a change, and the column list a write returns (`INDEX_ENTRY_COLUMNS`).
 *
 * Start-up: each row crossing from SQLite into JS costs ~1.5 µs plus ~0.25 µs per column with
 * better-sqlite3 (`.raw().iterate()`, measured on the build machine: 4.5 s CPU for 1,000,000 rows
 * of 12 columns), so rows do not cross one by one. SQLite aggregates a chunk of rows into one JSON
 * array per column (`json_group_array`, which escapes any stored text exactly) and V8's JSON.parse
 * turns each into a JS array: one crossing per chunk. Each aggregated value still costs SQLite
 * about as much as reading the row, and strings cost JSON.parse several times what numbers do, so
 * the load reads five numeric columns (see IdentifierIndexChunk), not one per entry field. The
 * index ids are the rowids of the identifier, its owner and its time profile (see
 * service/index-sync.ts).
 */
export interface IdentifierIndexEntry {
  readonly id: number;
  readonly type: string;
  /** The stored number text (see number-key.ts). */
  readonly number: string;
  readonly lock: string;
  /** Unix seconds. */
  readonly validFrom: number | null;
  readonly validTo: number | null;
  readonly maxPasses: number | null;
  readonly passesUsed: number;
  readonly enabled: number;
  readonly hasPin: number;
  /** rowid of the time profile, null without one. */
  readonly timeProfileId: number | null;
}

const COLUMNS: ReadonlyArray<readonly [keyof IdentifierIndexEntry, string]> = [
  ['id', 'identifiers.rowid'],
  ['type', 'identifiers.type'],
  ['number', 'identifiers.number'],
  ['lock', 'identifiers.lock'],
  ['validFrom', 'identifiers.valid_from'],
  ['validTo', 'identifiers.valid_to'],
  ['maxPasses', 'identifiers.max_passes'],
  ['passesUsed', 'identifiers.passes_used'],
  ['enabled', 'identifiers.enabled'],
  ['hasPin', 'identifiers.pin_hash IS NOT NULL'],
  ['timeProfileId', '(SELECT rowid FROM time_profiles WHERE id = identifiers.time_profile_id)'],
];

/**
 * The entry's columns as SQL over the `identifiers` table (a SELECT list or a RETURNING clause),
 * named like IdentifierIndexEntry's fields; read them with `.raw()` and `entryOfRow`, which is
 * cheaper than a row object.
 */
export const INDEX_ENTRY_COLUMNS = COLUMNS.map(([name, expr]) => `${expr} AS ${name}`).join(', ');

/** An entry from a `.raw()` row of INDEX_ENTRY_COLUMNS. */
export function entryOfRow(row: readonly unknown[]): IdentifierIndexEntry {
  const entry: Record<string, unknown> = {};
  COLUMNS.forEach(([name], i) => {
    entry[name] = row[i];
  });
  return entry as unknown as IdentifierIndexEntry;
}

/**
 * A chunk of the start-up read: parallel arrays in rowid order, compact so that few values cross
 * from SQLite (each aggregated value costs about as much as the row itself):
 * - `number`: the stored number as a JS number when that is exact (numeric types, up to 15 digits),
 *   else the stored text;
 * - `packed`: type, lock, enabled and hasPin in one integer (`typeOfPacked` etc. below);
 * - `extra`: 0 for the common identifier with no validity, no pass limit, no pass used and no time
 *   profile, else `[validFrom, validTo, maxPasses, passesUsed, timeProfileId]`.
 * `entryAt` turns one position back into an IdentifierIndexEntry.
 */
export interface IdentifierIndexChunk {
  readonly id: readonly number[];
  readonly number: ReadonlyArray<number | string>;
  readonly packed: readonly number[];
  readonly extra: ReadonlyArray<0 | IndexEntryExtra>;
}

export type IndexEntryExtra = readonly [validFrom: number | null, validTo: number | null, maxPasses: number | null, passesUsed: number, timeProfileId: number | null];

/** Codes of `packed`: type in bits 0-3, lock in bits 4-5, enabled bit 6, hasPin bit 7. */
const PACKED_TYPES = IDENTIFIER_TYPE_NAMES;
const PACKED_LOCKS = LOCK_SCOPE_NAMES;
const ENABLED_BIT = 64;
const HAS_PIN_BIT = 128;
/** A code no name has: a row SQLite holds but the index does not know is refused by the index, not misread. */
const UNKNOWN = 15;

export const typeOfPacked = (p: number): string => PACKED_TYPES[p & 15] ?? '';
export const lockOfPacked = (p: number): string => PACKED_LOCKS[(p >> 4) & 3] ?? '';
export const enabledOfPacked = (p: number): number => (p & ENABLED_BIT ? 1 : 0);
export const hasPinOfPacked = (p: number): number => (p & HAS_PIN_BIT ? 1 : 0);

const caseOf = (column: string, names: readonly string[], unknown: number) =>
  `(CASE ${column} ${names.map((n, i) => `WHEN '${n}' THEN ${i}`).join(' ')} ELSE ${unknown} END)`;

const NUMERIC_TYPES = PACKED_TYPES.filter((t) => IDENTIFIER_TYPES[t] === 'numeric');
/** Numeric types store digits without leading zeros (number-key.ts): up to 15 digits CAST exactly. */
const NUMBER_SQL = `(CASE WHEN type IN (${NUMERIC_TYPES.map((t) => `'${t}'`).join(', ')}) AND length(number) <= 15 AND number NOT GLOB '*[^0-9]*' THEN CAST(number AS INTEGER) ELSE number END)`;
const PACKED_SQL = `${caseOf('type', PACKED_TYPES, UNKNOWN)} + 16 * ${caseOf('lock', PACKED_LOCKS, 3)} + ${ENABLED_BIT} * (enabled = 1) + ${HAS_PIN_BIT} * (pin_hash IS NOT NULL)`;
const PROFILE_SQL = 'CASE WHEN time_profile_id IS NULL THEN NULL ELSE (SELECT rowid FROM time_profiles WHERE id = identifiers.time_profile_id) END';
const EXTRA_SQL = `CASE WHEN valid_from IS NULL AND valid_to IS NULL AND max_passes IS NULL AND passes_used = 0 AND time_profile_id IS NULL THEN 0
  ELSE json_array(valid_from, valid_to, max_passes, passes_used, ${PROFILE_SQL}) END`;
/** [name, expression per row, aggregate over the chunk]: `extra` is JSON text once it leaves the subquery. */
const LOAD_COLUMNS: ReadonlyArray<readonly [keyof IdentifierIndexChunk, string, string]> = [
  ['id', 'rowid', 'json_group_array(id)'],
  ['number', NUMBER_SQL, 'json_group_array(number)'],
  ['packed', PACKED_SQL, 'json_group_array(packed)'],
  ['extra', EXTRA_SQL, 'json_group_array(json(extra))'],
];

/** The NUMBER_SQL of one entry: a numeric type's number as a JS number while exact (up to 15 digits). */
function chunkNumber(type: string, number: string): number | string {
  return IDENTIFIER_TYPES[type as IdentifierType] === 'numeric' && number.length <= 15 && /^[0-9]*$/.test(number) ? Number(number) : number;
}

/** The PACKED_SQL of one entry. */
function packedOf(e: IdentifierIndexEntry): number {
  const lock = (PACKED_LOCKS as readonly string[]).indexOf(e.lock);
  return (TYPE_CODE[e.type as IdentifierType] ?? UNKNOWN) + 16 * (lock < 0 ? 3 : lock) + (e.enabled === 1 ? ENABLED_BIT : 0) + (e.hasPin === 1 ? HAS_PIN_BIT : 0);
}

/**
 * Entries as one chunk, as the start-up load reads them (entryAt is the inverse): for a thread that
 * hands entries over, arrays of numbers cost the receiver a fraction of an object per entry.
 */
export function indexChunkOf(entries: readonly IdentifierIndexEntry[]): IdentifierIndexChunk {
  return {
    id: entries.map((e) => e.id),
    number: entries.map((e) => chunkNumber(e.type, e.number)),
    packed: entries.map(packedOf),
    extra: entries.map((e) =>
      e.validFrom === null && e.validTo === null && e.maxPasses === null && e.passesUsed === 0 && e.timeProfileId === null
        ? 0
        : [e.validFrom, e.validTo, e.maxPasses, e.passesUsed, e.timeProfileId],
    ),
  };
}

/** One position of a chunk as an IdentifierIndexEntry. */
export function entryAt(c: IdentifierIndexChunk, i: number): IdentifierIndexEntry {
  const p = c.packed[i]!;
  const x = c.extra[i]!;
  return {
    id: c.id[i]!,
    type: typeOfPacked(p),
    number: String(c.number[i]!),
    lock: lockOfPacked(p),
    validFrom: x === 0 ? null : x[0],
    validTo: x === 0 ? null : x[1],
    maxPasses: x === 0 ? null : x[2],
    passesUsed: x === 0 ? 0 : x[3],
    enabled: enabledOfPacked(p),
    hasPin: hasPinOfPacked(p),
    timeProfileId: x === 0 ? null : x[4],
  };
}

/** 16k rows: well under 1 MB of JSON per column, and few enough crossings to not matter. */
const DEFAULT_CHUNK_ROWS = 16_384;

/** A chunk as SQLite returns it: one JSON array per column of IdentifierIndexChunk (cheap to pass between threads). */
export type RawIndexChunk = readonly string[];

/**
 * The page cache for the start-up scan (set on the connection for the scan, then restored).
 * better-sqlite3's default cache is 16 MB per connection, and a scan of a large table fills it with
 * pages nobody reads again: at 1,000,000 identifiers that kept ~16 MB resident per connection for
 * the rest of the process's life. 2 MB still holds the b-tree's interior pages and the users and
 * time_profiles indexes the owner/profile lookups walk for every row.
 */
export const SCAN_CACHE_PRAGMA = 'cache_size = -2048';

/** Rowid bound meaning "no upper bound". */
export const LAST_ROWID = Number.MAX_SAFE_INTEGER;

export function createIdentifierIndexReader(db: Pick<Db, 'sqlite'>, chunkRows = DEFAULT_CHUNK_ROWS) {
  const limit = Math.max(1, Math.trunc(chunkRows));
  // Every aggregate consumes the same rows in the same order, so the arrays stay aligned.
  const chunk = db.sqlite
    .prepare<[number, number]>(
      `SELECT ${LOAD_COLUMNS.map(([, , aggregate]) => aggregate).join(', ')}, max(id), count(*) FROM (
         SELECT ${LOAD_COLUMNS.map(([name, expr]) => `${expr} AS ${name}`).join(', ')} FROM identifiers
         WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ${limit})`,
    )
    .raw(true);
  // Two statements: SQLite answers min() or max() alone with one b-tree descent, but both in one
  // SELECT with a scan of the whole table (127 ms at 1,000,000 identifiers).
  const minRowid = db.sqlite.prepare<[]>('SELECT min(rowid) FROM identifiers').pluck();
  const maxRowid = db.sqlite.prepare<[]>('SELECT max(rowid) FROM identifiers').pluck();
  const one = db.sqlite.prepare<[string]>(`SELECT ${INDEX_ENTRY_COLUMNS} FROM identifiers WHERE uid = ?`).raw(true);

  /** Identifiers with after < rowid ≤ until, in chunks, unparsed. */
  function* rawChunks(after = 0, until = LAST_ROWID): Generator<RawIndexChunk> {
    for (;;) {
      const row = chunk.get(after, until) as unknown[] | undefined;
      const count = row?.[LOAD_COLUMNS.length + 1] as number | undefined;
      if (!row || !count) return;
      yield row.slice(0, LOAD_COLUMNS.length) as string[];
      after = row[LOAD_COLUMNS.length] as number;
      if (count < limit) return;
    }
  }

  return {
    rawChunks,
    /** Identifiers with after < rowid ≤ until (default: all), in chunks; read inside one transaction for a consistent picture. */
    *chunks(after = 0, until = LAST_ROWID): Generator<IdentifierIndexChunk> {
      for (const raw of rawChunks(after, until)) yield parseIndexChunk(raw);
    },
    /** Smallest and largest rowid (two b-tree descents, no scan), or undefined for an empty table. */
    rowids(): { min: number; max: number } | undefined {
      const min = minRowid.get() as number | null;
      const max = maxRowid.get() as number | null;
      return min === null || max === null ? undefined : { min, max };
    },
    /** One identifier by uid. */
    one(uid: string): IdentifierIndexEntry | undefined {
      const row = one.get(uid) as unknown[] | undefined;
      return row && entryOfRow(row);
    },
  };
}

export function parseIndexChunk(raw: RawIndexChunk): IdentifierIndexChunk {
  const out: Record<string, unknown> = {};
  LOAD_COLUMNS.forEach(([name], i) => {
    out[name] = JSON.parse(raw[i]!);
  });
  return out as unknown as IdentifierIndexChunk;
}

export type IdentifierIndexReader = ReturnType<typeof createIdentifierIndexReader>;
