/**
 * Cooperative hand-over of one SQLite file's write lock between threads of this process.
 *
 * The daemon's event loop writes (limited-pass commits before the relay, journal flushes, admin
 * writes) while the batch worker writes the same file on its own connection. SQLite's busy
 * handler makes a blocked writer sleep 1, 2, 5, 10… ms, and on the event loop that sleep stops
 * the door readers. So a main-thread writer announces itself in a counter shared with the worker
 * (`claim`), and the worker checks it between items: it commits at once and waits while anyone
 * is waiting. A main-thread write then waits for one batch item and a commit, not a whole chunk.
 *
 * The worker also marks the time it holds the lock (`holding`); a main-thread writer that finds
 * it held sleeps on that flag (Atomics.wait, woken by the worker's commit) instead of in SQLite's
 * busy handler, whose 1, 2, 5 ms steps overshoot a lock released after a fraction of a millisecond.
 *
 * The WAL checkpoint worker (wal-checkpointer.ts) takes the write lock too, briefly, to restart
 * the WAL; it marks that in its own flag, skips the restart while anyone is waiting, and main-thread
 * writers sleep on its flag the same way.
 *
 * Three counters per database path, shared through workerData (SharedArrayBuffer): [0] writers
 * waiting on the event loop, [1] 1 while the batch worker holds the write lock, [2] 1 while the
 * checkpoint worker does.
 */
const turns = new Map<string, Int32Array>();

/** The counter for this database file (created on first use). */
export function writeTurnOf(path: string): Int32Array {
  let turn = turns.get(path);
  if (!turn) turns.set(path, (turn = new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT))));
  return turn;
}

/** In a worker: use the main thread's counter for this file. */
export function adoptWriteTurn(path: string, turn: Int32Array): void {
  turns.set(path, turn);
}

/** The threads that mark holding the write lock, by their flag's index. */
export const HOLDER = { batchWorker: 1, checkpointer: 2 } as const;
export type Holder = (typeof HOLDER)[keyof typeof HOLDER];

/** Longest a main-thread writer sleeps on a worker's flag before leaving it to SQLite's busy handler. */
const HANDOVER_WAIT_MS = 200;

/** Sleeps this thread while `holder` holds the lock, woken when it lets go (at most HANDOVER_WAIT_MS). */
function waitOut(turn: Int32Array, holder: Holder): void {
  Atomics.wait(turn, holder, 1, HANDOVER_WAIT_MS);
}

/** Runs a write with the other thread told to let go of the lock meanwhile. */
export function claim<T>(turn: Int32Array, write: () => T): T {
  Atomics.add(turn, 0, 1);
  try {
    // Return at once unless a worker holds the lock: the batch worker commits after its current
    // item, the checkpoint worker after its restart.
    waitOut(turn, HOLDER.batchWorker);
    waitOut(turn, HOLDER.checkpointer);
    return write();
  } finally {
    Atomics.sub(turn, 0, 1);
  }
}

/**
 * On the event loop, before a write that may wait (a batch chunk, not a pass commit): resolves once
 * neither worker holds the write lock (each wait at most HANDOVER_WAIT_MS), without blocking the
 * loop. `claim` would sleep the thread instead, and a checkpoint restart holds the lock for the
 * copy and its fsync (5-18 ms measured under the load campaign), all that time no card decided.
 */
export async function workersLetGo(turn: Int32Array): Promise<void> {
  for (const holder of [HOLDER.batchWorker, HOLDER.checkpointer]) {
    const wait = Atomics.waitAsync(turn, holder, 1, HANDOVER_WAIT_MS);
    if (wait.async) await wait.value;
  }
}

export const othersWaiting = (turn: Int32Array): boolean => Atomics.load(turn, 0) > 0;

/**
 * In a worker: runs one write transaction marked as holding the lock, and wakes waiters after it.
 * The batch worker first waits out a checkpoint worker's write on its flag, woken the moment it
 * ends: SQLite's busy handler would sleep 1, 2, 5, 10… ms steps past it (the checkpoint worker
 * starts every fully copied WAL over, a write with an fsync, several times a second under load).
 */
export function holding<T>(turn: Int32Array, transaction: () => T, holder: Holder = HOLDER.batchWorker): T {
  if (holder === HOLDER.batchWorker) waitOut(turn, HOLDER.checkpointer);
  Atomics.store(turn, holder, 1);
  try {
    return transaction();
  } finally {
    Atomics.store(turn, holder, 0);
    Atomics.notify(turn, holder);
  }
}
