import type { Clock, TimerHandle } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { Journal, JournalEvent } from './journal.ts';

export interface JournalWriterOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Longest an event waits in memory before its batch is written. Default 25 ms. */
  readonly flushIntervalMs?: number;
  /**
   * A batch this large is written at the next timer tick (0 ms) instead of waiting; a timer tick
   * writes at most this many events per transaction (the rest at the next tick), so one flush never
   * blocks the event loop for long. Default 128.
   */
  readonly maxBatch?: number;
  /** Memory bound while SQLite is failing; events beyond it are counted as lost. Default 100,000. */
  readonly maxBuffered?: number;
  /**
   * Makes every commit so far durable, off the event loop (the daemon: `db.syncWal`). Flushes
   * commit without an fsync (journal.ts); after each, one of these runs unless one already is, so
   * the journal reaches the disk within a flush and a sync, and `stats().durable` counts it.
   */
  readonly makeDurable?: () => Promise<void>;
}

export interface JournalWriterStats {
  readonly buffered: number;
  /** Committed (durable once a later sync covers them). */
  readonly written: number;
  /** Committed and covered by a completed `makeDurable` (0 without one). */
  readonly durable: number;
  /** Events dropped in memory (buffer full or writer closed); each loss is also journalled. */
  readonly lost: number;
  readonly failedFlushes: number;
  /** Timed flushes put off because another connection held the write lock. */
  readonly busyRetries: number;
}

/** How soon a timed flush that found the write lock taken tries again. */
const BUSY_RETRY_MS = 2;

/**
 * Batches journal events so the access path never waits for SQLite: `append` only pushes to an
 * array (O(1)); a Clock timer writes everything pending in one transaction. If a flush fails (disk
 * full, I/O error) the events stay buffered for the next attempt, up to `maxBuffered`.
 */
export function createJournalWriter(journal: Journal, opts: JournalWriterOptions) {
  const { clock, logger } = opts;
  const interval = Math.max(0, opts.flushIntervalMs ?? 25);
  const maxBatch = Math.max(1, opts.maxBatch ?? 128);
  const maxBuffered = Math.max(maxBatch, opts.maxBuffered ?? 100_000);
  let buffer: JournalEvent[] = [];
  let timer: TimerHandle | undefined;
  let timerIsImmediate = false;
  let lostUnrecorded = 0;
  let closed = false;
  const stats = { written: 0, durable: 0, lost: 0, failedFlushes: 0, busyRetries: 0 };
  let syncing = false;

  /** Starts a sync covering everything written so far, unless one is running (it restarts itself after). */
  function syncWritten(): void {
    if (!opts.makeDurable || syncing || stats.durable === stats.written) return;
    syncing = true;
    const covered = stats.written;
    opts.makeDurable().then(
      () => {
        syncing = false;
        stats.durable = covered;
        if (!closed) syncWritten();
      },
      (err: unknown) => {
        syncing = false;
        logger.warn({ err }, 'journal sync failed; the next flush tries again');
      },
    );
  }

  function schedule(ms: number): void {
    if (timer !== undefined) {
      if (ms > 0 || timerIsImmediate) return;
      clock.clearTimeout(timer);
    }
    timerIsImmediate = ms === 0;
    timer = clock.setTimeout(() => {
      timer = undefined;
      // The rest of a partial flush has waited already: next tick. A failed flush has scheduled its retry.
      if (flush(maxBatch, false) > 0 && buffer.length > 0 && !closed) schedule(0);
    }, ms);
  }

  function append(event: JournalEvent): void {
    if (closed || buffer.length >= maxBuffered) {
      stats.lost++;
      lostUnrecorded++;
      return;
    }
    buffer.push(event);
    schedule(buffer.length >= maxBatch ? 0 : interval);
  }

  /** Writes everything pending now, in one transaction. Returns the number of events written. */
  function flushNow(): number {
    if (timer !== undefined) {
      clock.clearTimeout(timer);
      timer = undefined;
    }
    return flush(Number.POSITIVE_INFINITY, true);
  }

  /** Writes up to `limit` pending events in one transaction; `wait`: wait for the write lock if it is taken. */
  function flush(limit: number, wait: boolean): number {
    if (buffer.length === 0 && lostUnrecorded === 0) return 0;
    const batch = buffer.length > limit ? buffer.splice(0, limit) : buffer;
    if (batch === buffer) buffer = [];
    const lost = lostUnrecorded;
    lostUnrecorded = 0;
    try {
      const outcome = wait ? journal.insertBatch(batch, clock.now(), lost) : journal.tryInsertBatch(batch, clock.now(), lost);
      if (!outcome) {
        // Another connection (the batch worker) holds the write lock: try again shortly, never sleep the event loop.
        stats.busyRetries++;
        buffer = batch.concat(buffer);
        lostUnrecorded += lost;
        if (!closed) schedule(BUSY_RETRY_MS);
        return 0;
      }
      stats.written += batch.length;
      syncWritten();
      if (outcome.dropped > 0) logger.info({ dropped: outcome.dropped }, 'journal bound reached: oldest rows dropped');
      return batch.length;
    } catch (err) {
      stats.failedFlushes++;
      logger.error({ err, pending: batch.length }, 'journal flush failed; keeping events for the next attempt');
      buffer = batch.concat(buffer);
      lostUnrecorded += lost;
      if (!closed) schedule(Math.max(interval, 1000));
      return 0;
    }
  }

  return {
    append,
    /** Already in the journal, written by another connection: nothing to write, and a writer has no listeners. */
    announce(_event: JournalEvent): void {},
    flushNow,
    /** Flushes what is pending and stops; later appends are counted as lost. */
    close(): void {
      flushNow();
      closed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
    },
    stats: (): JournalWriterStats => ({ buffered: buffer.length, ...stats }),
  };
}

export type JournalWriter = ReturnType<typeof createJournalWriter>;
