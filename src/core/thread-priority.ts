/**
 * CPU priority per thread. Linux keeps a nice value per thread (setpriority with who = 0 applies to
 * the calling thread under NPTL, see setpriority(2)); elsewhere the same call would change the
 * whole process, so nothing here does anything off Linux.
 *
 * The event loop is the door path (capture, decoding, rules, relays). On a 2-core board it waited
 * for a core behind the daemon's own other threads: bulk work on a worker thread (a 100,000-item
 * import, 20-50 ms at a time) and V8's GC helper threads, which collect for every isolate of the
 * process (perf sched: four helpers queued ahead of the loop for 14 ms). So the service runs the
 * daemon above normal priority (systemd unit `Nice=-5`), the loop keeps that, and every other
 * thread goes back to normal or below.
 *
 * Where the daemon may, its loop runs in real-time scheduling instead (realtimeLoop, config
 * `eventLoop.realtimePriority`): then no thread at any nice value delays it, and the others keep
 * the unit's nice. The loop itself never waits for a lower-priority thread to finish a garbage
 * collection: the unit runs node with V8's parallel and concurrent collection off, but for sweeping
 * (systemd/doorctl.service).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

const NORMAL_NICE = 0;

/**
 * Gives the calling thread the nice value `nice` (higher = lower priority; raising it needs no
 * privilege). Returns whether it took effect.
 */
export function lowerThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    setPriority(0, nice);
    return getPriority(0) === nice;
  } catch {
    return false;
  }
}

/** The ids of a process's threads (Linux: /proc/<pid>/task); just the process id where they cannot be listed. */
export function threadIds(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [pid];
  }
}

/** The calling thread's Linux thread id (the first field of /proc/thread-self/stat); null elsewhere. */
export function currentThreadId(): number | null {
  if (process.platform !== 'linux') return null;
  try {
    return Number(readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

/** In a worker thread: gives up a priority above normal inherited from the event loop. */
export function normalThreadPriority(): void {
  if (process.platform === 'linux' && getPriority(0) < NORMAL_NICE) lowerThreadPriority(NORMAL_NICE);
}

/**
 * On the main thread, once started: if the daemon runs above normal priority, puts every other
 * thread running now (V8's GC helpers, libuv's pool) back to normal so that only the event loop
 * keeps it, and the threads in `keep` (the capture thread, on the door path too). Workers started
 * later do the same for themselves. Returns the loop's nice value.
 */
export function boostLoopOnly(keep: readonly number[] = []): number {
  if (process.platform !== 'linux') return NORMAL_NICE;
  const loopNice = getPriority(0);
  if (loopNice >= NORMAL_NICE) return loopNice;
  for (const tid of threadIds(process.pid)) {
    if (tid === process.pid || keep.includes(tid)) continue;
    try {
      setPriority(tid, NORMAL_NICE);
    } catch {
      // The thread has ended since the listing.
    }
  }
  return loopNice;
}

/**
 * A task's scheduling policy and real-time priority (fields 41 and 40 of /proc/<task>/stat): the
 * calling thread by default, else e.g. a pid (its main thread) or `<pid>/task/<tid>`.
 */
export function schedulingOf(task = 'thread-self'): { policy: number; priority: number } {
  const fields = readFileSync(`/proc/${task}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { policy: Number(fields[38]), priority: Number(fields[37]) };
}

/** Linux's SCHED_RR (sched.h). */
export const SCHED_RR = 2;

/**
 * On the main thread: puts the event loop in real-time scheduling (SCHED_RR at `priority`), so
 * the door path no longer waits for a core behind anything running at normal priority on the
 * machine. With the reset-on-fork flag, every thread started afterwards (workers, libuv's pool)
 * starts at normal priority instead of inheriting it, and the threads running now keep theirs:
 * only the loop is real-time. Node has no call for it, so util-linux's `chrt` sets it; that needs
 * root, CAP_SYS_NICE or an RLIMIT_RTPRIO of at least `priority` (systemd: `LimitRTPRIO=`).
 * Returns why it was refused, or undefined once the kernel reports the policy in force.
 */
export function realtimeLoop(priority: number): string | undefined {
  if (process.platform !== 'linux') return `real-time scheduling is only set up on Linux (${process.platform})`;
  const refused = setRealtime(process.pid, 'rr', priority);
  if (refused) return refused;
  const now = schedulingOf();
  return now.policy === SCHED_RR && now.priority === priority ? undefined : `the kernel reports policy ${now.policy} priority ${now.priority}`;
}

/**
 * Puts thread `tid` (a process's main thread for its pid) in real-time scheduling, `rr` or `fifo`
 * at `priority`, with the reset-on-fork flag (threads and processes it starts begin at normal
 * priority), through util-linux `chrt`. Returns why it was refused, or undefined.
 */
export function setRealtime(tid: number, policy: 'rr' | 'fifo', priority: number): string | undefined {
  try {
    execFileSync('chrt', ['--reset-on-fork', `--${policy}`, '--pid', String(priority), String(tid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    return undefined;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return stderr || (err as Error).message;
  }
}
