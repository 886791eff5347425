/**
 * Admission control for the admin API. The daemon's single event loop also runs the card path
 * (reader socket, end-of-frame timers, the decision's settle turn), and Node runs every request
 * read in one poll phase back to back before it looks at timers again: eight clients meant up to
 * eight handlers (tens of ms) between a frame's end and its decision. So:
 *
 * - Requests wait in a FIFO and are started one per event-loop turn (setImmediate), never in the
 *   turn that read them: between two handlers, timers and the reader socket get their turn. This is
 *   event-loop scheduling, not time, so it does not go through the Clock (tests on a ManualClock
 *   still get their answers).
 * - At most `maxActive` admitted requests may be unanswered at once, so handlers that continue
 *   over several turns cannot pile up their continuations in one turn either. A request is
 *   answered once its headers are out (an event stream stays open but costs nothing per turn).
 *   A handler waiting on work off the loop (the batch worker) holds its slot too, so the limit
 *   must not be tiny, or a couple of long batch PUTs would hold up every read.
 * - A request whose client went away while queued is dropped, never run.
 * - Past `maxQueued` waiting requests the answer is an immediate 503 with Retry-After.
 */
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './errors.ts';

export interface AdmissionOptions {
  /** Runs `fn` in a later event-loop turn. Default setImmediate; tests step turns by hand. */
  readonly nextTurn?: (fn: () => void) => void;
  /** Admitted requests not yet answered, at most. Default 8. */
  readonly maxActive?: number;
  /** Requests waiting for admission, at most; beyond, 503. Default 512. */
  readonly maxQueued?: number;
}

export interface AdmissionStats {
  readonly queued: number;
  readonly active: number;
  readonly admitted: number;
  /** Queued requests dropped because their client had gone. */
  readonly abandoned: number;
  /** Requests refused with 503 because the queue was full. */
  readonly refused: number;
}

export const SERVER_BUSY = 'Server busy, retry shortly';

interface Waiting {
  readonly res: Response;
  readonly next: NextFunction;
}

export function createAdmission(opts: AdmissionOptions) {
  const nextTurn = opts.nextTurn ?? ((fn: () => void) => void setImmediate(fn));
  const maxActive = Math.max(1, opts.maxActive ?? 8);
  const maxQueued = Math.max(1, opts.maxQueued ?? 512);
  const queue: Waiting[] = [];
  let head = 0;
  const active = new Set<Response>();
  let turnPending = false;
  const counts = { admitted: 0, abandoned: 0, refused: 0 };

  /**
   * A request holds its slot until its answer begins: headers written (every answer, streams
   * included, goes through writeHead), or the response finished or closed.
   */
  function holdSlot(res: Response): void {
    active.add(res);
    const release = (): void => {
      if (active.delete(res)) schedule();
    };
    const writeHead = res.writeHead;
    res.writeHead = function (this: Response, ...args: unknown[]) {
      release();
      return (writeHead as (...a: unknown[]) => Response).apply(this, args);
    } as Response['writeHead'];
    res.once('finish', release);
    res.once('close', release);
  }

  function schedule(): void {
    if (turnPending || head >= queue.length) return;
    turnPending = true;
    nextTurn(admitOne);
  }

  function admitOne(): void {
    turnPending = false;
    while (head < queue.length && active.size < maxActive) {
      const w = queue[head++]!;
      const socket = w.res.socket;
      if (socket === null || socket.destroyed) {
        counts.abandoned++;
        continue;
      }
      holdSlot(w.res);
      counts.admitted++;
      w.next();
      break;
    }
    // Drop what was taken, in bulk, so a queue that never drains under steady load stays bounded.
    if (head === queue.length || head >= 1024) {
      queue.splice(0, head);
      head = 0;
    }
    // Full: the next answer or close reschedules.
    if (active.size < maxActive) schedule();
  }

  function middleware(_req: Request, res: Response, next: NextFunction): void {
    if (queue.length - head >= maxQueued) {
      counts.refused++;
      next(new ApiError(503, SERVER_BUSY, { 'Retry-After': '1' }));
      return;
    }
    queue.push({ res, next });
    if (active.size < maxActive) schedule();
  }

  return {
    middleware,
    stats: (): AdmissionStats => ({ queued: queue.length - head, active: active.size, ...counts }),
  };
}

export type Admission = ReturnType<typeof createAdmission>;
