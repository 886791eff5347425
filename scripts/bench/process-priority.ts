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
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load-config.ts';
import { schedulingOf, setRealtime, threadIds } from '../../src/core/thread-priority.ts';

const UNIT = readFileSync(join(import.meta.dirname, '../../systemd/doorctl.service'), 'utf8');

/** The daemon's nice value as installed: `Nice=` of systemd/doorctl.service (0 without one). */
export const DAEMON_NICE = Number(/^Nice=(-?\d+)\s*$/m.exec(UNIT)?.[1] ?? 0);

/**
 * The memory allocator's settings as installed: the unit's `Environment=MALLOC_…` lines. Not the
 * other Environment= lines: they name the installed config and data paths.
 */
export const DAEMON_ALLOCATOR_ENV: Readonly<Record<string, string>> = Object.fromEntries(
  [...UNIT.matchAll(/^Environment=(MALLOC_\w+)=(\S+)\s*$/gm)].map((m) => [m[1]!, m[2]!]),
);

/** Node's own options as installed: the flags between the node binary and the script in the unit's `ExecStart=`. */
export const DAEMON_NODE_ARGS: readonly string[] = (() => {
  const words = /^ExecStart=\S+\s+(.*)$/m.exec(UNIT)?.[1]?.split(/\s+/) ?? [];
  const script = words.findIndex((w) => !w.startsWith('-'));
  return script < 0 ? [] : words.slice(0, script);
})();

/** The event loop's real-time priority as installed: the shipped configuration's (install-pi.sh copies it). */
export const DAEMON_REALTIME_PRIORITY = loadConfig(join(import.meta.dirname, '../../hardware/config.example.yaml'), {}).eventLoop.realtimePriority;

/** Configuration keys every bench daemon gets, so it schedules its event loop as an installed one does. */
export const AS_INSTALLED = { eventLoop: { realtimePriority: DAEMON_REALTIME_PRIORITY } } as const;

/** The real-time priority of a process's main thread (0: normal scheduling). */
export function realtimePriorityOf(pid: number): number {
  try {
    return schedulingOf(String(pid)).priority;
  } catch {
    return 0;
  }
}

/** Puts a process's main thread in real-time scheduling; false where this machine does not allow it. */
const realtime = (pid: number, policy: 'rr' | 'fifo', priority: number): boolean => setRealtime(pid, policy, priority) === undefined;

/**
 * Puts a just-spawned daemon's main thread at its unit's nice value (the reliability load test's
 * daemon). Threads node started before the call (V8's GC helpers) keep theirs, unlike under
 * systemd; spawnAsInstalled, which the bench uses, starts every thread there.
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
 * Runs `spawn` (which starts a process) with this thread at the unit's nice value, so the process
 * and every thread it starts begin at it, as under systemd (a nice value set after the spawn would
 * miss the threads node starts first: V8's GC helpers). `niced`: whether it was allowed (root or
 * CAP_SYS_NICE; the figures say so).
 */
export function spawnAsInstalled<T>(spawn: () => T): { child: T; niced: boolean } {
  const own = getPriority(0);
  let niced = false;
  try {
    setPriority(0, DAEMON_NICE);
    niced = true;
  } catch {
    // Not allowed here: the child starts at this process's priority.
  }
  try {
    return { child: spawn(), niced };
  } finally {
    if (niced) setPriority(0, own);
  }
}

/**
 * For a process standing for an event loop scheduled as the daemon's (the import figure's idle
 * loop), once spawned with spawnAsInstalled: the shipped configuration's real-time priority (the
 * daemon sets that one itself). Whether it took effect.
 */
export function realtimeAsInstalled(pid: number): boolean {
  return DAEMON_REALTIME_PRIORITY === 0 || realtime(pid, 'rr', DAEMON_REALTIME_PRIORITY);
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
/**
 * Real-time priority of what stands for hardware in a measurement, above the daemon's loop: the
 * reader's pacing thread (a hardware reader's edges wait for no CPU; at nice -10 only, the sender
 * still fell silent mid-frame for ≥ 5 ms during the import, 18 times in 136 frames, one card lost;
 * at SCHED_FIFO 20 no such silence in four of five runs) and the thread that sees the relay move.
 */
export const READER_REALTIME_PRIORITY = DAEMON_REALTIME_PRIORITY + 10;
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

/**
 * Puts a process standing for hardware ahead of the daemon's loop: its main thread (the simulated
 * reader's, which times the edges; the bench's, which timestamps the relay events) at SCHED_FIFO
 * READER_REALTIME_PRIORITY. Returns how to put it back (undefined where not allowed).
 */
export function standInForHardware(pid: number): (() => void) | undefined {
  if (!realtime(pid, 'fifo', READER_REALTIME_PRIORITY)) return undefined;
  return () => execFileSync('chrt', ['--other', '--pid', '0', String(pid)], { stdio: 'ignore' });
}

/** Puts an admin client behind the daemon and the reader. */
export function deprioritizeClient(pid: number): void {
  setProcessPriority(pid, CLIENT_NICE);
}
