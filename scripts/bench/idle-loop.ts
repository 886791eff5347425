/**
 * The machine's floor for the import figure: an event loop with nothing to do, in a process of
 * its own at the daemon's priority (its main thread, as the daemon runs), watched by the same loop
 * monitor as the daemon. Its longest gap while the import runs is what this machine's scheduler
 * alone costs any event loop at that priority with the daemon, the reader, the importer and the
 * bench beside it on the same cores: a block no change inside the daemon could take away.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { killWithBench } from './kill-with-bench.ts';
import { realtimeAsInstalled, spawnAsInstalled } from './process-priority.ts';

export interface IdleLoop {
  readonly pid: number;
  /** Whether it runs at the daemon's priority (false where raising it is not allowed). */
  readonly asDaemon: boolean;
  stop(): void;
}

/** Starts the idle loop, its gaps written to `monitorFile` as the daemon's are (loop-monitor.cjs). */
export function startIdleLoop(monitorFile: string, monitorIntervalMs: number): IdleLoop {
  const { child, niced } = spawnAsInstalled(() =>
    spawn(process.execPath, ['--require', join(import.meta.dirname, 'loop-monitor.cjs'), '-e', 'setInterval(() => {}, 2 ** 30)'], {
      env: { ...process.env, LOOP_MONITOR_OUT: monitorFile, LOOP_MONITOR_INTERVAL_MS: String(monitorIntervalMs) },
      stdio: 'ignore',
    }),
  );
  killWithBench(child);
  return { pid: child.pid!, asDaemon: niced && realtimeAsInstalled(child.pid!), stop: () => child.kill('SIGKILL') };
}
