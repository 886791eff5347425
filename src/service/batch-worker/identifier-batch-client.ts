/**
 * The main thread's side of the identifier batch worker: seed 000 batch updates run off the event
 * loop that serves the door readers. The main thread only
 *  - hands over the request body's bytes (transferred, not copied: the worker parses them), or
 *    sends already parsed items in slices (one structured clone of 10,000 items blocks ~25 ms),
 *  - applies each committed chunk (credential index entries, then the admin_change journal events
 *    the worker wrote with the chunk, announced to `journal`'s listeners if it has any for them,
 *    not written) in slices of ≤ `sliceMs`, yielding between them; entries arrive as columns of
 *    numbers, filled into one reused row each (an object per entry and its JSON text made ~40 %
 *    of this thread's garbage under the import bench: sampling heap profile, session 16), events
 *    as JSON lines parsed a line (up to 64 records) at a time (json-lines.ts),
 *  - and answers with the reply the worker serialized, once every chunk is applied: when the
 *    caller gets HTTP 200, the changes are durable (the worker commits with synchronous=FULL) and
 *    the index matches the database.
 * The worker starts on first use and holds the process open only while a job runs. It ends after
 * `idleMs` without a job: its isolate and connection kept ~35 MB resident (a daemon with 1,000,000
 * identifiers went from 185 to 220 MB after one batch, bench `--only capacity`), and the next
 * batch runs on a cold worker again: ~0.13 s to start it in the daemon and ~0.13 s more for its
 * first large job (cold code; docs/benchmarks.md, session 8). `keepRunning` trades that memory
 * for the time: the worker starts at once and never ends when idle (config `api.batchWorker:
 * resident`).
 */
import type { Worker } from 'node:worker_threads';
import type { IdentifierType } from '../../access/identifier-key.ts';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { startWorker } from '../../core/worker-entry.ts';
import type { IdentifierCapacity } from '../../storage/identifiers.ts';
import type { JournalEvent } from '../../storage/journal.ts';
import { writeTurnOf } from '../../storage/write-turn.ts';
import type { RepresentationMode } from '../../wiegand/credential-number.ts';
import type { AnnouncingJournalSink, Principal } from '../auth.ts';
import { yieldToLoop } from '../chunked-batch.ts';
import type { IndexSync } from '../index-sync.ts';
import { InvalidInputError } from '../invalid-input.ts';
import type { BatchWorkerData, ChunkMessage, FromWorker, ToWorker } from './protocol.ts';

export const BATCH_WORKER_PATH = 'service/batch-worker/identifier-batch.worker';

/** Records applied between two reads of the clock (a read makes two BigInts): tens of µs of work. */
const CHECK_EVERY = 16;

export interface IdentifierBatchWorkerOptions extends Omit<BatchWorkerData, 'journal' | 'turn'> {
  readonly indexSync: Pick<IndexSync, 'savedAt' | 'removed'>;
  readonly journal: AnnouncingJournalSink;
  /** Journal bound, for the rows the worker writes. */
  readonly journalMaxRows?: number;
  /** The representation mode in force when a batch starts (numbers are parsed in it). */
  readonly mode: () => RepresentationMode;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Main-thread work per event-loop turn when applying chunks. Default 1 ms. */
  readonly sliceMs?: number;
  /** Items per message to the worker. Default 500 (≈1 ms to clone). */
  readonly sendSlice?: number;
  /** The worker ends after this long without a job. Default 60 s. */
  readonly idleMs?: number;
}

/**
 * `done`: the serialized reply `{"result":[...]}` as UTF-8; `invalid`: the 400 text of the first invalid
 * item (nothing written); `untransferable`: an item cannot be copied to the worker (nested
 * deeper than structured clone goes — no valid item is), nothing sent or written: validate on the
 * event loop instead, which names the item.
 */
