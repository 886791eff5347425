/**
 * CPU priority of one thread. Bulk work on a worker thread (a 100,000-item import) competes for
 * the CPU with the event loop that reads the cards; on a 2-core board the loop then waited for a
 * core, 20-50 ms at a time, although nothing blocked it. Linux keeps a nice value per thread
 * (setpriority with who = 0 applies to the calling thread under NPTL, see setpriority(2)), so a
 * worker can step back without slowing the door path. Elsewhere the same call would lower the
 * whole process, so it is not made.
 */
import { getPriority, setPriority } from 'node:os';

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
