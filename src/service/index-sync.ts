/**
 * Keeps the in-memory credential index in step with committed storage.
 *
 * The index addresses records by a safe integer; identifiers are keyed by a text uid in SQLite.
 * The bridge is the identifiers table's rowid (and the time profile's rowid for the index's
 * timeProfileId): stable for a row's life, free to look up, no extra memory.
 * Access codes (seed 004) share the keypad number space: they enter the index as `inputCode`
 * records under the negated rowid of their own table, so the two id ranges never meet.
 * The start-up load (`startLoad`, `loadAll`) and every later change go through this one module so
 * the two can never disagree about ids. Calls happen only after the write transaction has committed.
 *
 * A large table loads in the background while the daemon already runs. Then every chunk was read
 * at some point after the load began, and every change since then has come through here after its
 * commit: a changed identifier is in the index already (or is listed as removed), and its state
 * there is at least as new as any chunk's. So the load puts in only identifiers the index does not
 * hold and that were not removed meanwhile. A card presented before its chunk came is read from
 * storage by `lookupMiss` and kept, which is the same as a change. Pass counts are safe either way:
 * storage refuses a pass beyond the limit whatever the index says (pass-ledger.ts).
 */
import type { Logger } from '../core/logger.ts';
import type { BulkLoadResult, CredentialIndex, IdentifierRow as IndexRow } from '../access/credential-index.ts';
import { IDENTIFIER_TYPES, type IdentifierType, type IdentifierValue } from '../access/identifier-key.ts';
import { isLockScope, type LockScope } from '../access/lock-scope.ts';
import type { Db } from '../storage/database.ts';
import {
  INDEX_ENTRY_COLUMNS,
  createIdentifierIndexReader,
  enabledOfPacked,
  entryOfRow,
  hasPinOfPacked,
  lockOfPacked,
  typeOfPacked,
  type IdentifierIndexChunk,
  type IdentifierIndexEntry,
} from '../storage/identifier-index-reader.ts';
import { DEFAULT_PARALLEL_LOAD, loadChunks, loadChunksInBackground, loadsInParallel, type ParallelLoadOptions } from '../storage/identifier-index-parallel.ts';
import { storedNumber, valueFromStored } from '../storage/number-key.ts';
import type { LookupMiss } from '../access/rules-engine.ts';
import { yieldToLoop } from './chunked-batch.ts';

interface AccessCodeJoinedRow {
  rowid: number;
  code: string;
  lock: string;
  starts_at: number | null;
  ends_at: number | null;
  is_one_time_use: 0 | 1;
  used_at: number | null;
}

const ACCESS_CODE_SELECT = 'SELECT rowid, code, lock, starts_at, ends_at, is_one_time_use, used_at FROM access_codes';

const msOf = (seconds: number | null): number | null => (seconds === null ? null : seconds * 1000);

/** A one-time code that has been used counts one pass (the rules engine then answers code_used). */
function accessCodeIndexRow(r: AccessCodeJoinedRow): IndexRow | undefined {
  if (!isLockScope(r.lock)) return undefined;
  return {
    id: -r.rowid,
    type: 'inputCode',
    value: r.code,
    lock: r.lock,
    validFrom: msOf(r.starts_at),
    validTo: msOf(r.ends_at),
    maxPasses: null,
    passesUsed: r.used_at === null ? 0 : 1,
    oneTimeUse: r.is_one_time_use === 1,
  };
}

/** Up to 15 digits is below 2^53: a plain number is exact and spares a BigInt per row at start-up. */
function indexValue(type: IdentifierType, stored: string): IdentifierValue {
  return IDENTIFIER_TYPES[type] === 'numeric' && stored.length <= 15 ? Number(stored) : valueFromStored(type, stored);
}

