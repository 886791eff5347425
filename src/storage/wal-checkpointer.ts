/**
 * WAL checkpoints off the event loop.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that finds the WAL past 1,000 pages: that
 * commit copies every page not yet in the database file (up to ~4 MB) and syncs it. On the daemon
 * that commit is on the event loop, which also decides cards: under issue #6's admin load a journal
 * flush of 32 events took 15-24 ms instead of under 1 ms, about once a second, and a card arriving
 * then waited for it. So while anything is being written a worker thread does the checkpoints on
 * its own connection (wal-checkpoint.worker.ts): a PASSIVE pass every `everyMs`, and a RESTART
 * once the WAL is `restartFrames` long, after which the worker itself starts the WAL over (it does
 * so after any pass that copied the whole WAL: the writer that starts it over syncs the new
 * header, and that must not be the event loop). (PASSIVE alone never ends with the whole WAL copied
 * under continuous writes, and only then may it start over: a PASSIVE-only worker let the WAL
 * grow past 100 MB in a 30-second load run.)
 *
 * The daemon connection's automatic checkpoint is raised to a safety net of 10,000 pages while no
 * worker runs (it has not started yet, or ended idle), and to 100,000 while one does: a worker
 * that falls behind under a long import (the batch worker writing flat out) let the WAL pass
 * 10,000 pages, and from then on every journal flush on the event loop ran a checkpoint in line,
 * copying pages and syncing the file: 20-40 ms blocks, cards waiting (perf sched, import bench,
 * four 100,000-item passes). The batch worker's connection keeps the 10,000 (its checkpoints are
 * off the loop); the 100,000 only bounds the WAL if the worker stalls. If the worker fails the
 * daemon connection goes back to SQLite's 1,000 and the worker is not started again.
 *
 * The worker costs ~10 MB, so it runs only while there is work: this side polls the connection's
 * change counters (`total_changes()` for its own commits, `PRAGMA data_version` for other
 * connections', e.g. the batch worker) and starts the worker when they move and the WAL file has
 * reached `startWalBytes` (the few writes of a start-up or of an occasional admin change leave
 * that to the safety net); the worker ends itself once the WAL has been fully copied and no other
 * connection has committed for `idleMs`.
 */
import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import { startWorker } from '../core/worker-entry.ts';
import type { Db } from './database.ts';
import { writeTurnOf } from './write-turn.ts';

export interface CheckpointWorkerData {
  readonly path: string;
  readonly everyMs: number;
  readonly idleMs: number;
  /** A WAL this long, fully copied, is restarted (see the worker). */
  readonly restartFrames: number;
  /** journal_size_limit: a WAL file grown past this is cut back when it is started over. */
  readonly walSizeLimitBytes: number;
  /** The database file's write turn (write-turn.ts), shared with the daemon's writers. */
  readonly turn: Int32Array;
}

export interface CheckpointPass {
  /** The checkpoint lock was held elsewhere: nothing copied this time. */
  readonly busy: boolean;
  readonly walFrames: number;
  readonly checkpointed: number;
  /** This pass ended with a RESTART checkpoint. */
  readonly restarted: boolean;
  /** The worker then started the fully copied WAL over itself (see the worker). */
  readonly startedOver: boolean;
}

export type FromCheckpointWorker =
  | { readonly kind: 'pass'; readonly pass: CheckpointPass }
  | { readonly kind: 'idle' }
  | { readonly kind: 'error'; readonly message: string };

export interface WalCheckpointerOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** How often this thread looks for new commits. Default 500 ms. */
  readonly pollMs?: number;
  /** How often the worker checkpoints while it runs. Default 100 ms. */
  readonly everyMs?: number;
  /** The worker ends after this long with the WAL fully copied and no commit from another connection. Default 30 s. */
  readonly idleMs?: number;
  /** WAL length (frames) from which a pass ends with a RESTART (the WAL all copied, then started over). Default 1,000. */
  readonly restartFrames?: number;
  /** The worker starts only once the WAL file is this large (a few small writes do not need it). Default 1 MiB. */
  readonly startWalBytes?: number;
  /** Sees every checkpoint pass (tests, metrics). */
  readonly onPass?: (p: CheckpointPass) => void;
}

export interface WalCheckpointerStats {
  readonly running: boolean;
  readonly starts: number;
  readonly passes: number;
  readonly restarts: number;
  readonly lastPass: CheckpointPass | null;
  /** The worker failed; it is not started again (the automatic checkpoint remains). */
  readonly failed: boolean;
}

export interface WalCheckpointer {
  stats(): WalCheckpointerStats;
  /** Stops polling and the worker (the connection's close checkpoints what is left). */
  close(): Promise<void>;
}

