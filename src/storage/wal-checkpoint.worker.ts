/**
 * Worker thread of wal-checkpointer.ts: copies the WAL back into the database file on its own
 * connection every `everyMs`, so the daemon's event loop does not have to. Each pass is PASSIVE
 * (never waits for or blocks a writer or a reader). Once the WAL is `restartFrames` long, a RESTART
 * follows the pass: with only the frames committed since the pass left to copy it holds the write
 * lock briefly (that copy and the syncs), and it makes the next writer start the WAL over from the
 * beginning, which under continuous writes PASSIVE alone never achieves (frames keep arriving while
 * it copies, so it never ends with the whole WAL copied).
 * A RESTART waits at most a few ms for the lock and then just does what PASSIVE would. The
 * daemon's writers take turns with it through write-turn.ts.
 * Reports each pass; ends itself after `idleMs` with nothing new in the WAL.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../core/clock.ts';
import type { CheckpointPass, CheckpointWorkerData, FromCheckpointWorker } from './wal-checkpointer.ts';
import { HOLDER, holding, othersWaiting } from './write-turn.ts';

const port = parentPort;
if (!port) throw new Error('wal-checkpoint.worker runs as a worker thread');
const { path, everyMs, idleMs, restartFrames, turn } = workerData as CheckpointWorkerData;
const post = (m: FromCheckpointWorker): void => port.postMessage(m);

const sqlite = new Database(path, { fileMustExist: true });
// A PASSIVE pass that finds the checkpoint lock taken is retried at the next pass instead of waiting.
sqlite.pragma('busy_timeout = 0');
// The copy into the database file is synced before the WAL is reused.
sqlite.pragma('synchronous = FULL');

/** How long a restart waits for the write lock (a PASSIVE pass never waits). */
const RESTART_WAIT_MS = 5;

let lastLog = -1;
let quietSinceUs = systemClock.monotonicUs();

type CheckpointRow = { busy: number; log: number; checkpointed: number };
const checkpoint = (mode: 'PASSIVE' | 'RESTART'): CheckpointRow => (sqlite.pragma(`wal_checkpoint(${mode})`) as CheckpointRow[])[0]!;

function pass(): void {
  let row = checkpoint('PASSIVE');
  let restarted = false;
  // The restart takes the write lock: not while a daemon writer waits for it, and flagged so one
  // that arrives meanwhile sleeps until it ends (write-turn.ts) rather than in SQLite's busy steps.
  if (row.log >= restartFrames && !othersWaiting(turn)) {
    // A few ms to find a gap between the daemon's commits (it never holds the lock for long).
    sqlite.pragma(`busy_timeout = ${RESTART_WAIT_MS}`);
    try {
      row = holding(turn, () => checkpoint('RESTART'), HOLDER.checkpointer);
    } finally {
      sqlite.pragma('busy_timeout = 0');
    }
    restarted = row.busy === 0;
  }
  const p: CheckpointPass = { busy: row.busy === 1, walFrames: row.log, checkpointed: row.checkpointed, restarted };
  const nowUs = systemClock.monotonicUs();
  if (p.walFrames !== lastLog || p.checkpointed < p.walFrames) quietSinceUs = nowUs;
  lastLog = p.walFrames;
  post({ kind: 'pass', pass: p });
  if (nowUs - quietSinceUs >= idleMs * 1000) {
    clearInterval(timer);
    sqlite.close();
    post({ kind: 'idle' });
  }
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
