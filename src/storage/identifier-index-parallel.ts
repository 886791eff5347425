/**
 * The start-up load of a large identifier table on two cores. Reading rows out of SQLite is most
 * of the load's cost (json_group_array and the row decode, ~1-3 µs a row), and it is one thread's
 * work on one connection; so a worker thread reads the upper part of the rowid range on its own
 * read-only connection while this thread reads the lower part and then builds the index from both,
 * in rowid order, exactly as the serial read would.
 *
 * Two forms. `loadChunks` is for a caller whose loop is synchronous (loadAll: CredentialIndex.loadBulk
 * inside a read transaction): this thread does not wait for 'message' events; the worker counts its
 * posts in a shared Int32 and this thread blocks on it with Atomics.wait, then takes the message
 * with receiveMessageOnPort. `loadChunksInBackground` is for the daemon's start with a large table:
 * two workers read and this thread only parses and indexes, waiting with Atomics.waitAsync, so
 * the event loop runs between chunks.
 *
 * Consistency: each connection reads its own snapshot. For loadAll that equals one snapshot only
 * while no one writes identifiers: restore and tests call it with nothing else writing. The
 * background load's applier passes over every identifier changed after it began (index-sync.ts),
 * which makes any mix of snapshots taken after that point agree. Small tables always take the
 * serial path. If a worker fails or stalls, this thread reads the rest of its part itself.
 */
import { setImmediate as setImmediatePromise } from 'node:timers/promises';
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Logger } from '../core/logger.ts';
import { startWorker } from '../core/worker-entry.ts';
import type { Db } from './database.ts';
import { LAST_ROWID, SCAN_CACHE_PRAGMA, parseIndexChunk, type IdentifierIndexChunk, type IdentifierIndexReader, type RawIndexChunk } from './identifier-index-reader.ts';

export interface LoadWorkerData {
  readonly path: string;
  /** Reads the rowids after < rowid ≤ until. */
  readonly after: number;
  readonly until: number;
  readonly chunkRows: number;
  readonly port: MessagePort;
  /** Int32 counting the posts (of every worker sharing it). */
  readonly signal: SharedArrayBuffer;
}

export type LoadWorkerMessage = { readonly raw: RawIndexChunk } | { readonly done: true } | { readonly error: string };

export const LOAD_WORKER_PATH = 'storage/identifier-index-load.worker';

export interface ParallelLoadOptions {
  /** Tables spanning fewer rowids load on this thread alone (a worker costs ~50 ms to start, more from sources). */
  readonly parallelFromRows: number;
  /**
   * Rows per chunk, for every thread. A background load indexes one chunk per event-loop turn: at
   * 1024 rows that is ~0.3 ms warm (~8 ms for the first, before the code is optimised), and reading
   * costs the workers no more than at 4096.
   */
  readonly chunkRows: number;
  /**
   * Share of the rowid range this thread reads itself; the rest goes to the worker. This thread
   * also parses and indexes every chunk, so it takes the smaller part.
   */
  readonly ownShare: number;
  /** Give up on the worker after this long without a message, and read the rest here. */
  readonly stallMs: number;
}

export const DEFAULT_PARALLEL_LOAD: ParallelLoadOptions = { parallelFromRows: 100_000, chunkRows: 1024, ownShare: 0.4, stallMs: 20_000 };

/** Waits for the worker's next message, blocking this thread; undefined after `stallMs` without one. */
function nextMessage(port: MessagePort, posted: Int32Array, taken: number, stallMs: number): LoadWorkerMessage | undefined {
  const deadline = performance.now() + stallMs;
  for (;;) {
    const m = receiveMessageOnPort(port);
    if (m) return m.message as LoadWorkerMessage;
    const left = deadline - performance.now();
    if (left <= 0) return undefined;
    // Sleeps until the worker has posted more than `taken` messages (or a short time passes, in
    // case the counter moved just before the message became receivable).
    Atomics.wait(posted, 0, taken, Math.min(left, 50));
  }
}

/** Lowers the connection's page cache for a scan (SCAN_CACHE_PRAGMA); returns what puts it back. */
function scanCache(db: Db): () => void {
  const cacheSize = db.sqlite.pragma('cache_size', { simple: true }) as number;
  db.sqlite.pragma(SCAN_CACHE_PRAGMA);
  return () => db.sqlite.pragma(`cache_size = ${cacheSize}`);
}

/** The rowid this thread reads up to: the rest goes to the worker. */
const splitOf = (range: { min: number; max: number }, opts: ParallelLoadOptions): number =>
  range.min - 1 + Math.floor((range.max - range.min + 1) * opts.ownShare);

/** Whether a table spanning these rowids is large enough to share its load with a worker. */
export const loadsInParallel = (range: { min: number; max: number } | undefined, opts: ParallelLoadOptions): boolean =>
  range !== undefined && range.max - range.min + 1 >= opts.parallelFromRows;

/**
 * Every identifier's chunk in rowid order, the upper part read by a worker when the table is large.
 * Not a generator function: the worker starts (and begins reading) at the call, so the caller can
 * do other start-up work before it iterates; this thread's own part is read when it does.
 */
