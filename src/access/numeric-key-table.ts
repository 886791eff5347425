/**
 * A hash table from safe-integer keys to non-negative int32 values, in two typed arrays.
 *
 * Why not Map<number, number>: keys above 2^30 are boxed heap numbers, and on Node 20 filling a
 * Map with a million of them costs over a second and ~35 bytes per entry of GC-managed heap. This
 * table uses open addressing with linear probing (load ≤ 0.6) and backward-shift deletion (no
 * tombstones), 12 bytes per bucket, nothing for the garbage collector to trace.
 */
const TWO_32 = 4294967296;
const MAX_LOAD = 0.6;

export class NumericKeyTable {
  private keys: Float64Array;
  /** value + 1; 0 marks an empty bucket. */
  private vals: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 16) {
    const buckets = NumericKeyTable.bucketsFor(expected);
    this.keys = new Float64Array(buckets);
    this.vals = new Int32Array(buckets);
    this.mask = buckets - 1;
  }

  private static bucketsFor(entries: number): number {
    let b = 16;
    while (entries > b * MAX_LOAD) b *= 2;
    return b;
  }

  get size(): number {
    return this.count;
  }

  private home(key: number): number {
    let h = Math.imul((key >>> 0) ^ Math.imul(Math.floor(key / TWO_32) | 0, 0x9e3779b1), 0x85ebca6b);
    h ^= h >>> 15;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 13;
    return h & this.mask;
  }

  /** The bucket holding `key`, or the empty bucket where it would go. */
  private find(key: number): number {
    let i = this.home(key);
    while (this.vals[i] !== 0 && this.keys[i] !== key) i = (i + 1) & this.mask;
    return i;
  }

  /** The value for key, or -1. */
  get(key: number): number {
    const i = this.find(key);
    return this.vals[i]! - 1;
  }

  /** value must be an int32 ≥ 0. */
  set(key: number, value: number): void {
    let i = this.find(key);
    if (this.vals[i] === 0) {
      if (this.count + 1 > (this.mask + 1) * MAX_LOAD) {
        this.resize((this.mask + 1) * 2);
        i = this.find(key);
      }
      this.count++;
      this.keys[i] = key;
    }
    this.vals[i] = value + 1;
  }

  delete(key: number): boolean {
    let i = this.find(key);
    if (this.vals[i] === 0) return false;
    this.count--;
    // Backward shift: pull later members of the probe run into the hole so lookups never stop early.
    for (let j = (i + 1) & this.mask; this.vals[j] !== 0; j = (j + 1) & this.mask) {
      const h = this.home(this.keys[j]!);
      const between = i <= j ? i < h && h <= j : i < h || h <= j;
      if (!between) {
        this.keys[i] = this.keys[j]!;
        this.vals[i] = this.vals[j]!;
        i = j;
      }
    }
    this.vals[i] = 0;
    return true;
  }

  clear(): void {
    this.vals.fill(0);
    this.count = 0;
  }

  /** Make room for `entries` without further rehashing (bulk load). */
  reserve(entries: number): void {
    const buckets = NumericKeyTable.bucketsFor(entries);
    if (buckets > this.mask + 1) this.resize(buckets);
  }

  private resize(buckets: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = new Float64Array(buckets);
    this.vals = new Int32Array(buckets);
    this.mask = buckets - 1;
    for (let j = 0; j < oldVals.length; j++) {
      if (oldVals[j] === 0) continue;
      const i = this.find(oldKeys[j]!);
      this.keys[i] = oldKeys[j]!;
      this.vals[i] = oldVals[j]!;
    }
  }
}
