import type { Db } from './database.ts';

/**
 * Reads identifiers as the in-memory credential index needs them: the start-up load in chunks,
 * one identifier after a change, and the column list a write returns (`INDEX_ENTRY_COLUMNS`).
 *
 * Start-up: each row crossing from SQLite into JS costs ~1.5 µs plus ~0.25 µs per column with
 * better-sqlite3 (`.raw().iterate()`, measured on the build machine: 4.5 s CPU for 1,000,000 rows
 * of 12 columns), so rows do not cross one by one. SQLite aggregates a chunk of rows into one JSON
 * array per column (`json_group_array`, which escapes any stored text exactly) and V8's JSON.parse
 * turns each into a JS array: one crossing per chunk. The index ids are the rowids of the
 * identifier, its owner and its time profile (see service/index-sync.ts).
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
  /** rowid of the owning user. */
  readonly ownerId: number;
  /** rowid of the time profile, null without one. */
  readonly timeProfileId: number | null;
}

/** A chunk of the start-up read: parallel arrays, one entry per identifier, in rowid order. */
export type IdentifierIndexChunk = { readonly [K in keyof IdentifierIndexEntry]: ReadonlyArray<IdentifierIndexEntry[K]> };

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
  ['ownerId', '(SELECT rowid FROM users WHERE uuid = identifiers.user_uuid)'],
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

/** 16k rows: ~1 MB of JSON per column at most, and few enough crossings to not matter. */
const DEFAULT_CHUNK_ROWS = 16_384;

export function createIdentifierIndexReader(db: Db, chunkRows = DEFAULT_CHUNK_ROWS) {
  const limit = Math.max(1, Math.trunc(chunkRows));
  // Every aggregate consumes the same rows in the same order, so the arrays stay aligned.
  const chunk = db.sqlite
    .prepare<[number]>(
      `SELECT ${COLUMNS.map(([name]) => `json_group_array(${name})`).join(', ')}, max(id), count(*) FROM (
         SELECT ${INDEX_ENTRY_COLUMNS} FROM identifiers WHERE rowid > ? ORDER BY rowid LIMIT ${limit})`,
    )
    .raw(true);
  const one = db.sqlite.prepare<[string]>(`SELECT ${INDEX_ENTRY_COLUMNS} FROM identifiers WHERE uid = ?`).raw(true);

  return {
    /** Every identifier, in chunks; read it inside one transaction for a consistent picture. */
    *chunks(): Generator<IdentifierIndexChunk> {
      let after = 0;
      for (;;) {
        const row = chunk.get(after) as unknown[] | undefined;
        const count = row?.[COLUMNS.length + 1] as number | undefined;
        if (!row || !count) return;
        const out: Record<string, unknown> = {};
        COLUMNS.forEach(([name], i) => {
          out[name] = JSON.parse(row[i] as string);
        });
        yield out as IdentifierIndexChunk;
        after = row[COLUMNS.length] as number;
        if (count < limit) return;
      }
    },
    /** One identifier by uid. */
    one(uid: string): IdentifierIndexEntry | undefined {
      const row = one.get(uid) as unknown[] | undefined;
      return row && entryOfRow(row);
    },
  };
}

export type IdentifierIndexReader = ReturnType<typeof createIdentifierIndexReader>;
