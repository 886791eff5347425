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
 * One counter per database path, shared through workerData (SharedArrayBuffer).
 */
const turns = new Map<string, Int32Array>();

/** The counter for this database file (created on first use). */
export function writeTurnOf(path: string): Int32Array {
  let turn = turns.get(path);
  if (!turn) turns.set(path, (turn = new Int32Array(new SharedArrayBuffer(4))));
  return turn;
}

/** In a worker: use the main thread's counter for this file. */
export function adoptWriteTurn(path: string, turn: Int32Array): void {
  turns.set(path, turn);
}

/** Runs a write with the other thread told to let go of the lock meanwhile. */
export function claim<T>(turn: Int32Array, write: () => T): T {
  Atomics.add(turn, 0, 1);
  try {
    return write();
  } finally {
    Atomics.sub(turn, 0, 1);
  }
}

export const othersWaiting = (turn: Int32Array): boolean => Atomics.load(turn, 0) > 0;
