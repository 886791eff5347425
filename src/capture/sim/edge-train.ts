/**
 * The simulated reader's wire: turns a frame of bits into the falling edges a Wiegand reader would
 * make (a 0 pulses D0, a 1 pulses D1), with the timing knobs real readers vary: pulse width, bit
 * interval, interval jitter, and spurious short pulses (glitches). Pure and seeded.
 */
import type { Bits, EdgeEvent } from '../../wiegand/types.ts';
import { createPrng } from './prng.ts';

export interface EdgeTrainOptions {
  /** Time of the first falling edge, µs. */
  startUs?: number;
  /** Low pulse width, µs (typical readers: 20–100). */
  pulseUs?: number;
  /** Falling edge to falling edge, µs (typical readers: 200–20000). */
  intervalUs?: number;
  /** Each interval varies uniformly within ± this many µs. */
  jitterUs?: number;
  /** Number of spurious short pulses inserted at random times on random lines. */
  glitches?: number;
  /** Width of a glitch pulse, µs. */
  glitchUs?: number;
  seed?: number;
}

export const EDGE_TRAIN_DEFAULTS = {
  startUs: 0,
  pulseUs: 50,
  intervalUs: 2000,
  jitterUs: 0,
  glitches: 0,
  glitchUs: 2,
  seed: 1,
} as const satisfies Required<EdgeTrainOptions>;

export function edgeTrain(bits: Bits, options: EdgeTrainOptions = {}): EdgeEvent[] {
  const o = { ...EDGE_TRAIN_DEFAULTS, ...options };
  const random = createPrng(o.seed);
  // An interval never shrinks below the pulse itself: the line must go high between bits.
  const minIntervalUs = o.pulseUs + 1;
  const edges: EdgeEvent[] = [];
  let t = o.startUs;
  bits.forEach((bit, i) => {
    if (i > 0) {
      const jitter = o.jitterUs === 0 ? 0 : Math.round((random() * 2 - 1) * o.jitterUs);
      t += Math.max(minIntervalUs, o.intervalUs + jitter);
    }
    edges.push({ line: bit ? 'D1' : 'D0', timeUs: t, widthUs: o.pulseUs });
  });
  const endUs = t + o.pulseUs;
  for (let g = 0; g < o.glitches; g++) {
    const at = o.startUs + Math.round(random() * (endUs - o.startUs));
    edges.push({ line: random() < 0.5 ? 'D0' : 'D1', timeUs: at, widthUs: o.glitchUs });
  }
  return edges.sort((a, b) => a.timeUs - b.timeUs);
}

/** µs from the first edge to the end of the last pulse: how long the train occupies the line. */
export function edgeTrainDurationUs(edges: readonly EdgeEvent[]): number {
  if (edges.length === 0) return 0;
  const first = edges[0]!.timeUs;
  return Math.max(...edges.map((e) => e.timeUs + (e.widthUs ?? 0))) - first;
}
