/**
 * In-memory credential index: O(1) lookup of an identifier by (type, number) for the access
 * decision, holding a million records in a few tens of MB.
 *
 * Records live in a struct of typed-array columns addressed by a slot number; per-type Maps go from
 * a compact key (see identifier-key.ts) to the slot, and one Map goes from the storage id to the
 * slot. Removed slots are reused. Nothing here does I/O.
 *
 * CONTRACT WITH STORAGE: the index mirrors committed storage. The storage layer calls
 * upsert/remove/setPassesUsed/recordPass only AFTER its SQLite transaction has committed, and
 * rebuilds with loadBulk at start (or after a restore). The index never writes back; if a call is
 * missed, the next loadBulk repairs it. Ids are safe integers unique across the whole index: a
 * storage layer that keeps access codes in a table of their own maps them to a disjoint range
 * (e.g. negative ids).
 */
import type { CredentialNumber } from '../wiegand/credential-number.ts';
import {
  IDENTIFIER_TYPE_NAMES,
  TYPE_CODE,
  decodeKey,
  encodeKey,
  isIdentifierType,
  type IdentifierType,
  type IdentifierValue,
  type LookupKey,
} from './identifier-key.ts';
import { NumericKeyTable } from './numeric-key-table.ts';
import { LOCK_SCOPES, isLockScope, lockScopeOfMask, type LockScope } from './lock-scope.ts';

/** One identifier as storage hands it over. Times are wall-clock ms; validity is whole seconds. */
export interface IdentifierRow {
  readonly id: number;
  readonly type: IdentifierType;
  /** bigint (or safe integer) for card/face_id/ukey; digit string for inputCode; text for qr/license_plate. */
  readonly value: IdentifierValue;
  readonly lock: LockScope;
  /** Valid from the second containing this instant, inclusive. null/undefined = no start. */
  readonly validFrom?: number | null;
  /** Valid up to and including the second containing this instant. null/undefined = no end. */
  readonly validTo?: number | null;
  /** null/undefined = unlimited passes. */
  readonly maxPasses?: number | null;
  readonly passesUsed?: number;
  /** Default true. */
  readonly enabled?: boolean;
  /** One-time access code (seed 004): consumed by its first grant. */
  readonly oneTimeUse?: boolean;
  /** A PIN verifier is enrolled for this identifier (the PIN itself never enters the index). */
  readonly hasPin?: boolean;
  /** Positive time-profile id; 0/null/undefined = no profile (always). */
  readonly timeProfileId?: number | null;
}

/** A record read back from the index (normalised: the value is canonical, defaults filled in). */
export interface IdentifierRecord {
  readonly id: number;
  readonly type: IdentifierType;
  readonly value: CredentialNumber | string;
  readonly lock: LockScope;
  readonly validFromSec: number | null;
  readonly validToSec: number | null;
  readonly maxPasses: number | null;
  readonly passesUsed: number;
  readonly enabled: boolean;
  readonly oneTimeUse: boolean;
  readonly hasPin: boolean;
  readonly timeProfileId: number | null;
}

export type RowError =
  | 'invalid_id'
  | 'invalid_type'
  | 'invalid_value'
  | 'invalid_lock'
  | 'invalid_validity'
  | 'invalid_passes'
  | 'invalid_reference'
  | 'number_taken';

export type UpsertResult = { ok: true } | { ok: false; reason: RowError };

export interface BulkLoadResult {
  readonly loaded: number;
  readonly rejected: ReadonlyArray<{ readonly id: number; readonly reason: RowError }>;
}

export const FLAG = { LIVE: 1, ENABLED: 2, ONE_TIME: 4, HAS_PIN: 8 } as const;

/** validFrom 0 means "since ever"; validTo NO_END means "never ends" (second 2^32-1, year 2106). */
export const NO_END = 0xffff_ffff;
/** maxPasses value meaning unlimited. */
export const UNLIMITED = -1;