export function loadChunks(db: Db, reader: IdentifierIndexReader, logger: Logger, opts: ParallelLoadOptions = DEFAULT_PARALLEL_LOAD): Generator<IdentifierIndexChunk> {
  const range = reader.rowids();
  // The rowid span stands in for the row count (rowids are dense unless many rows were deleted).
  const split = range ? splitOf(range, opts) : 0;
  const signal = new SharedArrayBuffer(4);
  const posted = new Int32Array(signal);
  const upper = range && loadsInParallel(range, opts) ? startRangeLoad(db, split, LAST_ROWID, signal, logger, opts) : undefined;
  return (function* () {
    const restoreCache = scanCache(db);
    try {
      if (upper === undefined) {
        yield* reader.chunks();
        return;
      }
      yield* reader.chunks(0, split);
      for (let taken = 0; ; taken++) {
        const next = upper.take(nextMessage(upper.port, posted, taken, opts.stallMs));
        if (next === 'done') return;
        if (next === 'rest') return yield* upper.rest(reader);
        yield next;
      }
    } finally {
      restoreCache();
      upper?.stop();
    }
  })();
}

/** Workers of a background load, each reading its share of the rowids. */
const BACKGROUND_WORKERS = 2;

/**
 * loadChunks for a load the event loop keeps running beside (a large table at start-up). Every
 * read is left to workers (BACKGROUND_WORKERS, each its share of the rowids, started at the call):
 * this thread only parses and indexes, ~0.3 ms a 1024-row chunk, where reading a 4096-row chunk
 * here took ~15 ms that a card's decision would have waited behind. Chunks come in whatever order
 * the workers deliver them; the caller takes one per step and yields to the loop between steps.
 * Whoever applies the chunks must pass over what changed since the call (index-sync.ts). Not a
 * generator function, so the workers start at the call; ending the iteration early stops them.
 */
export function loadChunksInBackground(db: Db, reader: IdentifierIndexReader, range: { min: number; max: number }, logger: Logger, opts: ParallelLoadOptions = DEFAULT_PARALLEL_LOAD) {
  const signal = new SharedArrayBuffer(4);
  const posted = new Int32Array(signal);
  const span = range.max - range.min + 1;
  const bounds = Array.from({ length: BACKGROUND_WORKERS + 1 }, (_, i) =>
    i === 0 ? range.min - 1 : i === BACKGROUND_WORKERS ? LAST_ROWID : range.min - 1 + Math.floor((span * i) / BACKGROUND_WORKERS));
  const loads = bounds.slice(1).map((until, i) => startRangeLoad(db, bounds[i]!, until, signal, logger, opts));
  // Atomics.waitAsync keeps no process alive: the workers do, until they end or are stopped.
  for (const load of loads) load.worker.ref();
  return (async function* (): AsyncGenerator<IdentifierIndexChunk> {
    const active = new Set(loads);
    let taken = 0;
    let lastMessageAt = performance.now();
    try {
      while (active.size > 0) {
        let got = false;
        for (const load of active) {
          const m = receiveMessageOnPort(load.port);
          if (!m) continue;
          got = true;
          taken++;
          lastMessageAt = performance.now();
          const next = load.take(m.message as LoadWorkerMessage);
          if (next === 'done') active.delete(load);
          else if (next === 'rest') {
            active.delete(load);
            yield* load.rest(reader);
          } else yield next;
        }
        if (got) continue;
        const left = lastMessageAt + opts.stallMs - performance.now();
        if (left <= 0) {
          for (const load of active) {
            load.take(undefined);
            yield* load.rest(reader);
          }
          return;
        }
        // Until any worker posts again (or a short time passes). A count that moved before its
        // message became receivable makes the wait return at once: then give the loop a turn, or
        // this spins on it (it did, ~100 ms at a time in the daemon's profile).
        const wait = Atomics.waitAsync(posted, 0, taken, Math.min(left, 50));
        await (wait.async ? wait.value : setImmediatePromise());
      }
    } finally {
      for (const load of loads) load.stop();
    }
  })();
}

/** The worker reading the rowids after < rowid ≤ until, started now, counting its posts in `signal`; `take` turns its messages into chunks. */
function startRangeLoad(db: Db, after: number, until: number, signal: SharedArrayBuffer, logger: Logger, opts: ParallelLoadOptions) {
  const { port1, port2 } = new MessageChannel();
  const data: LoadWorkerData = { path: db.path, after, until, chunkRows: opts.chunkRows, port: port2, signal };
  const worker = startWorker(LOAD_WORKER_PATH, { workerData: data, transferList: [port2] });
  // Failures reach this thread as a message or a stall; the event only needs a listener so it cannot crash the process.
  worker.on('error', (err) => logger.warn({ err }, 'identifier load worker failed'));
  worker.unref();
  let last = after;
  return {
    worker,
    port: port1,
    /** The worker's next chunk; 'done' at its end; 'rest', logged, if it failed or stalled (no message: undefined), then read `rest` here. */
    take(m: LoadWorkerMessage | undefined): IdentifierIndexChunk | 'done' | 'rest' {
      if (m && 'raw' in m) {
        const c = parseIndexChunk(m.raw);
        last = c.id[c.id.length - 1] ?? last;
        return c;
      }
      if (m && 'done' in m) return 'done';
      logger.warn({ error: m ? m.error : `no chunk for ${opts.stallMs} ms`, after: last }, 'identifier load worker gave up; reading the rest on the main thread');
      return 'rest';
    },
    /** What the worker did not deliver, read on this thread. */
    rest: (reader: IdentifierIndexReader): Generator<IdentifierIndexChunk> => reader.chunks(last, until),
    stop(): void {
      port1.close();
      void worker.terminate();
    },
  };
}
