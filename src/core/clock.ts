/**
 * Time is injected everywhere: production code receives a Clock, tests drive a ManualClock.
 * Wall time (ms since the Unix epoch) is for validity rules and the journal; monotonic time (µs)
 * is for Wiegand timing, where wall-clock steps (NTP) must not split or merge frames.
 */
export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Wall-clock time in milliseconds since the Unix epoch. */
  now(): number;
  /** Monotonic time in microseconds (same base as the kernel's CLOCK_MONOTONIC on Linux). */
  monotonicUs(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /**
   * Runs `fn` after the I/O already pending has been read (one event-loop turn, no minimum delay,
   * unlike a 0 ms timeout which Node stretches to 1 ms). Cancelled with clearTimeout.
   */
  defer(fn: () => void): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = (() => {
  const timers = new Map<number, NodeJS.Timeout | NodeJS.Immediate>();
  let next = 1;
  return {
    now: () => Date.now(),
    monotonicUs: () => Number(process.hrtime.bigint() / 1000n),
    setTimeout(fn, ms) {
      const id = next++;
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, ms);
      timers.set(id, t);
      return { id };
    },
    defer(fn) {
      const id = next++;
      const t = setImmediate(() => {
        timers.delete(id);
        fn();
      });
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle) {
      const t = timers.get(handle.id);
      if (t === undefined) return;
      // Only a Timeout can be refreshed; the rest are Immediates from defer().
      if (typeof (t as NodeJS.Timeout).refresh === 'function') clearTimeout(t as NodeJS.Timeout);
      else clearImmediate(t as NodeJS.Immediate);
      timers.delete(handle.id);
    },
  };
})();

/** A clock that only moves when told to; timers fire in due order as time is advanced. */
export class ManualClock implements Clock {
  private wallMs: number;
  private monoUs: number;
  private nextId = 1;
  private readonly pending = new Map<number, { dueUs: number; fn: () => void }>();

  constructor(startWallMs = Date.UTC(2026, 0, 1), startMonoUs = 1_000_000) {
    this.wallMs = startWallMs;
    this.monoUs = startMonoUs;
  }

  now(): number {
    return this.wallMs;
  }

  monotonicUs(): number {
    return this.monoUs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { dueUs: this.monoUs + Math.max(0, ms) * 1000, fn });
    return { id };
  }

  /** Due at the current instant: runs at the next advance, like a turn of the event loop. */
  defer(fn: () => void): TimerHandle {
    return this.setTimeout(fn, 0);
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle.id);
  }

  /** Advance both clocks by `us` microseconds, firing every timer that falls due, in order. */
  advanceUs(us: number): void {
    const target = this.monoUs + us;
    for (;;) {
      let dueId = -1;
      let dueUs = Infinity;
      for (const [id, t] of this.pending) {
        if (t.dueUs <= target && t.dueUs < dueUs) {
          dueUs = t.dueUs;
          dueId = id;
        }
      }
      if (dueId < 0) break;
      const timer = this.pending.get(dueId)!;
      this.pending.delete(dueId);
      this.wallMs += (timer.dueUs - this.monoUs) / 1000;
      this.monoUs = timer.dueUs;
      timer.fn();
    }
    this.wallMs += (target - this.monoUs) / 1000;
    this.monoUs = target;
  }

  advanceMs(ms: number): void {
    this.advanceUs(ms * 1000);
  }

  /** Move wall time to an absolute instant (e.g. a DST boundary) without touching monotonic time. */
  setWallMs(ms: number): void {
    this.wallMs = ms;
  }

  pendingTimers(): number {
    return this.pending.size;
  }
}