const COLUMN_TYPES = {
  id: Float64Array,
  keyNum: Float64Array,
  validFrom: Uint32Array,
  validTo: Uint32Array,
  maxPasses: Int32Array,
  passesUsed: Int32Array,
  timeProfileId: Int32Array,
  type: Uint8Array,
  lock: Uint8Array,
  flags: Uint8Array,
} as const;

type ColumnName = keyof typeof COLUMN_TYPES;
export type IndexColumns = { [K in ColumnName]: InstanceType<(typeof COLUMN_TYPES)[K]> };

const COLUMN_NAMES = Object.keys(COLUMN_TYPES) as ColumnName[];
const INT32_MAX = 0x7fff_ffff;

function allocate(capacity: number, from?: IndexColumns): IndexColumns {
  const cols = {} as Record<ColumnName, IndexColumns[ColumnName]>;
  for (const name of COLUMN_NAMES) {
    const col = new COLUMN_TYPES[name](capacity);
    if (from) col.set(from[name].subarray(0, Math.min(capacity, from[name].length)) as never);
    cols[name] = col;
  }
  return cols as IndexColumns;
}

function secondsOf(ms: number | null | undefined, absent: number): number | undefined {
  if (ms === null || ms === undefined) return absent;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(NO_END - 1, Math.max(0, Math.floor(ms / 1000)));
}

function optionalRef(v: number | null | undefined): number | undefined {
  if (v === null || v === undefined) return 0;
  return Number.isInteger(v) && v >= 0 && v <= INT32_MAX ? v : undefined;
}

export class CredentialIndex {
  private cols: IndexColumns;
  private capacity: number;
  private used = 0;
  private readonly free: number[] = [];
  private readonly slotById = new NumericKeyTable();
  private readonly numKeys = IDENTIFIER_TYPE_NAMES.map(() => new NumericKeyTable());
  private readonly strKeys: Map<string, number>[] = IDENTIFIER_TYPE_NAMES.map(() => new Map());
  /** String keys by slot (rare: huge numbers, long codes, text types); numeric keys live in keyNum. */
  private readonly slotText = new Map<number, string>();

  constructor(initialCapacity = 1024) {
    this.capacity = Math.max(16, initialCapacity);
    this.cols = allocate(this.capacity);
  }

  get size(): number {
    return this.slotById.size;
  }

  /**
   * The raw columns, for the rules engine's hot path. Read-only by convention; the object is
   * replaced when the index grows, so do not hold it across calls that modify the index.
   */
  get columns(): Readonly<IndexColumns> {
    return this.cols;
  }

  /** Slot of an identifier by (type, value), or -1. */
  findSlot(type: IdentifierType, value: IdentifierValue): number {
    const key = encodeKey(type, value);
    if (key === undefined) return -1;
    const code = TYPE_CODE[type];
    return typeof key === 'number' ? this.numKeys[code]!.get(key, this.cols.keyNum) : (this.strKeys[code]!.get(key) ?? -1);
  }

  slotOfId(id: number): number {
    return Number.isSafeInteger(id) ? this.slotById.get(id, this.cols.id) : -1;
  }

  has(id: number): boolean {
    return this.slotOfId(id) >= 0;
  }

  get(id: number): IdentifierRecord | undefined {
    const slot = this.slotOfId(id);
    return slot < 0 ? undefined : this.recordAt(slot);
  }

  /** Insert or replace the identifier with row.id. Call only after storage has committed. */
  upsert(row: IdentifierRow): UpsertResult {
    const reason = this.put(row);
    return reason === undefined ? { ok: true } : { ok: false, reason };
  }

  /** Remove by id; false if it was not there. Call only after storage has committed. */
  remove(id: number): boolean {
    const slot = this.slotOfId(id);
    if (slot < 0) return false;
    this.unmapKey(slot);
    this.slotById.delete(id, this.cols.id);
    this.cols.flags[slot] = 0;
    this.free.push(slot);
    return true;
  }

  /** Set the passes used (e.g. after an administrator resets a counter). */
  setPassesUsed(id: number, passesUsed: number): boolean {
    const slot = this.slotOfId(id);
    if (slot < 0 || !Number.isInteger(passesUsed) || passesUsed < 0) return false;
    this.cols.passesUsed[slot] = Math.min(passesUsed, INT32_MAX);
    return true;
  }

