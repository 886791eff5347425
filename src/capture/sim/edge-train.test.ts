import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bitsFromString } from '../../wiegand/types.ts';
import { edgeTrain, edgeTrainDurationUs } from './edge-train.ts';

describe('edgeTrain', () => {
  it('pulses D0 for a 0 and D1 for a 1 at the bit interval', () => {
    expect(edgeTrain(bitsFromString('101'), { startUs: 1000, pulseUs: 40, intervalUs: 1000 })).toEqual([
      { line: 'D1', timeUs: 1000, widthUs: 40 },
      { line: 'D0', timeUs: 2000, widthUs: 40 },
      { line: 'D1', timeUs: 3000, widthUs: 40 },
    ]);
  });

  it('keeps jitter within bounds, never below the pulse width, reproducible by seed', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ min: 0, max: 1, minLength: 2, maxLength: 64 }),
        fc.integer({ min: 0, max: 3000 }),
        fc.integer(),
        (bits, jitterUs, seed) => {
          const opts = { pulseUs: 50, intervalUs: 2000, jitterUs, seed };
          const edges = edgeTrain(bits, opts);
          expect(edgeTrain(bits, opts)).toEqual(edges);
          expect(edges.map((e) => (e.line === 'D1' ? 1 : 0))).toEqual([...bits]);
          for (let i = 1; i < edges.length; i++) {
            const gap = edges[i]!.timeUs - edges[i - 1]!.timeUs;
            expect(gap).toBeGreaterThanOrEqual(Math.max(51, 2000 - jitterUs));
            expect(gap).toBeLessThanOrEqual(2000 + jitterUs);
          }
        },
      ),
    );
  });

  it('jitter actually varies the intervals', () => {
    const edges = edgeTrain(new Uint8Array(26), { jitterUs: 500, seed: 7 });
    const gaps = new Set(edges.slice(1).map((e, i) => e.timeUs - edges[i]!.timeUs));
    expect(gaps.size).toBeGreaterThan(5);
  });

  it('adds the requested number of short glitch pulses inside the train, in time order', () => {
    const bits = bitsFromString('1'.repeat(26));
    const edges = edgeTrain(bits, { glitches: 5, glitchUs: 3, seed: 42 });
    expect(edges).toHaveLength(31);
    expect(edges.filter((e) => e.widthUs === 3)).toHaveLength(5);
    expect(edges.map((e) => e.timeUs)).toEqual([...edges.map((e) => e.timeUs)].sort((a, b) => a - b));
    expect(Math.max(...edges.map((e) => e.timeUs))).toBeLessThanOrEqual(25 * 2000 + 50);
  });

  it('reports the time the train occupies the line', () => {
    expect(edgeTrainDurationUs(edgeTrain(bitsFromString('10'), { intervalUs: 1000, pulseUs: 50 }))).toBe(1050);
    expect(edgeTrainDurationUs([])).toBe(0);
  });
});