/** Storage validity is in Unix seconds; the index takes wall-clock ms. */
function toIndexRow(e: IdentifierIndexEntry): IndexRow {
  const type = e.type as IdentifierType;
  return {
    id: e.id,
    type,
    value: indexValue(type, e.number),
    lock: e.lock as LockScope,
    validFrom: msOf(e.validFrom),
    validTo: msOf(e.validTo),
    maxPasses: e.maxPasses,
    passesUsed: e.passesUsed,
    enabled: e.enabled === 1,
    hasPin: e.hasPin === 1,
    timeProfileId: e.timeProfileId,
  };
}

type MutableIndexRow = { -readonly [K in keyof IndexRow]: IndexRow[K] };

/** Fills `row` with position `i` of a start-up chunk. */
function fillRow(row: MutableIndexRow, c: IdentifierIndexChunk, i: number): void {
  const p = c.packed[i]!;
  const n = c.number[i]!;
  const x = c.extra[i]!;
  row.id = c.id[i]!;
  row.type = typeOfPacked(p) as IdentifierType;
  row.value = typeof n === 'number' ? n : valueFromStored(row.type, n);
  row.lock = lockOfPacked(p) as LockScope;
  row.validFrom = x === 0 ? null : msOf(x[0]);
  row.validTo = x === 0 ? null : msOf(x[1]);
  row.maxPasses = x === 0 ? null : x[2];
  row.passesUsed = x === 0 ? 0 : x[3];
  row.enabled = enabledOfPacked(p) === 1;
  row.hasPin = hasPinOfPacked(p) === 1;
  row.timeProfileId = x === 0 ? null : x[4];
}

/**
 * The index rows of every start-up chunk, then `rest`. One row object and one iterator result are
 * refilled for every identifier (loadBulk keeps nothing of a row once it has read it): per-row
 * objects and generator results at a million identifiers cost time, and their garbage grows the
 * young generation by 16 MB that the process then keeps resident.
 */
function chunkRows(chunks: Iterable<IdentifierIndexChunk>, rest: Iterable<IndexRow>): Iterable<IndexRow> {
  return {
    [Symbol.iterator](): Iterator<IndexRow> {
      const source = chunks[Symbol.iterator]();
      let after: Iterator<IndexRow> | undefined;
      let c: IdentifierIndexChunk | undefined;
      let i = 0;
      const row: MutableIndexRow = {
        id: 0, type: 'card', value: 0, lock: 'all', validFrom: null, validTo: null, maxPasses: null,
        passesUsed: 0, enabled: true, hasPin: false, timeProfileId: null,
      };
      const result: IteratorYieldResult<IndexRow> = { value: row, done: false };
      return {
        next() {
          if (after) return after.next();
          while (!c || i >= c.id.length) {
            const r = source.next();
            if (r.done) {
              after = rest[Symbol.iterator]();
              return after.next();
            }
            c = r.value;
            i = 0;
          }
          fillRow(row, c, i++);
          return result;
        },
        // An early exit (an exception in loadBulk) must still end the chunk source: it stops the load worker.
        return() {
          source.return?.();
          return { value: undefined, done: true };
        },
      };
    },
  };
}

export interface IndexSync {
  /** The index id of an identifier; read it inside the transaction that is about to delete it. */
  idOf(uid: string): number | undefined;
  /** The uid behind an index id (for the journal of an access decision). */
  uidOf(id: number): string | undefined;
  /** After commit: re-read the identifier and put it into the index (insert or replace). */
  saved(uid: string): void;
  /** After commit: put an identifier as its write returned it (INDEX_ENTRY_COLUMNS) into the index. */
  savedEntry(entry: IdentifierIndexEntry): void;
  /** The same for position `i` of a chunk of committed entries (indexChunkOf), with no object made for it. */
  savedAt(chunk: IdentifierIndexChunk, i: number): void;
  /** After commit: the identifier with this index id is gone. */
  removed(id: number): void;
  /** Index id of an access code (negative); read it inside the transaction that deletes it. */
  accessCodeIdOf(id: string): number | undefined;
  /** The access code id behind a (negative) index id. */
  accessCodeOf(indexId: number): string | undefined;
  /** After commit: re-read the access code and put it into the index. */
  accessCodeSaved(id: string): void;
  /** Restore (and tests): replace the index content with every stored identifier and access code, now. */
  loadAll(): BulkLoadResult;
  /**
   * Start-up: loadAll, but a large identifier table (`parallelFromRows`) loads in the background,
   * one chunk per event-loop turn, while the daemon runs: until it is done, `lookupMiss` answers
   * what the index does not hold yet from storage, and every change keeps its newer state. The
   * load's workers start once `applyAfter` settles (start-up: once the daemon is ready; on two
   * cores, loading and starting at once delayed ready by ~0.6 s).
   */
  startLoad(opts?: { readonly applyAfter?: Promise<unknown> }): IndexLoad;
  /** A background load has not finished (or failed): lookupMiss reads storage. */
  readonly loading: boolean;
  /** For the rules engine: while a background load runs, a number the index misses is read from storage (and kept); else -1. */
  readonly lookupMiss: LookupMiss;
}