export type BatchReply =
  | { readonly kind: 'done'; readonly json: Uint8Array }
  | { readonly kind: 'invalid'; readonly error: string }
  | { readonly kind: 'untransferable' };

interface Job {
  /** The thread running it: an ended worker fails its own jobs, not those of the next one. */
  readonly worker: Worker;
  applied: Promise<void>;
  resolve(r: BatchReply): void;
  reject(e: Error): void;
}

/** The worker's error on the main thread, with its code and the worker's stack as fields the log's `err` shows. */
function workerFailure(m: Extract<FromWorker, { kind: 'failed' }>): Error {
  return Object.assign(new Error(`identifier batch failed: ${m.message}`), { code: m.code, workerStack: m.stack });
}

export type IdentifierBatchWorker = ReturnType<typeof createIdentifierBatchWorker>;

export function createIdentifierBatchWorker(opts: IdentifierBatchWorkerOptions) {
  const { clock, logger, indexSync, journal } = opts;
  const sliceUs = (opts.sliceMs ?? 1) * 1000;
  const sendSlice = Math.max(1, opts.sendSlice ?? 500);
  const data: BatchWorkerData = {
    dbPath: opts.dbPath, turn: writeTurnOf(opts.dbPath), capacity: opts.capacity, chunkMs: opts.chunkMs, reportEveryMs: opts.reportEveryMs,
    journal: { maxRows: opts.journalMaxRows },
  };
  const jobs = new Map<number, Job>();
  let worker: Worker | undefined;
  let resident = false;
  let nextId = 1;
  const idleMs = opts.idleMs ?? 60_000;
  let idleTimer: TimerHandle | undefined;

  function stopIdleTimer(): void {
    if (idleTimer !== undefined) clock.clearTimeout(idleTimer);
    idleTimer = undefined;
  }

  /** Ends and forgets the worker (the next job starts another). */
  async function stop(): Promise<void> {
    stopIdleTimer();
    const w = worker;
    worker = undefined;
    if (w) await w.terminate();
  }

  function failJobsOf(w: Worker, err: Error): void {
    for (const [id, job] of jobs) {
      if (job.worker !== w) continue;
      job.reject(err);
      jobs.delete(id);
    }
  }

  function start(): Worker {
    const w = startWorker(BATCH_WORKER_PATH, { workerData: data });
    w.on('message', (m: FromWorker) => receive(m));
    w.on('error', (err) => {
      logger.error({ err }, 'identifier batch worker failed');
      failJobsOf(w, err);
    });
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      failJobsOf(w, new Error(`identifier batch worker exited (code ${code})`));
    });
    return w;
  }

  /**
   * Index entries, removals, then journal events of one chunk, each line of records parsed when
   * its first record is applied, ≤ sliceMs per event-loop turn.
   */
  async function apply(chunk: ChunkMessage): Promise<void> {
    let start = clock.monotonicUs();
    /** step(0 … count-1), the clock read every CHECK_EVERY steps. */
    const each = async (count: number, step: (i: number) => void): Promise<void> => {
      for (let i = 0; i < count; i++) {
        if (i % CHECK_EVERY === 0 && clock.monotonicUs() - start >= sliceUs) {
          await yieldToLoop();
          start = clock.monotonicUs();
        }
        step(i);
      }
    };
    const { entries, removed } = chunk;
    await each(entries.id.length, (i) => indexSync.savedAt(entries, i));
    await each(removed.length, (i) => indexSync.removed(removed[i]!));
    // Already written by the worker: to the sink's listeners, not written again; not even parsed when none listens.
    if (!chunk.eventTypes.some((type) => journal.wants?.(type) ?? true)) return;
    for (const line of chunk.events) {
      const events = JSON.parse(line) as JournalEvent[];
      await each(events.length, (i) => journal.announce(events[i]!));
    }
  }

  function receive(m: FromWorker): void {
    const job = jobs.get(m.id);
    if (!job) return;
    switch (m.kind) {
      case 'chunk':
        job.applied = job.applied.then(() => apply(m.chunk));
        return;
      case 'done':
        void job.applied.then(() => job.resolve({ kind: 'done', json: m.json }), job.reject);
        return;
      case 'invalid':
        job.resolve({ kind: 'invalid', error: m.error });
        return;
      case 'input':
        void job.applied.then(() => job.reject(new InvalidInputError(m.location, m.path, m.reason)), job.reject);
        return;
      case 'failed':
        void job.applied.then(() => job.reject(workerFailure(m)), job.reject);
        return;
    }
  }

  /** One job: `send` gives the worker its input and the run message (or an answer of its own when it cannot). */
  async function submit(
    send: (w: Worker, id: number, run: Extract<ToWorker, { kind: 'run' }>) => Promise<BatchReply | undefined> | undefined,
    type: IdentifierType,
    caller: Principal | undefined,
  ): Promise<BatchReply> {
    stopIdleTimer();
    worker ??= start();
    const w = worker;
    const id = nextId++;
    const reply = new Promise<BatchReply>((resolve, reject) => jobs.set(id, { worker: w, applied: Promise.resolve(), resolve, reject }));
    w.ref();
    try {
      const own = await send(w, id, { kind: 'run', id, type, mode: opts.mode(), ...(caller ? { caller: { ...caller } } : {}) });
      return own ?? (await reply);
    } finally {
      jobs.delete(id);
      if (jobs.size === 0) {
        w.unref();
        if (worker === w && !resident) idleTimer = clock.setTimeout(() => void stop(), idleMs);
      }
    }
  }

  return {
    /** Seed 000 batch update of raw (unvalidated) request items; per-item results as in IdentifiersService.updateBatch. */
    update(type: IdentifierType, items: readonly unknown[], caller?: Principal): Promise<BatchReply> {
      return submit(async (w, id, run) => {
        for (let s = 0; s < items.length; s += sendSlice) {
          if (s > 0) await yieldToLoop();
          try {
            w.postMessage({ kind: 'items', id, items: items.slice(s, s + sendSlice) } satisfies ToWorker);
          } catch (err) {
            if (!(err instanceof RangeError)) throw err;
            w.postMessage({ kind: 'drop', id } satisfies ToWorker);
            return { kind: 'untransferable' };
          }
        }
        w.postMessage(run);
        return undefined;
      }, type, caller);
    },
    /**
     * The same from the request body's JSON bytes (unparsed): the worker parses them and checks
     * the batch envelope (`invalid` with the 400 text if malformed). When `json` spans its whole
     * buffer (a request body read by express.raw does) the buffer is transferred and `json` is
     * empty afterwards; a view into a larger buffer is copied once.
     */
    updateJson(type: IdentifierType, json: Uint8Array, caller?: Principal): Promise<Exclude<BatchReply, { kind: 'untransferable' }>> {
      const whole = json.byteOffset === 0 && json.byteLength === json.buffer.byteLength && json.buffer instanceof ArrayBuffer;
      const bytes = whole ? json : new Uint8Array(json);
      return submit((w, _id, run) => {
        w.postMessage({ ...run, json: bytes } satisfies ToWorker, [bytes.buffer as ArrayBuffer]);
        return undefined;
      }, type, caller) as Promise<Exclude<BatchReply, { kind: 'untransferable' }>>;
    },
    /**
     * Starts the worker now and keeps it from then on: never ended when idle (one that exits is
     * started again by the next job). It does not hold the process open.
     */
    keepRunning(): void {
      resident = true;
      stopIdleTimer();
      worker ??= start();
      if (jobs.size === 0) worker.unref();
    },
    /** Whether the worker thread is running (it starts with a job and ends when idle, unless kept). */
    running: () => worker !== undefined,
    /** Stops the worker (a running job is answered with an error). */
    close: stop,
  };
}
