/** Builds Wiegand edge trains and plays them into a FrameAssembler on a ManualClock (tests only). */
import type { Clock, ManualClock, TimerHandle } from '../../core/clock.ts';
import type { EdgeEvent, LineFault, RawFrame } from '../types.ts';
import { FrameAssembler, type FrameAssemblerOptions } from './frame-assembler.ts';

export interface TrainOptions {
  readonly startUs: number;
  readonly periodUs: number;
  readonly widthUs?: number;
  /** Each interval is periodUs × (1 + u × jitter), u uniform in [-1, 1) drawn from `random`. */
  readonly jitter?: number;
  readonly random?: () => number;
}

export function edgeTrain(bits: string, o: TrainOptions): EdgeEvent[] {
  const edges: EdgeEvent[] = [];
  let t = o.startUs;
  for (let i = 0; i < bits.length; i++) {
    if (i > 0) {
      const u = o.jitter !== undefined && o.random !== undefined ? o.random() * 2 - 1 : 0;
      t += Math.round(o.periodUs * (1 + u * (o.jitter ?? 0)));
    }
    const line = bits[i] === '1' ? 'D1' : 'D0';
    edges.push(o.widthUs === undefined ? { line, timeUs: t } : { line, timeUs: t, widthUs: o.widthUs });
  }
  return edges;
}

/** Deterministic PRNG so jitter tests are reproducible (the simulator's own). */
export { createPrng as seededRandom } from '../../capture/sim/prng.ts';

export interface Harness {
  readonly asm: FrameAssembler;
  readonly frames: RawFrame[];
  readonly faults: LineFault[];
  /** monotonicUs at the moment each frame was emitted. */
  readonly emittedAtUs: number[];
  /** Advances the clock to each edge's time and feeds it (edges must be in time order). */
  play(edges: readonly EdgeEvent[]): void;
}

export function harness(
  clock: ManualClock,
  opts: Partial<Omit<FrameAssemblerOptions, 'clock' | 'onFrame' | 'onFault'>> = {},
): Harness {
  const frames: RawFrame[] = [];
  const faults: LineFault[] = [];
  const emittedAtUs: number[] = [];
  const asm = new FrameAssembler({
    reader: 'r1',
    ...opts,
    clock,
    onFrame: (f) => {
      frames.push(f);
      emittedAtUs.push(clock.monotonicUs());
    },
    onFault: (f) => faults.push(f),
  });
  return {
    asm,
    frames,
    faults,
    emittedAtUs,
    play(edges) {
      for (const e of edges) {
        const step = e.timeUs - clock.monotonicUs();
        if (step > 0) clock.advanceUs(step);
        asm.edge(e);
      }
    },
  };
}

/** A 0/1 string of the given length with a fixed, non-trivial pattern. */
export function patternBits(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += (i * 7 + (i >> 2)) % 3 === 0 ? '1' : '0';
  return s;
}

/**
 * A clock whose time is set by the test and whose timers fire only on `fireNext()`, one at a time,
 * so a test can interleave timer callbacks and edge deliveries as a stalled event loop would.
 */
export class SteppingClock implements Clock {
  nowUs: number;
  private nextId = 1;
  private readonly pending = new Map<number, { dueUs: number; fn: () => void }>();

  constructor(startUs: number) {
    this.nowUs = startUs;
  }

  now(): number {
    return this.nowUs / 1000;
  }

  monotonicUs(): number {
    return this.nowUs;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { dueUs: this.nowUs + ms * 1000, fn });
    return { id };
  }

  defer(fn: () => void): TimerHandle {
    return this.setTimeout(fn, 0);
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle.id);
  }

  /** Fires the earliest pending timer (moving time forward to it if needed); false if none. */
  fireNext(): boolean {
    let first: [number, { dueUs: number; fn: () => void }] | undefined;
    for (const entry of this.pending) if (first === undefined || entry[1].dueUs < first[1].dueUs) first = entry;
    if (first === undefined) return false;
    this.pending.delete(first[0]);
    this.nowUs = Math.max(this.nowUs, first[1].dueUs);
    first[1].fn();
    return true;
  }
}
