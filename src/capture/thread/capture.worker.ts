/**
 * The capture thread: reads the edge sources that reach the daemon as bytes (the simulated
 * reader's socket, gpiomon's pipe) on an event loop that does nothing else, stamps each edge with
 * when it arrived, and posts the edges to the main thread, which assembles frames and decides.
 *
 * Why a thread: the frame assembler waits, past a frame's deadline, as long as the frame's edges
 * took to arrive (frame-assembler.ts), in case the next edge is still on its way. Read on the main
 * thread, that lag was also the loop's own: during an import it ran API work a slice at a time and
 * read each edge up to a slice late, and every card waited that much longer (docs/benchmarks.md,
 * session 13). Stamped here, the lag is only the producer's; edges the main thread has not read
 * yet when its timer fires are let in by the assembler's settle turn.
 *
 * It keeps the daemon's priority (it is on the door path); the main thread gives it the loop's
 * real-time scheduling along with its own.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { systemClock } from '../../core/clock.ts';
import { currentThreadId } from '../../core/thread-priority.ts';
import { errorFields } from '../../core/worker-errors.ts';
import { workerLogger } from '../../core/worker-log.ts';
import type { EdgeEvent, ReaderId } from '../../wiegand/types.ts';
import { startEdgeSources, type EdgeSources } from '../edge-sources.ts';
import type { CaptureThreadData, FromCaptureThread, ToCaptureThread } from './protocol.ts';

const port = parentPort;
if (!port) throw new Error('capture.worker runs as a worker thread');
const data = workerData as CaptureThreadData;
const post = (m: FromCaptureThread): void => port.postMessage(m);
const logger = workerLogger(data.logLevel, post);

/** Edges taken in during this turn, per reader: posted together once the turn's reads are done. */
const pending = new Map<ReaderId, EdgeEvent[]>();
let flushQueued = false;
function flush(): void {
  flushQueued = false;
  for (const [reader, edges] of pending) post({ kind: 'edges', reader, edges });
  pending.clear();
}
function take(reader: ReaderId, e: EdgeEvent, arrivedUs: number): void {
  const list = pending.get(reader);
  const stamped = { ...e, arrivedUs };
  if (list) list.push(stamped);
  else pending.set(reader, [stamped]);
  if (!flushQueued) {
    flushQueued = true;
    queueMicrotask(flush);
  }
}

let sources: EdgeSources | null = null;

port.on('message', (m: ToCaptureThread) => {
  if (m.kind === 'health') {
    post({ kind: 'health', id: m.id, health: sources?.health() ?? {} });
  } else {
    // Closing the port once the sources are stopped lets the thread end; the main thread waits for that.
    void (sources?.stop() ?? Promise.resolve()).then(() => {
      flush();
      port.close();
    });
  }
});

startEdgeSources(data, {
  clock: systemClock,
  logger,
  onEdges: (reader, edges) => {
    const arrivedUs = systemClock.monotonicUs();
    for (const e of edges) take(reader, e, arrivedUs);
  },
  onGpiomonChild: (i, pid) => Atomics.store(data.gpiomonPids, i, pid ?? 0),
}).then(
  (started) => {
    sources = started;
    post({ kind: 'ready', tid: currentThreadId() ?? 0, simSocketPath: started.simSocketPath });
  },
  (err: unknown) => {
    post({ kind: 'failed', error: errorFields(err) });
    port.close();
  },
);
