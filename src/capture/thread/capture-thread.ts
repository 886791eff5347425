/**
 * The main thread's side of the capture thread (capture.worker.ts): starts it, hands the edges it
 * posts to `onEdges`, relays its log lines, asks it for its sources' health, stops it. Should the
 * thread die (a bug in it), the readers it served would be deaf: it is started again with the
 * same backoff as a gpiomon that exits, and its new thread id handed to `onThread` again so it
 * gets the door path's scheduling back.
 *
 * `deliveryPending` tells the frame assemblers whether edges may be between the lines and them
 * when a frame's silence has passed: a gpiomon is runnable (the kernel woke it for an edge) or the
 * thread is (woken for data, or handling some). Measured without it: a card split in two in the control of the import
 * figure, its edge read by this thread 2.4-4.8 ms after the reader sent it on time.
 */
import type { Worker } from 'node:worker_threads';
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Logger } from '../../core/logger.ts';
import { startWorker } from '../../core/worker-entry.ts';
import { isRunnable } from '../../core/task-state.ts';
import { relayWorkerLog } from '../../core/worker-log.ts';
import type { EdgeEvent, ReaderId } from '../../wiegand/types.ts';
import { DEFAULT_BACKOFF, RestartBackoff } from '../gpio/restart-backoff.ts';
import type { CaptureThreadData, FromCaptureThread, ToCaptureThread } from './protocol.ts';

export const CAPTURE_WORKER_PATH = 'capture/thread/capture.worker';
const CAPTURE_HEAP_LIMITS = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 };

export interface CaptureThreadOptions {
  readonly data: Omit<CaptureThreadData, 'logLevel' | 'gpiomonPids'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly onEdges: (reader: ReaderId, edges: EdgeEvent[]) => void;
  /** How long a health request may wait for the thread (default 1000 ms). */
  readonly healthTimeoutMs?: number;
  /** The worker module (startWorker's path; default CAPTURE_WORKER_PATH); tests wrap it to make it fail. */
  readonly workerPath?: string;
}

export interface CaptureThread {
  readonly simSocketPath: string | null;
  /** Called now with the thread's Linux thread id and again for each restarted thread. */
  onThread(apply: (tid: number) => void): void;
  health(): Promise<Record<string, unknown>>;
  /** Whether the thread has been woken (edges read or on their way) and has not handed them over yet. */
  deliveryPending(): boolean;
  stop(): Promise<void>;
}

interface Running {
  readonly worker: Worker;
  readonly tid: number;
  readonly simSocketPath: string | null;
  readonly startedUs: number;
}

export async function startCaptureThread(opts: CaptureThreadOptions): Promise<CaptureThread> {
  const { clock, logger } = opts;
  const log = logger.child({ thread: 'capture' });
  const backoff = new RestartBackoff(DEFAULT_BACKOFF);
  const healthWaiters = new Map<number, (h: Record<string, unknown>) => void>();
  let nextHealthId = 1;
  let stopping = false;
  let applyToThread: ((tid: number) => void) | null = null;
  let restartTimer: TimerHandle | null = null;
  let running: Running | null = null;

  const gpiomonPids = new Int32Array(new SharedArrayBuffer(4 * Math.max(1, opts.data.gpiomon.length)));
  const launch = (): Promise<Running> =>
    new Promise((resolve, reject) => {
      const workerData: CaptureThreadData = { ...opts.data, gpiomonPids, logLevel: logger.level };
      // It holds a few edges at a time: small heap limits keep its resident memory down.
      const worker = startWorker(opts.workerPath ?? CAPTURE_WORKER_PATH, { workerData, resourceLimits: CAPTURE_HEAP_LIMITS });
      let ready: Running | null = null;
      worker.on('message', (m: FromCaptureThread) => {
        switch (m.kind) {
          case 'edges':
            opts.onEdges(m.reader, m.edges);
            return;
          case 'log':
            relayWorkerLog(log, m);
            return;
          case 'health':
            healthWaiters.get(m.id)?.(m.health);
            return;
          case 'ready':
            ready = { worker, tid: m.tid, simSocketPath: m.simSocketPath, startedUs: clock.monotonicUs() };
            resolve(ready);
            return;
          case 'failed':
            reject(Object.assign(new Error(m.error.message), m.error));
            return;
        }
      });
      worker.on('error', (err) => {
        if (ready === null) reject(err);
        else log.error({ err }, 'capture thread failed');
      });
      worker.on('exit', (code) => {
        endOrphans();
        if (ready === null) return reject(new Error(`capture thread exited (code ${code}) before it was ready`));
        if (running?.worker !== worker || stopping) return;
        running = null;
        const ranMs = (clock.monotonicUs() - ready.startedUs) / 1000;
        log.error({ code, restartInMs: restartLater(ranMs) }, 'capture thread ended; starting it again');
      });
    });

  /** Starts a new thread after the backoff's delay (returned), and so on until one starts. */
  const restartLater = (ranMs: number): number => {
    const delayMs = backoff.nextDelayMs(ranMs);
    restartTimer = clock.setTimeout(() => {
      restartTimer = null;
      if (stopping) return;
      launch().then(
        (r) => {
          if (stopping) return void r.worker.terminate();
          running = r;
          applyToThread?.(r.tid);
        },
        (err: unknown) => log.error({ err, restartInMs: restartLater(0) }, 'capture thread could not start again'),
      );
    }, delayMs);
    return delayMs;
  };

  /**
   * A thread that ended without stopping its gpiomon children leaves them running, holding the
   * lines its successor needs (until an edge makes them write to the closed pipe): end them.
   */
  const endOrphans = (): void => {
    for (let i = 0; i < gpiomonPids.length; i++) {
      const pid = Atomics.exchange(gpiomonPids, i, 0);
      if (pid > 0) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // Already gone.
        }
      }
    }
  };

  running = await launch();
  const simSocketPath = running.simSocketPath;

  return {
    simSocketPath,
    onThread(apply) {
      applyToThread = apply;
      if (running) apply(running.tid);
    },
    deliveryPending() {
      if (running === null) return false;
      if (isRunnable(`self/task/${running.tid}`)) return true;
      for (let i = 0; i < opts.data.gpiomon.length; i++) {
        const pid = Atomics.load(gpiomonPids, i);
        if (pid > 0 && isRunnable(String(pid))) return true;
      }
      return false;
    },
    health() {
      const r = running;
      if (r === null) return Promise.resolve({ running: false });
      const id = nextHealthId++;
      return new Promise((resolve) => {
        const timer = clock.setTimeout(() => {
          healthWaiters.delete(id);
          resolve({ running: true, answered: false });
        }, opts.healthTimeoutMs ?? 1000);
        healthWaiters.set(id, (h) => {
          clock.clearTimeout(timer);
          healthWaiters.delete(id);
          resolve(h);
        });
        r.worker.postMessage({ kind: 'health', id } satisfies ToCaptureThread);
      });
    },
    async stop() {
      stopping = true;
      if (restartTimer !== null) clock.clearTimeout(restartTimer);
      const r = running;
      running = null;
      if (r === null) return;
      const exited = new Promise<void>((resolve) => r.worker.once('exit', () => resolve()));
      r.worker.postMessage({ kind: 'stop' } satisfies ToCaptureThread);
      // A thread that does not finish stopping its sources in time is ended.
      const kill = clock.setTimeout(() => void r.worker.terminate(), 5000);
      await exited;
      clock.clearTimeout(kill);
    },
  };
}