  /**
   * Count one pass after a grant with consumePass=true, once the caller has committed the
   * decrement to storage (see rules-engine.ts). One-time codes become used by this.
   */
  recordPass(id: number): boolean {
    const slot = this.slotOfId(id);
    if (slot < 0) return false;
    const used = this.cols.passesUsed[slot]!;
    if (used < INT32_MAX) this.cols.passesUsed[slot] = used + 1;
    return true;
  }

  clear(): void {
    this.slotById.clear();
    for (const m of this.numKeys) m.clear();
    for (const m of this.strKeys) m.clear();
    this.slotText.clear();
    this.free.length = 0;
    this.used = 0;
    this.cols.flags.fill(0);
  }

  /**
   * Replace the whole content with `rows` (start-up, restore). Bad rows are skipped and reported,
   * never thrown. `expected` (e.g. SELECT type, COUNT(*) … GROUP BY type) sizes the columns and
   * tables once instead of regrowing them, which saves time and transient memory. Nothing of a row
   * object is kept once it has been read, so a source may hand back the same object refilled.
   */
  loadBulk(rows: Iterable<IdentifierRow>, expected: Partial<Record<IdentifierType, number>> = {}): BulkLoadResult {
    this.clear();
    this.reserve(expected);
    return this.addBulk(rows);
  }

  /** Sizes the columns and tables for this many identifiers of each type in all (see loadBulk). */
  reserve(expected: Partial<Record<IdentifierType, number>>): void {
    let total = 0;
    for (const type of IDENTIFIER_TYPE_NAMES) {
      const count = expected[type] ?? 0;
      total += count;
      this.numKeys[TYPE_CODE[type]]!.reserve(count, this.cols.keyNum);
    }
    if (total > this.capacity) this.grow(total);
    this.slotById.reserve(total, this.cols.id);
  }

  /**
   * Puts `rows` in, as loadBulk does, but leaves alone every identifier the index already holds and
   * each one whose id `skip` names (a background load passes over what changed since it began).
   */
  addBulk(rows: Iterable<IdentifierRow>, skip?: (id: number) => boolean): BulkLoadResult {
    const rejected: Array<{ id: number; reason: RowError }> = [];
    let loaded = 0;
    for (const row of rows) {
      if (skip?.(row.id)) continue;
      const reason = this.put(row, true);
      if (reason === undefined) loaded++;
      else if (reason !== 'kept') rejected.push({ id: row.id, reason });
    }
    return { loaded, rejected };
  }

