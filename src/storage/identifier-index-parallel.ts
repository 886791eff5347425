/**
 * The start-up load of a large identifier table on two cores. Reading rows out of SQLite is most
 * of the load's cost (json_group_array and the row decode, ~1-3 µs a row), and it is one thread's
 * work on one connection; so a worker thread reads the upper part of the rowid range on its own
 * read-only connection while this thread reads the lower part and then builds the index from both,
 * in rowid order, exactly as the serial read would.
 *
 * The caller's loop is synchronous (CredentialIndex.loadBulk inside a read transaction), so this
 * thread does not wait for 'message' events: the worker counts its posts in a shared Int32 and this
 * thread blocks on it with Atomics.wait, then takes the message with receiveMessageOnPort.
 *
 * Consistency: the two connections read separate snapshots. That equals one snapshot only while no
 * one writes identifiers, which holds at start-up (the load runs before the API and readers start,
 * and start-up is the only caller of IndexSync.loadAll today). A reload while the batch worker can
 * commit would need the serial path (`parallelFromRows: Infinity`). Small tables always take it.
 * If the worker fails or stalls, this thread reads the rest itself.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { Logger } from '../core/logger.ts';
import { startWorker } from '../core/worker-entry.ts';
import type { Db } from './database.ts';
import { LAST_ROWID, SCAN_CACHE_PRAGMA, parseIndexChunk, type IdentifierIndexChunk, type IdentifierIndexReader, type RawIndexChunk } from './identifier-index-reader.ts';

export interface LoadWorkerData {
  readonly path: string;
  readonly after: number;
  readonly chunkRows: number;
  readonly port: MessagePort;
  readonly signal: SharedArrayBuffer;
}

export type LoadWorkerMessage = { readonly raw: RawIndexChunk } | { readonly done: true } | { readonly error: string };

export const LOAD_WORKER_PATH = 'storage/identifier-index-load.worker';

export interface ParallelLoadOptions {
  /** Tables spanning fewer rowids load on this thread alone (a worker costs ~50 ms to start, more from sources). */
  readonly parallelFromRows: number;
  /** Rows per chunk, for both threads. */
  readonly chunkRows: number;
  /**
   * Share of the rowid range this thread reads itself; the rest goes to the worker. This thread
   * also parses and indexes every chunk, so it takes the smaller part.
   */
  readonly ownShare: number;
  /** Give up on the worker after this long without a message, and read the rest here. */
  readonly stallMs: number;
}

export const DEFAULT_PARALLEL_LOAD: ParallelLoadOptions = { parallelFromRows: 100_000, chunkRows: 4096, ownShare: 0.4, stallMs: 20_000 };

/** Waits for the worker's next message; undefined after `stallMs` without one. */
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

/**
 * Every identifier's chunk in rowid order, the upper part read by a worker when the table is large.
 * Not a generator function: the worker starts (and begins reading) at the call, so the caller can
 * do other start-up work before it iterates; this thread's own part is read when it does.
 */
export function loadChunks(db: Db, reader: IdentifierIndexReader, logger: Logger, opts: ParallelLoadOptions = DEFAULT_PARALLEL_LOAD): Generator<IdentifierIndexChunk> {
  const range = reader.rowids();
  // The rowid span stands in for the row count (rowids are dense unless many rows were deleted).
  const upper = !range || range.max - range.min + 1 < opts.parallelFromRows
    ? undefined
    : startUpperLoad(db, range.min - 1 + Math.floor((range.max - range.min + 1) * opts.ownShare), logger, opts);
  return (function* () {
    const cacheSize = db.sqlite.pragma('cache_size', { simple: true }) as number;
    db.sqlite.pragma(SCAN_CACHE_PRAGMA);
    try {
      if (upper === undefined) {
        yield* reader.chunks();
        return;
      }
      yield* reader.chunks(0, upper.split);
      yield* upper.chunks(reader);
    } finally {
      db.sqlite.pragma(`cache_size = ${cacheSize}`);
      upper?.stop();
    }
  })();
}

/** The worker reading rowids above `split`, started now; its chunks are taken in order by `chunks`. */
function startUpperLoad(db: Db, split: number, logger: Logger, opts: ParallelLoadOptions) {
  const { port1, port2 } = new MessageChannel();
  const signal = new SharedArrayBuffer(4);
  const posted = new Int32Array(signal);
  const data: LoadWorkerData = { path: db.path, after: split, chunkRows: opts.chunkRows, port: port2, signal };
  const worker = startWorker(LOAD_WORKER_PATH, { workerData: data, transferList: [port2] });
  // Failures reach this thread as a message or a stall; the event only needs a listener so it cannot crash the process.
  worker.on('error', (err) => logger.warn({ err }, 'identifier load worker failed'));
  worker.unref();
  return {
    split,
    *chunks(reader: IdentifierIndexReader): Generator<IdentifierIndexChunk> {
      let after = split;
      for (let taken = 0; ; taken++) {
        const m = nextMessage(port1, posted, taken, opts.stallMs);
        if (m && 'raw' in m) {
          const c = parseIndexChunk(m.raw);
          after = c.id[c.id.length - 1] ?? after;
          yield c;
          continue;
        }
        if (m && 'done' in m) return;
        logger.warn({ error: m ? m.error : `no chunk for ${opts.stallMs} ms`, after }, 'identifier load worker gave up; reading the rest on the main thread');
        yield* reader.chunks(after, LAST_ROWID);
        return;
      }
    },
    stop(): void {
      port1.close();
      void worker.terminate();
    },
  };
}
