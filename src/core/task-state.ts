/**
 * Whether a thread is runnable: Linux marks a thread runnable (state R in /proc/<task>/stat) the
 * moment something wakes it, say data written to a socket it waits on, before it gets a CPU. So
 * "not runnable" means every wake-up sent before the check has been handled. Off Linux, or for a
 * task that no longer exists, false.
 */
import { readFileSync } from 'node:fs';

/** `task`: e.g. `self/task/<tid>` (a thread of this process) or a pid. */
export function isRunnable(task: string): boolean {
  if (process.platform !== 'linux') return false;
  try {
    const stat = readFileSync(`/proc/${task}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2) === 'R';
  } catch {
    return false;
  }
}
