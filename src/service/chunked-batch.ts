/**
 * Batch writes without stalling the event loop (which also serves the door readers) and without
 * one fsync per item.
 *
 * Items run in chunks; a chunk is one SQLite transaction and each item inside it is its own
 * savepoint (`db.attempt` nests) or a single statement, so a failed item rolls back only its own
 * writes. After a chunk commits, the items' after-commit actions (credential index updates,
 * journal appends) run. The loop yields (setImmediate) before every chunk, the first included, so
 * the work that came before (request parsing) and a chunk never add up to one long block.
 *
 * A chunk ends after `maxItems` items or once `maxMs` of work has been spent. The block the event
 * loop sees is that plus the commit plus the after-commit actions, hence the small default. Chunks
 * commit unsynced (no fsync each, which took 2 ms median and up to ~16 ms on the build machine's
 * disk); the WAL is synced once, off the event loop, before the results are returned. While a
 * worker thread holds the write lock (the checkpointer's restart, a batch worker's chunk) the next
 * chunk waits for it without blocking the loop (write-turn.ts `workersLetGo`).
 */
import type { Clock } from '../core/clock.ts';
import type { Db } from '../storage/database.ts';
import { isBusy } from '../storage/sqlite-errors.ts';
import { claim, holding, workersLetGo, writeTurnOf } from '../storage/write-turn.ts';

export interface ChunkOptions {
  readonly clock: Clock;
  /** Items per chunk at most. Default 1000. */
  readonly maxItems?: number;
  /** Item work per chunk at most, in ms of monotonic time (the commit comes on top). Default 2 ms. */
  readonly maxMs?: number;
  /**
   * Called before each chunk's transaction begins: what was read in the previous transaction may
   * have changed while the loop ran other tasks (e.g. clear a lookup cache).
   */
  readonly onChunkStart?: () => void;
  /**
   * Awaited before each chunk instead of one event-loop turn (setImmediate). A batch worker waits
   * here long enough for the daemon's own writers to take the SQLite write lock between chunks.
   */
  readonly pause?: () => Promise<void>;
  /** Checked after each item: true ends the chunk now (commit), e.g. another thread waits for the write lock. */
  readonly shouldYield?: () => boolean;
  /**
   * Ask another thread writing the file (the batch worker) to let go of the lock for each chunk
   * (storage/write-turn.ts). Default true, for the event loop; the worker itself sets false.
   */
  readonly claimTurn?: boolean;
  /**
   * Sync the WAL once after the last chunk, before returning (default true). The batch worker says
   * false: it makes each chunk durable itself before reporting it (identifier-batch-job.ts).
   */
  readonly syncAtEnd?: boolean;
}

export type AfterCommit = (action: () => void) => void;

const BUSY_RETRY_MS = 1;

/**
 * Runs `write` (a write transaction), trying again while SQLite refuses it with SQLITE_BUSY.
 * SQLite can refuse BEGIN IMMEDIATE well inside the busy timeout (seen in the batch worker: after
 * ~17 ms of 5 s, around a WAL restart). Refused before the transaction's work began (`began`
 * false; a rolled-back transaction without side effects may say so too), nothing was written:
 * wait a millisecond and try again, until the busy timeout has passed in all (and at most once per
 * millisecond of it, whatever the clock says).
 */
export async function retryRefusedWrite<T>(db: Db, clock: Clock, write: () => T, began: () => boolean = () => false): Promise<T> {
  const busyTimeoutMs = db.sqlite.pragma('busy_timeout', { simple: true }) as number;
  const firstTryUs = clock.monotonicUs();
  for (let retries = 0; ; retries++) {
    try {
      return write();
    } catch (err) {
      const spentMs = (clock.monotonicUs() - firstTryUs) / 1000;
      if (began() || !isBusy(err) || spentMs >= busyTimeoutMs || retries >= busyTimeoutMs / BUSY_RETRY_MS) throw err;
      await new Promise<void>((resolve) => clock.setTimeout(resolve, BUSY_RETRY_MS));
    }
  }
}

/**
 * A transaction that takes the write lock at BEGIN (IMMEDIATE), waiting for it with the busy
 * timeout. A deferred transaction that reads first cannot become a writer once another connection
 * (the batch worker) has committed since its read: SQLite answers SQLITE_BUSY at once, no waiting.
 * Nested in a transaction, it is a savepoint.
 */
export function writeTransaction<T>(db: Db, fn: () => T): T {
  return db.sqlite.transaction(fn).immediate();
}

/** One event-loop turn (setImmediate): lets timers, I/O and the door readers run. */
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export async function runInChunks<I, R>(
  db: Db,
  items: readonly I[],
  processItem: (item: I, index: number, afterCommit: AfterCommit) => R,
  opts: ChunkOptions,
): Promise<R[]> {
  const maxItems = Math.max(1, opts.maxItems ?? 1000);
  const maxUs = (opts.maxMs ?? 2) * 1000;
  const results: R[] = [];
  let next = 0;
  const pause = opts.pause ?? yieldToLoop;
  const claimTurn = opts.claimTurn ?? true;
  const turn = writeTurnOf(db.path);
  while (next < items.length) {
    await pause();
    if (claimTurn) await workersLetGo(turn);
    opts.onChunkStart?.();
    const pending: Array<() => void> = [];
    const queue: AfterCommit = (action) => pending.push(action);
    let startUs = 0;
    let began = false;
    const chunk = () =>
      writeTransaction(db, () => {
        began = true;
        startUs = opts.clock.monotonicUs();
        const end = Math.min(items.length, next + maxItems);
        while (next < end) {
          results.push(processItem(items[next]!, next, queue));
          next++;
          if (opts.clock.monotonicUs() - startUs >= maxUs || opts.shouldYield?.()) break;
        }
      });
    await retryRefusedWrite(db, opts.clock, () => db.unsynced(() => (claimTurn ? claim(turn, chunk) : holding(turn, chunk))), () => began);
    for (const action of pending) action();
  }
  // Chunks commit without an fsync each; one fsync of the WAL, off the event loop, makes them all
  // durable before the caller can acknowledge anything.
  if (items.length > 0 && (opts.syncAtEnd ?? true)) await db.syncWal();
  return results;
}

/**
 * `items.map(fn)` in slices with a yield to the event loop between them, for pure per-item work
 * (validation, number parsing) on large batches. A throw stops it, like map.
 */
export async function mapInSlices<I, R>(items: readonly I[], fn: (item: I, index: number) => R, slice = 250): Promise<R[]> {
  const out: R[] = [];
  for (let start = 0; start < items.length; start += slice) {
    if (start > 0) await yieldToLoop();
    const end = Math.min(items.length, start + slice);
    for (let i = start; i < end; i++) out.push(fn(items[i]!, i));
  }
  return out;
}

/** One item on its own: the same after-commit contract as a batch of one. */
export function runOne<R>(db: Db, process: (afterCommit: AfterCommit) => R): R {
  const pending: Array<() => void> = [];
  // On the event loop: the batch worker, if writing, lets go of the lock within one item.
  const result = claim(writeTurnOf(db.path), () => writeTransaction(db, () => process((action) => pending.push(action))));
  for (const action of pending) action();
  return result;
}