export interface IndexLoad {
  /** The load goes on after startLoad returned. */
  readonly background: boolean;
  /** Settles when the index holds everything (rejects if a background load failed: lookupMiss then stays on). */
  readonly done: Promise<BulkLoadResult>;
  /** Stops a background load at its next chunk (daemon stop). */
  cancel(): void;
}

/** `loadOptions`: how loadAll splits a large table between this thread and a worker (tests make it small). */
export function createIndexSync(db: Db, index: CredentialIndex, logger: Logger, loadOptions: ParallelLoadOptions = DEFAULT_PARALLEL_LOAD): IndexSync {
  const s = db.sqlite;
  const idByUid = s.prepare<[string], { id: number }>('SELECT rowid AS id FROM identifiers WHERE uid = ?');
  const uidById = s.prepare<[number], { uid: string }>('SELECT uid FROM identifiers WHERE rowid = ?');
  const reader = createIdentifierIndexReader(db, loadOptions.chunkRows);
  const codeRowid = s.prepare<[string], { rowid: number }>('SELECT rowid FROM access_codes WHERE id = ?');
  const codeIdByRowid = s.prepare<[number], { id: string }>('SELECT id FROM access_codes WHERE rowid = ?');
  const oneCode = s.prepare<[string], AccessCodeJoinedRow>(`${ACCESS_CODE_SELECT} WHERE id = ?`);
  const allCodes = s.prepare<[], AccessCodeJoinedRow>(ACCESS_CODE_SELECT);
  const codeCount = s.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM access_codes');
  const counts = s.prepare<[], { type: IdentifierType; n: number }>('SELECT type, n FROM identifier_counts');
  const entryByNumber = s.prepare<[string, string]>(`SELECT ${INDEX_ENTRY_COLUMNS} FROM identifiers WHERE type = ? AND number = ?`).raw(true);
  const codeByDigits = s.prepare<[string], AccessCodeJoinedRow>(`${ACCESS_CODE_SELECT} WHERE code = ?`);
  /** While a background load runs: the ids removed since it began (a chunk read earlier may still hold them). */
  let removedWhileLoading: Set<number> | undefined;

  function put(row: IndexRow): void {
    const r = index.upsert(row);
    // A refusal means index and storage disagree; the next loadAll repairs it.
    if (!r.ok) logger.warn({ id: row.id, reason: r.reason }, 'credential index refused a committed identifier');
  }
  /** Refilled by savedAt for every position (upsert keeps nothing of a row). */
  const scratch = {} as MutableIndexRow;

  return {
    idOf: (uid) => idByUid.get(uid)?.id,
    uidOf: (id) => uidById.get(id)?.uid,
    saved(uid) {
      const entry = reader.one(uid);
      if (entry) put(toIndexRow(entry));
    },
    savedEntry: (entry) => put(toIndexRow(entry)),
    savedAt(chunk, i) {
      fillRow(scratch, chunk, i);
      put(scratch);
    },
    removed(id) {
      index.remove(id);
      removedWhileLoading?.add(id);
    },
    accessCodeIdOf: (id) => {
      const r = codeRowid.get(id);
      return r === undefined ? undefined : -r.rowid;
    },
    accessCodeOf: (indexId) => (indexId < 0 ? codeIdByRowid.get(-indexId)?.id : undefined),
    accessCodeSaved(id) {
      const row = oneCode.get(id);
      const indexRow = row && accessCodeIndexRow(row);
      if (!indexRow) return;
      const r = index.upsert(indexRow);
      if (!r.ok) logger.warn({ accessCode: id, reason: r.reason }, 'credential index refused a committed access code');
    },
    loadAll,
    startLoad,
    get loading() {
      return removedWhileLoading !== undefined;
    },
    lookupMiss(type, value) {
      if (!removedWhileLoading) return -1;
      if (type === 'inputCode') {
        const code = codeByDigits.get(String(value));
        const row = code && accessCodeIndexRow(code);
        if (row) index.upsert(row);
      }
      const number = storedNumber(type, value);
      const entry = number === undefined ? undefined : (entryByNumber.get(type, number) as unknown[] | undefined);
      if (entry) put(toIndexRow(entryOfRow(entry)));
      return index.findSlot(type, value);
    },
  };

  function accessCodeRows(): Iterable<IndexRow> {
    return (function* () {
      for (const r of allCodes.iterate()) {
        const row = accessCodeIndexRow(r);
        if (row) yield row;
      }
    })();
  }

  function expectedCounts(): Partial<Record<IdentifierType, number>> {
    const expected: Partial<Record<IdentifierType, number>> = Object.fromEntries(counts.all().map((c) => [c.type, c.n]));
    expected.inputCode = (expected.inputCode ?? 0) + codeCount.get()!.n;
    return expected;
  }

  function reportRejected(result: BulkLoadResult): BulkLoadResult {
    if (result.rejected.length > 0) {
      logger.warn({ rejected: result.rejected.length }, 'credential index rejected stored identifiers');
    }
    return result;
  }

  function loadAll(): BulkLoadResult {
    const chunks = loadChunks(db, reader, logger, loadOptions);
    // One read transaction: the counts and every chunk see the same snapshot.
    return reportRejected(db.withTransaction(() => index.loadBulk(chunkRows(chunks, accessCodeRows()), expectedCounts())));
  }

  function startLoad(opts: { readonly applyAfter?: Promise<unknown> } = {}): IndexLoad {
    const range = reader.rowids();
    if (!range || !loadsInParallel(range, loadOptions)) return { background: false, done: Promise.resolve(loadAll()), cancel() {} };
    const removed = new Set<number>();
    removedWhileLoading = removed;
    index.clear();
    index.reserve(expectedCounts());
    // Access codes are few: they go in now. Identifiers follow a chunk at a time; whatever a change
    // (or lookupMiss) put in meanwhile, or removed, is newer than a chunk read before it.
    const codes = index.addBulk(accessCodeRows());
    // addBulk leaves alone what the index holds: changes (and lookupMiss) since the load began.
    const skip = (id: number): boolean => removed.has(id);
    let cancelled = false;
    let cancel = (): void => {};
    const cancelling = new Promise<void>((resolve) => (cancel = resolve));
    const done = (async (): Promise<BulkLoadResult> => {
      const rejected = [...codes.rejected];
      await Promise.race([opts.applyAfter, cancelling]);
      if (cancelled) return { loaded: index.size, rejected };
      for await (const chunk of loadChunksInBackground(db, reader, range, logger, loadOptions)) {
        rejected.push(...index.addBulk(chunkRows([chunk], []), skip).rejected);
        await yieldToLoop();
        if (cancelled) break;
      }
      if (!cancelled) removedWhileLoading = undefined;
      // What the index holds, changes made during the load included.
      return reportRejected({ loaded: index.size, rejected });
    })();
    return {
      background: true,
      done,
      cancel() {
        cancelled = true;
        cancel();
      },
    };
  }
}
