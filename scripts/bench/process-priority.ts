/**
 * CPU priorities of the processes a measurement starts: the daemon at the priority its systemd unit
 * gives it, and the processes around it.
 *
 * A real reader is hardware and never waits for a CPU; on a shared, loaded machine the simulated
 * reader's processes are woken late, so they are put ahead of the other jobs. Measured at load 6
 * on 2 cores with the import benchmark: it steadied the baseline (worst sender lateness 7-36 ms
 * instead of 11-83 ms), not the import phase, whose stalls (50-125 ms) a lone reader at nice -15
 * also saw. Needs root or CAP_SYS_NICE; the figures say whether it was given.
 *
 * Admin clients (load generators, the importer) stand for consoles on other machines: on a 2-core
 * test machine they would otherwise take the CPU from the daemon and the reader. They are put
 * behind (no privilege needed); they still keep the daemon as busy as it will be.
 */
import { readFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { join } from 'node:path';
import { threadIds } from '../../src/core/thread-priority.ts';

/** The daemon's nice value as installed: `Nice=` of systemd/doorctl.service (0 without one). */
export const DAEMON_NICE = Number(/^Nice=(-?\d+)\s*$/m.exec(readFileSync(join(import.meta.dirname, '../../systemd/doorctl.service'), 'utf8'))?.[1] ?? 0);

/**
 * Puts a just-spawned daemon at its unit's priority. systemd sets it before the daemon starts, so
 * every thread inherits it and the daemon then returns all but its event loop to normal
 * (core/thread-priority.ts); setting the main thread of the new process ends in the same state.
 * Needs root or CAP_SYS_NICE; false where it was not allowed (the figures say so).
 */
export function runAsInstalled(pid: number): boolean {
  try {
    setPriority(pid, DAEMON_NICE);
    return true;
  } catch {
    return false;
  }
}

/**
 * Linux keeps a nice value per thread and setpriority(pid) sets only the thread whose id is the
 * pid: a node process's V8 helper threads (parallel GC) and libuv pool would keep theirs. So every
 * thread of the process is set; threads started later inherit from the thread that starts them.
 */
function setProcessPriority(pid: number, nice: number): void {
  for (const tid of threadIds(pid)) setPriority(tid, nice);
}

/** Nice value for the reader's processes (default 0; lower runs first). */
export const READER_NICE = -10;
/** Nice value for admin clients. */
export const CLIENT_NICE = 10;

/** Puts these processes ahead of other jobs; false if this machine does not allow it. */
export function prioritizeReader(pids: readonly number[]): boolean {
  try {
    for (const pid of pids) setProcessPriority(pid, READER_NICE);
    return true;
  } catch {
    return false;
  }
}

/** Puts an admin client behind the daemon and the reader. */
export function deprioritizeClient(pid: number): void {
  setProcessPriority(pid, CLIENT_NICE);
}
