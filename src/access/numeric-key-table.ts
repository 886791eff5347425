/**
 * A hash table from safe-integer keys to slots, where each slot's key already lives in a column
 * the caller owns (`keys[slot] === key`): the table stores only slot + 1 per bucket.
 *
 * Why not Map<number, number>: keys above 2^30 are boxed heap numbers, and on Node 20 filling a
 * Map with a million of them costs over a second and ~35 bytes per entry of GC-managed heap. This
 * table uses open addressing with linear probing (load ≤ 0.6) and backward-shift deletion (no
 * tombstones) in one Int32Array: 4 bytes per bucket, ~7 MB for a million entries, nothing for the
 * garbage collector to trace. (It used to keep its own copy of every key, 12 bytes per bucket;
 * the credential index already holds each key in a column, so the copy was 2 × 16 MB at 1,000,000
 * identifiers for nothing.) Every call takes the key column, because the caller replaces it when
 * it grows.
 */
const TWO_32 = 4294967296;
const MAX_LOAD = 0.6;
/** Int32s in a 4 KiB page. */
const PAGE_INTS = 1024;

export type KeyColumn = ArrayLike<number>;

export class NumericKeyTable {
  /** slot + 1; 0 marks an empty bucket. */
  private slots: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 16) {
    const buckets = NumericKeyTable.bucketsFor(expected);
    this.slots = new Int32Array(buckets);
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
  private find(key: number, keys: KeyColumn): number {
    let i = this.home(key);
    for (let s = this.slots[i]!; s !== 0 && keys[s - 1] !== key; s = this.slots[i]!) i = (i + 1) & this.mask;
    return i;
  }

  /** The slot for key, or -1. */
  get(key: number, keys: KeyColumn): number {
    return this.slotIn(this.find(key, keys));
  }

  /**
   * The bucket of `key`: the one holding it, or the empty one where it would go. Good for `slotIn`
   * and `setAt` until the table next changes; one probe sequence serves a lookup and an insert
   * (each is a cache miss or two on a large table).
   */
  bucketOf(key: number, keys: KeyColumn): number {
    return this.find(key, keys);
  }

  /** The slot held in a bucket, or -1. */
  slotIn(bucket: number): number {
    return this.slots[bucket]! - 1;
  }

  /** Maps key to slot (an int32 ≥ 0); `keys[slot]` must already be `key`. */
  set(key: number, slot: number, keys: KeyColumn): void {
    this.setAt(this.find(key, keys), key, slot, keys);
  }

  /** `set` at the bucket `bucketOf(key)` gave, the table unchanged since. */
  setAt(bucket: number, key: number, slot: number, keys: KeyColumn): void {
    let i = bucket;
    if (this.slots[i] === 0) {
      if (this.count + 1 > (this.mask + 1) * MAX_LOAD) {
        this.resize((this.mask + 1) * 2, keys);
        i = this.find(key, keys);
      }
      this.count++;
    }
    this.slots[i] = slot + 1;
  }

  /** Unmaps key; call while `keys` still holds it at its slot. */
  delete(key: number, keys: KeyColumn): boolean {
    let i = this.find(key, keys);
    if (this.slots[i] === 0) return false;
    this.count--;
    // Backward shift: pull later members of the probe run into the hole so lookups never stop early.
    for (let j = (i + 1) & this.mask; this.slots[j] !== 0; j = (j + 1) & this.mask) {
      const h = this.home(keys[this.slots[j]! - 1]!);
      const between = i <= j ? i < h && h <= j : i < h || h <= j;
      if (!between) {
        this.slots[i] = this.slots[j]!;
        i = j;
      }
    }
    this.slots[i] = 0;
    return true;
  }

  clear(): void {
    this.slots.fill(0);
    this.count = 0;
  }

  /**
   * Make room for `entries` without further rehashing (bulk load), and touch every page of the
   * table now: a bulk load's inserts land on random buckets, and the kernel maps a fresh page at
   * its first read and again at its first write (~5 µs each on a VM). At a million entries that
   * was a 90 ms block in the first 4096-row chunk of a background load; in one sequential pass it
   * is ~4 ms per table, before the daemon is ready.
   */
  reserve(entries: number, keys: KeyColumn): void {
    const buckets = NumericKeyTable.bucketsFor(entries);
    if (buckets <= this.mask + 1) return;
    this.resize(buckets, keys);
    for (let i = 0; i < this.slots.length; i += PAGE_INTS) this.slots[i] = this.slots[i]! | 0;
  }

  private resize(buckets: number, keys: KeyColumn): void {
    const old = this.slots;
    this.slots = new Int32Array(buckets);
    this.mask = buckets - 1;
    for (let j = 0; j < old.length; j++) {
      const s = old[j]!;
      if (s !== 0) this.slots[this.find(keys[s - 1]!, keys)] = s;
    }
  }
}
