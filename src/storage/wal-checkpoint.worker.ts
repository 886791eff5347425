/**
 * Worker thread of wal-checkpointer.ts: copies the WAL back into the database file on its own
 * connection every `everyMs`, so the daemon's event loop does not have to. Each pass is PASSIVE
 * (never waits for or blocks a writer or a reader). Once the WAL is `restartFrames` long, a RESTART
 * follows the pass: with only the frames committed since the pass left to copy it holds the write
 * lock briefly (that copy and the syncs) and leaves the whole WAL copied, so that it can start
 * over from the beginning, which under continuous writes PASSIVE alone never achieves (frames keep
 * arriving while it copies, so it never ends with the whole WAL copied).
 * A RESTART waits at most a few ms for the lock and then just does what PASSIVE would. The
 * daemon's writers take turns with it through write-turn.ts.
 *
 * A WAL that has been copied whole is started over by the next writer, and that writer syncs the
 * new WAL header (SQLite does at any `synchronous` but OFF, so that a power cut cannot replay old
 * frames over newer pages). On the event loop that fsync blocked the door readers for 5-45 ms
 * (the daemon's most frequent block, traced with `perf sched`: after every pass that caught up,
 * the next journal flush paid it). So whenever a pass leaves the WAL fully copied this thread
 * starts it over itself, with a write that changes nothing (the header's application_id set to
 * its own value), and pays that fsync here.
 * Reports each pass; skips passes while no other connection has committed since the last one
 * caught up, and ends itself after `idleMs` of that.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../core/clock.ts';
import { normalThreadPriority } from '../core/thread-priority.ts';
import { startingUp } from '../core/worker-errors.ts';
import { isBusy } from './sqlite-errors.ts';
import type { CheckpointWorkerData, FromCheckpointWorker } from './wal-checkpointer.ts';
import { HOLDER, holding, othersWaiting } from './write-turn.ts';

const port = parentPort;
if (!port) throw new Error('wal-checkpoint.worker runs as a worker thread');
const { path, everyMs, idleMs, restartFrames, walSizeLimitBytes, turn } = workerData as CheckpointWorkerData;
const post = (m: FromCheckpointWorker): void => port.postMessage(m);

// Copies and syncs are no reason to be ahead of anything (the event loop may be above normal).
normalThreadPriority();

const sqlite = startingUp(() => {
  const opened = new Database(path, { fileMustExist: true });
  // A PASSIVE pass that finds the checkpoint lock taken is retried at the next pass instead of waiting.
  opened.pragma('busy_timeout = 0');
  // The copy into the database file is synced before the WAL is reused.
  opened.pragma('synchronous = FULL');
  // Its own writes (the start-over) must not checkpoint: when other commits came in between, the
  // automatic one after it copied the whole WAL at the end of a pass, and the event loop's next
  // journal flush started it over, fsync included (perf, session 6).
  opened.pragma('wal_autocheckpoint = 0');
  // Whoever starts the WAL over cuts a grown file back (a per-connection setting): now mostly this thread.
  opened.pragma(`journal_size_limit = ${walSizeLimitBytes}`);
  return opened;
});

/** How long a restart waits for the write lock (a PASSIVE pass never waits). */
const RESTART_WAIT_MS = 5;

let quietSinceUs = systemClock.monotonicUs();
/** The last pass left nothing to copy but, at most, this thread's own start-over write. */
let caughtUp = false;
const dataVersion = (): number => sqlite.pragma('data_version', { simple: true }) as number;
let seenVersion = dataVersion();
const applicationId = sqlite.pragma('application_id', { simple: true }) as number;

type CheckpointRow = { busy: number; log: number; checkpointed: number };
const checkpoint = (mode: 'PASSIVE' | 'RESTART'): CheckpointRow => (sqlite.pragma(`wal_checkpoint(${mode})`) as CheckpointRow[])[0]!;

/** Holds the write lock for `write`, waiting at most RESTART_WAIT_MS for it; undefined if it stayed taken. */
function withWriteLock<T>(write: () => T): T | undefined {
  sqlite.pragma(`busy_timeout = ${RESTART_WAIT_MS}`);
  try {
    return holding(turn, write, HOLDER.checkpointer);
  } catch (err) {
    if (isBusy(err)) return undefined;
    throw err;
  } finally {
    sqlite.pragma('busy_timeout = 0');
  }
}

/**
 * Starts a fully copied WAL over with a one-page write that changes nothing, unsynced (only the new
 * header is synced, by SQLite). Returns whether it was written.
 */
function startOver(): boolean {
  sqlite.pragma('synchronous = NORMAL');
  try {
    return withWriteLock(() => sqlite.pragma(`application_id = ${applicationId}`)) !== undefined;
  } finally {
    sqlite.pragma('synchronous = FULL');
  }
}

function pass(): void {
  const nowUs = systemClock.monotonicUs();
  const version = dataVersion();
  if (caughtUp && version === seenVersion) {
    if (nowUs - quietSinceUs >= idleMs * 1000) {
      clearInterval(timer);
      sqlite.close();
      post({ kind: 'idle' });
    }
    return;
  }
  seenVersion = version;
  quietSinceUs = nowUs;
  let row = checkpoint('PASSIVE');
  let restarted = false;
  // The restart takes the write lock: not while a daemon writer waits for it, and flagged so one
  // that arrives meanwhile sleeps until it ends (write-turn.ts) rather than in SQLite's busy steps.
  if (row.log >= restartFrames && !othersWaiting(turn)) {
    // A few ms to find a gap between the daemon's commits (it never holds the lock for long).
    row = withWriteLock(() => checkpoint('RESTART')) ?? row;
    restarted = row.busy === 0;
  }
  const copied = row.busy === 0 && row.checkpointed === row.log;
  // Also while a daemon writer waits: it would otherwise pay this same fsync itself, on the loop.
  const startedOver = copied && row.log > 0 && startOver();
  // A start-over that found the lock taken is tried again at the next pass.
  caughtUp = copied && (row.log === 0 || startedOver);
  post({ kind: 'pass', pass: { busy: row.busy === 1, walFrames: row.log, checkpointed: row.checkpointed, restarted, startedOver } });
}

const timer = setInterval(() => {
  try {
    pass();
  } catch (err) {
    clearInterval(timer);
    post({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}, everyMs);
pass();
