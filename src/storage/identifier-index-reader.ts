import type { Db } from './database.ts';

/**
 * The start-up read of every identifier for the in-memory credential index, column by column.
 *
 * Each row crossing from SQLite into JS costs ~1.5 µs plus ~0.25 µs per column with better-sqlite3
 * (`.raw().iterate()`, measured on the build machine: 4.5 s CPU for 1,000,000 rows of 12 columns),
 * so rows do not cross one by one. SQLite aggregates a chunk of rows into one JSON array per column
 * (`json_group_array`, which escapes any stored text exactly) and V8's JSON.parse turns each into a
 * JS array: one crossing per chunk. The index ids are the rowids of the identifier, its owner and
 * its time profile (see service/index-sync.ts).
 */
export interface IdentifierIndexChunk {
  /** Parallel arrays, one entry per identifier, in rowid order. */
  readonly id: readonly number[];
  readonly type: readonly string[];
  /** The stored number text (see number-key.ts). */
  readonly number: readonly string[];
  readonly lock: readonly string[];
  /** Unix seconds. */
  readonly validFrom: readonly (number | null)[];
  readonly validTo: readonly (number | null)[];
  readonly maxPasses: readonly (number | null)[];
  readonly passesUsed: readonly number[];
  readonly enabled: readonly number[];
  readonly hasPin: readonly number[];
  /** rowid of the owning user. */
  readonly ownerId: readonly number[];
  /** rowid of the time profile, null without one. */
  readonly timeProfileId: readonly (number | null)[];
}

const COLUMNS: ReadonlyArray<readonly [keyof IdentifierIndexChunk, string]> = [
  ['id', 'i.rowid'],
  ['type', 'i.type'],
  ['number', 'i.number'],
  ['lock', 'i.lock'],
  ['validFrom', 'i.valid_from'],
  ['validTo', 'i.valid_to'],
  ['maxPasses', 'i.max_passes'],
  ['passesUsed', 'i.passes_used'],
  ['enabled', 'i.enabled'],
  ['hasPin', 'i.pin_hash IS NOT NULL'],
  ['ownerId', 'u.rowid'],
  ['timeProfileId', 'tp.rowid'],
];

/** 16k rows: ~1 MB of JSON per column at most, and few enough crossings to not matter. */
const DEFAULT_CHUNK_ROWS = 16_384;

export function createIdentifierIndexReader(db: Db, chunkRows = DEFAULT_CHUNK_ROWS) {
  const limit = Math.max(1, Math.trunc(chunkRows));
  // Every aggregate consumes the same rows in the same order, so the arrays stay aligned.
  const chunk = db.sqlite
    .prepare<[number]>(
      `SELECT ${COLUMNS.map(([name]) => `json_group_array(${name})`).join(', ')}, max(id), count(*) FROM (
         SELECT ${COLUMNS.map(([name, expr]) => `${expr} AS ${name}`).join(', ')}
         FROM identifiers i JOIN users u ON u.uuid = i.user_uuid LEFT JOIN time_profiles tp ON tp.id = i.time_profile_id
         WHERE i.rowid > ? ORDER BY i.rowid LIMIT ${limit})`,
    )
    .raw(true);

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
        yield out as unknown as IdentifierIndexChunk;
        after = row[COLUMNS.length] as number;
        if (count < limit) return;
      }
    },
  };
}

export type IdentifierIndexReader = ReturnType<typeof createIdentifierIndexReader>;