const WORKER_PATH = 'storage/wal-checkpoint.worker';
/** SQLite's default automatic checkpoint (pages); where the worker restarts the WAL. */
const RESTART_FRAMES = 1000;
/**
 * The automatic checkpoint of the batch worker's connection, and of the event loop's while no
 * checkpoint worker runs: a safety net, reached only if the worker falls far behind or is not
 * running (it starts within `pollMs` of the first write).
 */
export const SAFETY_NET_PAGES = 10_000;
/** The daemon connection's automatic checkpoint while the worker runs (see above). */
const LOOP_PAGES_WHILE_WORKER_RUNS = 100_000;
/**
 * Under a 100,000-item import the WAL grows to 40-80 MB between restarts (import bench, its size
 * sampled every 50 ms). Cut back to 4 MB at each restart, it was extended again every time, and
 * every write past its end (the event loop's journal flushes among them) had ext4 allocate blocks
 * and log the new size: 37 such sleeps of the loop in one import run, 5 over 1 ms, up to 6.1 ms
 * (perf sched). Kept up to 64 MB on disk: 24, none over 0.4 ms.
 */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;
const START_WAL_BYTES = 1024 * 1024;

export function createWalCheckpointer(db: Db, opts: WalCheckpointerOptions): WalCheckpointer {
  const { clock, logger } = opts;
  const pollMs = opts.pollMs ?? 500;
  const data: CheckpointWorkerData = {
    path: db.path, everyMs: opts.everyMs ?? 100, idleMs: opts.idleMs ?? 30_000, restartFrames: opts.restartFrames ?? RESTART_FRAMES,
    walSizeLimitBytes: WAL_SIZE_LIMIT_BYTES, turn: writeTurnOf(db.path),
  };
  const startWalBytes = opts.startWalBytes ?? START_WAL_BYTES;
  const walBytes = () => statSync(`${db.path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
  const changes = db.sqlite.prepare('SELECT total_changes()').pluck();
  const counters = () => `${changes.get() as number}:${db.sqlite.pragma('data_version', { simple: true }) as number}`;
  db.sqlite.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
  // No journal_size_limit on this connection: cutting a grown WAL file back is the worker's (its
  // own start-over). On the event loop the truncate waited 7.9 ms for ext4 to discard the freed
  // blocks (perf sched, under the import benchmark).

  let worker: Worker | null = null;
  let seen = counters();
  let closed = false;
  let poll: TimerHandle | undefined;
  const stats = { starts: 0, passes: 0, restarts: 0, lastPass: null as CheckpointPass | null, failed: false };

  function fail(reason: string): void {
    if (stats.failed) return;
    stats.failed = true;
    db.sqlite.pragma(`wal_autocheckpoint = ${RESTART_FRAMES}`);
    logger.warn({ reason }, 'WAL checkpoint worker failed; the automatic checkpoint on the daemon connection does all the work');
  }

  function start(): void {
    const w = startWorker(WORKER_PATH, { workerData: data });
    worker = w;
    stats.starts++;
    db.sqlite.pragma(`wal_autocheckpoint = ${LOOP_PAGES_WHILE_WORKER_RUNS}`);
    w.on('message', (m: FromCheckpointWorker) => {
      if (m.kind === 'pass') {
        stats.passes++;
        if (m.pass.restarted) stats.restarts++;
        stats.lastPass = m.pass;
        opts.onPass?.(m.pass);
      } else if (m.kind === 'error') {
        fail(m.message);
      }
    });
    w.on('error', (err) => fail(err.message));
    w.on('exit', (code) => {
      if (worker === w) worker = null;
      // Ends by itself when idle (code 0); anything else while running is a failure.
      if (code !== 0 && !closed) fail(`worker exited with code ${code}`);
      else if (!stats.failed && !closed) db.sqlite.pragma(`wal_autocheckpoint = ${SAFETY_NET_PAGES}`);
    });
    // An idle daemon must be able to exit while the worker finishes its pass.
    w.unref();
  }

  function check(): void {
    poll = undefined;
    if (closed) return;
    const now = counters();
    if (now !== seen && worker === null && !stats.failed && walBytes() >= startWalBytes) start();
    seen = now;
    poll = clock.setTimeout(check, pollMs);
  }
  poll = clock.setTimeout(check, pollMs);

  return {
    stats: () => ({ running: worker !== null, ...stats }),
    async close() {
      closed = true;
      if (poll !== undefined) clock.clearTimeout(poll);
      const w = worker;
      worker = null;
      if (w) await w.terminate();
    },
  };
}
