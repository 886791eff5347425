/**
 * Measures the end-of-frame delay (last edge → onFrame) with the default settings. On a ManualClock
 * the figure is exact; on a real event loop add a few loop turns (the rest of a ms after the
 * whole-ms timer, and the settle step). Run with `npx vitest run src/wiegand/frame/eof-delay.test.ts` to see the table.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { edgeTrain, harness, patternBits } from './edge-train.test-helper.ts';

function measureEofDelayUs(periodUs: number, nBits: number): number {
  const clock = new ManualClock();
  const h = harness(clock);
  const edges = edgeTrain(patternBits(nBits), { startUs: clock.monotonicUs() + 100, periodUs, widthUs: 50 });
  h.play(edges);
  // Step in 10 µs so the emission time is observed, not inferred from the timer's due time.
  for (let i = 0; i < 10_000 && h.frames.length === 0; i++) clock.advanceUs(10);
  expect(h.frames).toHaveLength(1);
  expect(h.frames[0]!.bits).toHaveLength(nBits);
  return h.emittedAtUs[0]! - edges.at(-1)!.timeUs;
}

describe('end-of-frame delay with defaults', () => {
  const rows = [
    { reader: '0.2 ms/bit (SIA fastest)', periodUs: 200, expectUs: 2_000 },
    { reader: '1 ms/bit', periodUs: 1_000, expectUs: 2_500 },
    { reader: '2 ms/bit (typical)', periodUs: 2_000, expectUs: 5_000 },
    { reader: '5 ms/bit', periodUs: 5_000, expectUs: 12_500 },
    { reader: '20 ms/bit (SIA slowest)', periodUs: 20_000, expectUs: 30_000 },
  ];
  const measured: string[] = [];
  for (const r of rows) {
    it(`${r.reader}: closes ${r.expectUs / 1000} ms after the last bit`, () => {
      const us = measureEofDelayUs(r.periodUs, 26);
      measured.push(`${r.reader.padEnd(26)} EOF delay ${(us / 1000).toFixed(2)} ms (${(us / r.periodUs).toFixed(2)} bit periods)`);
      expect(us).toBe(r.expectUs);
      expect(us).toBeGreaterThan(r.periodUs);
      if (r.periodUs >= 667 && r.periodUs <= 10_000) expect(us).toBeLessThanOrEqual(3 * r.periodUs);
    });
  }
  afterAll(() => console.log(measured.join('\n')));
});

/**
 * Node's timers as they behave: a timer fires once the loop's clock, counted in whole ms, has
 * moved on by its delay, so it can fire up to 1 ms early in real time, and a fractional delay (or
 * one under 1 ms) waits out to the next whole ms, up to 1 ms late.
 */
class NodeTimerClock extends ManualClock {
  readonly requestedMs: number[] = [];
  override setTimeout(fn: () => void, ms: number) {
    this.requestedMs.push(ms);
    const nowUs = this.monotonicUs();
    const dueUs = (Math.floor(nowUs / 1000) + Math.max(1, Math.ceil(ms))) * 1000;
    return super.setTimeout(fn, (dueUs - nowUs) / 1000);
  }

  /** A loop turn takes time (10 µs here); on a plain ManualClock it takes none. */
  override defer(fn: () => void) {
    return super.setTimeout(fn, 0.01);
  }
}

describe('end-of-frame wait on Node-like timers', () => {
  for (const { startOffsetUs, lagUs } of [
    { startOffsetUs: 100, lagUs: 0 },
    { startOffsetUs: 100, lagUs: 35 },
    { startOffsetUs: 900, lagUs: 35 },
    { startOffsetUs: 0, lagUs: 999 },
  ]) {
    it(`closes within a loop turn of the silence (edges ${startOffsetUs} µs into a ms, ${lagUs} µs delivery lag), never early`, () => {
      const clock = new NodeTimerClock();
      const h = harness(clock);
      const edges = edgeTrain(patternBits(26), { startUs: clock.monotonicUs() + startOffsetUs, periodUs: 2_000, widthUs: 50 })
        .map((e) => ({ ...e, arrivedUs: e.timeUs + lagUs }));
      h.play(edges);
      clock.requestedMs.length = 0;
      for (let i = 0; i < 1_000 && h.frames.length === 0; i++) clock.advanceUs(10);
      expect(h.frames).toHaveLength(1);
      const delayUs = h.emittedAtUs[0]! - edges.at(-1)!.timeUs;
      expect(delayUs).toBeGreaterThanOrEqual(5_000 + lagUs);
      expect(delayUs).toBeLessThanOrEqual(5_000 + lagUs + 20);
      // Whole ms only: a fractional delay would be waited out to the next whole ms.
      expect(clock.requestedMs.filter((ms) => !Number.isInteger(ms))).toEqual([]);
    });
  }

  it('keeps waiting in loop turns when some turns take less than the clock\'s microsecond', () => {
    // Every other turn takes no time: a real turn can be over within one µs of the clock.
    const clock = new (class extends NodeTimerClock {
      private turns = 0;
      override defer(fn: () => void) {
        return this.turns++ % 2 === 0 ? ManualClock.prototype.setTimeout.call(this, fn, 0) : super.defer(fn);
      }
    })();
    const h = harness(clock);
    const edges = edgeTrain(patternBits(26), { startUs: clock.monotonicUs() + 100, periodUs: 2_000, widthUs: 50 });
    h.play(edges);
    clock.requestedMs.length = 0;
    for (let i = 0; i < 1_000 && h.frames.length === 0; i++) clock.advanceUs(10);
    expect(h.frames).toHaveLength(1);
    const delayUs = h.emittedAtUs[0]! - edges.at(-1)!.timeUs;
    expect(delayUs).toBeGreaterThanOrEqual(5_000);
    expect(delayUs).toBeLessThanOrEqual(5_020);
    expect(clock.requestedMs.filter((ms) => !Number.isInteger(ms))).toEqual([]);
  });
});