  /** `keepExisting`: an id already held is left as it is ('kept'). */
  private put(row: IdentifierRow): RowError | undefined;
  private put(row: IdentifierRow, keepExisting: true): RowError | 'kept' | undefined;
  private put(row: IdentifierRow, keepExisting = false): RowError | 'kept' | undefined {
    if (!Number.isSafeInteger(row.id)) return 'invalid_id';
    if (!isIdentifierType(row.type)) return 'invalid_type';
    const key = encodeKey(row.type, row.value);
    if (key === undefined) return 'invalid_value';
    if (!isLockScope(row.lock)) return 'invalid_lock';
    const from = secondsOf(row.validFrom, 0);
    const to = secondsOf(row.validTo, NO_END);
    if (from === undefined || to === undefined || to < from) return 'invalid_validity';
    const max = row.maxPasses ?? UNLIMITED;
    const passes = row.passesUsed ?? 0;
    if (max !== UNLIMITED && !(Number.isInteger(max) && max >= 0 && max <= INT32_MAX)) return 'invalid_passes';
    if (!(Number.isInteger(passes) && passes >= 0 && passes <= INT32_MAX)) return 'invalid_passes';
    const profile = optionalRef(row.timeProfileId);
    if (profile === undefined) return 'invalid_reference';

    const code = TYPE_CODE[row.type];
    // Buckets, not just lookups: a new identifier (a load's every row) is then mapped where its
    // lookups ended, without probing the tables again.
    const numTable = typeof key === 'number' ? this.numKeys[code]! : undefined;
    const keyBucket = numTable ? numTable.bucketOf(key as number, this.cols.keyNum) : -1;
    const holder = numTable ? numTable.slotIn(keyBucket) : (this.strKeys[code]!.get(key as string) ?? -1);
    const idBucket = this.slotById.bucketOf(row.id, this.cols.id);
    const existing = this.slotById.slotIn(idBucket);
    if (existing >= 0 && keepExisting) return 'kept';
    if (holder >= 0 && holder !== existing) return 'number_taken';

    let slot: number;
    if (existing >= 0) {
      slot = existing;
      if (holder < 0) {
        // Unmapping can move entries of the table the new key goes to: map it afresh.
        this.unmapKey(slot);
        this.mapKey(code, key, slot);
      }
    } else {
      slot = this.allocSlot();
      // The tables read each slot's key from its column: write it before mapping.
      this.cols.id[slot] = row.id;
      this.slotById.setAt(idBucket, row.id, slot, this.cols.id);
      this.mapKey(code, key, slot, keyBucket);
    }

    const c = this.cols;
    c.id[slot] = row.id;
    c.type[slot] = code;
    c.lock[slot] = LOCK_SCOPES[row.lock];
    c.validFrom[slot] = from;
    c.validTo[slot] = to;
    c.maxPasses[slot] = max;
    c.passesUsed[slot] = passes;
    c.timeProfileId[slot] = profile;
    c.flags[slot] =
      FLAG.LIVE |
      (row.enabled === false ? 0 : FLAG.ENABLED) |
      (row.oneTimeUse ? FLAG.ONE_TIME : 0) |
      (row.hasPin ? FLAG.HAS_PIN : 0);
    return undefined;
  }

  /** `bucket`: where a lookup of this numeric key ended, the table unchanged since (saves probing again). */
  private mapKey(code: number, key: LookupKey, slot: number, bucket?: number): void {
    if (typeof key === 'number') {
      this.cols.keyNum[slot] = key;
      const table = this.numKeys[code]!;
      if (bucket === undefined) table.set(key, slot, this.cols.keyNum);
      else table.setAt(bucket, key, slot, this.cols.keyNum);
    } else {
      this.strKeys[code]!.set(key, slot);
      this.cols.keyNum[slot] = NaN;
      this.slotText.set(slot, key);
    }
  }

  private keyAt(slot: number): LookupKey {
    const n = this.cols.keyNum[slot]!;
    return Number.isNaN(n) ? this.slotText.get(slot)! : n;
  }

  private unmapKey(slot: number): void {
    const code = this.cols.type[slot]!;
    const key = this.keyAt(slot);
    if (typeof key === 'number') this.numKeys[code]!.delete(key, this.cols.keyNum);
    else {
      this.strKeys[code]!.delete(key);
      this.slotText.delete(slot);
    }
  }

  private allocSlot(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.used === this.capacity) this.grow(this.capacity * 2);
    return this.used++;
  }

  private grow(capacity: number): void {
    this.cols = allocate(capacity, this.cols);
    this.capacity = capacity;
  }

  private recordAt(slot: number): IdentifierRecord {
    const c = this.cols;
    const type = IDENTIFIER_TYPE_NAMES[c.type[slot]!]!;
    const flags = c.flags[slot]!;
    const from = c.validFrom[slot]!;
    const to = c.validTo[slot]!;
    const max = c.maxPasses[slot]!;
    return {
      id: c.id[slot]!,
      type,
      value: decodeKey(type, this.keyAt(slot)),
      lock: lockScopeOfMask(c.lock[slot]!)!,
      validFromSec: from === 0 ? null : from,
      validToSec: to === NO_END ? null : to,
      maxPasses: max === UNLIMITED ? null : max,
      passesUsed: c.passesUsed[slot]!,
      enabled: (flags & FLAG.ENABLED) !== 0,
      oneTimeUse: (flags & FLAG.ONE_TIME) !== 0,
      hasPin: (flags & FLAG.HAS_PIN) !== 0,
      timeProfileId: c.timeProfileId[slot] || null,
    };
  }
}
