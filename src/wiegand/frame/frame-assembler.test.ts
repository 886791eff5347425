import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { bitsToString, type EdgeEvent } from '../types.ts';
import { FrameAssembler } from './frame-assembler.ts';
import { edgeTrain, harness, patternBits, seededRandom, SteppingClock } from './edge-train.test-helper.ts';

interface FixtureFrame {
  format: string;
  bits: number;
  case: string;
  bitstring: string;
}
const fixtureFrames: FixtureFrame[] = JSON.parse(
  readFileSync(new URL('../../../test/fixtures/wiegand-frames.json', import.meta.url), 'utf8'),
);
function typicalFrame(format: string): string {
  const row = fixtureFrames.find((f) => f.format === format && f.case === 'typical');
  if (row === undefined) throw new Error(`fixture has no typical ${format} frame`);
  return row.bitstring;
}

const cleanFrames = [
  { name: 'H10301 (26 bits)', bits: typicalFrame('H10301') },
  { name: 'H10306 (34 bits)', bits: typicalFrame('H10306') },
  { name: 'H10304 (37 bits)', bits: typicalFrame('H10304') },
];

describe('FrameAssembler: clean frames', () => {
  for (const periodUs of [2_000, 20_000]) {
    for (const { name, bits } of cleanFrames) {
      it(`assembles ${name} at ${periodUs / 1000} ms/bit as one frame`, () => {
        const clock = new ManualClock();
        const h = harness(clock);
        const edges = edgeTrain(bits, { startUs: clock.monotonicUs() + 500, periodUs, widthUs: 50 });
        h.play(edges);
        expect(h.frames).toHaveLength(0);
        clock.advanceMs(100);
        expect(h.frames).toHaveLength(1);
        const f = h.frames[0]!;
        expect(bitsToString(f.bits)).toBe(bits);
        expect(f.firstEdgeUs).toBe(edges[0]!.timeUs);
        expect(f.lastEdgeUs).toBe(edges.at(-1)!.timeUs);
        expect(f.bitPeriodUs).toBe(periodUs);
        expect(f.source).toBe('gpio');
        expect(f.reader).toBe('r1');
        expect(h.faults).toEqual([]);
        expect(h.asm.counters()).toEqual({ frames: 1, glitches: 0, overlaps: 0, tooLong: 0, lateTails: 0 });
      });
    }
  }

  it('assembles 50 µs pulses at 1 ms intervals, closing 2.5 ms (2.5 bit periods) after the last bit', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    const bits = typicalFrame('H10301');
    const edges = edgeTrain(bits, { startUs: clock.monotonicUs() + 100, periodUs: 1_000, widthUs: 50 });
    h.play(edges);
    clock.advanceMs(50);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([bits]);
    expect(h.emittedAtUs[0]! - edges.at(-1)!.timeUs).toBe(2_500);
  });

  it('keeps a frame whole under ±30 % random interval jitter (fixed seed)', () => {
    const random = seededRandom(0xd00c);
    for (let round = 0; round < 50; round++) {
      const clock = new ManualClock();
      const h = harness(clock);
      const bits = cleanFrames[round % cleanFrames.length]!.bits;
      h.play(edgeTrain(bits, { startUs: clock.monotonicUs() + 10, periodUs: 2_000, jitter: 0.3, random }));
      clock.advanceMs(100);
      expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([bits]);
    }
  });
});

describe('FrameAssembler: noise and faults', () => {
  it('ignores pulses narrower than the glitch threshold and counts them', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    const bits = typicalFrame('H10301');
    const start = clock.monotonicUs() + 100;
    const edges = edgeTrain(bits, { startUs: start, periodUs: 2_000, widthUs: 50 });
    const noise: EdgeEvent[] = [
      { line: 'D0', timeUs: start + 1_000, widthUs: 3 },
      { line: 'D1', timeUs: start + 5_000, widthUs: 9 },
      { line: 'D1', timeUs: start + 11_000, widthUs: 1 },
    ];
    h.play([...edges, ...noise].sort((a, b) => a.timeUs - b.timeUs));
    clock.advanceMs(100);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([bits]);
    expect(h.asm.counters().glitches).toBe(3);
    expect(h.faults).toEqual([]);
  });

  it('treats a second falling edge on the same line within the pulse window as bounce', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    const start = clock.monotonicUs() + 100;
    const edges = edgeTrain('1010', { startUs: start, periodUs: 2_000 });
    const bounce: EdgeEvent = { line: 'D1', timeUs: start + 30 };
    h.play([edges[0]!, bounce, ...edges.slice(1)]);
    clock.advanceMs(100);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual(['1010']);
    expect(h.asm.counters().glitches).toBe(1);
  });

  it('still closes a frame with a lost bit as one 25-bit frame', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    const bits = typicalFrame('H10301');
    const edges = edgeTrain(bits, { startUs: clock.monotonicUs() + 100, periodUs: 2_000 });
    const lost = [...edges.slice(0, 12), ...edges.slice(13)];
    h.play(lost);
    clock.advanceMs(100);
    expect(h.frames).toHaveLength(1);
    expect(bitsToString(h.frames[0]!.bits)).toBe(bits.slice(0, 12) + bits.slice(13));
    expect(h.frames[0]!.bits).toHaveLength(25);
  });

  it('splits back-to-back frames separated by a gap just above the end-of-frame threshold', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    const a = typicalFrame('H10301');
    const b = typicalFrame('H10306');
    const first = edgeTrain(a, { startUs: clock.monotonicUs() + 100, periodUs: 2_000 });
    // Threshold after a 2 ms/bit frame is 2.5 × 2 ms = 5 ms.
    const second = edgeTrain(b, { startUs: first.at(-1)!.timeUs + 5_001, periodUs: 2_000 });
    h.play([...first, ...second]);
    clock.advanceMs(100);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([a, b]);
  });

  it('keeps frames apart even when a backend delivers both in one late batch', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    const a = typicalFrame('H10301');
    const first = edgeTrain(a, { startUs: clock.monotonicUs() + 100, periodUs: 2_000 });
    const second = edgeTrain('0110', { startUs: first.at(-1)!.timeUs + 5_001, periodUs: 2_000 });
    clock.advanceUs(second.at(-1)!.timeUs - clock.monotonicUs() + 1_000);
    for (const e of [...first, ...second]) h.asm.edge(e);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([a]);
    clock.advanceMs(100);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([a, '0110']);
  });

  it('waits out a steady delivery lag longer than the silence timeout instead of splitting', () => {
    // Every edge reaches us 5 ms after it happened (a loaded Pi, a pipe); at 2 ms/bit the silence
    // timeout is 5 ms, so closing on timestamps alone would cut after every bit.
    const clock = new ManualClock();
    const h = harness(clock);
    const bits = typicalFrame('H10301');
    const edges = edgeTrain(bits, { startUs: clock.monotonicUs() + 100, periodUs: 2_000 });
    for (const e of edges) {
      clock.advanceUs(e.timeUs + 5_000 - clock.monotonicUs());
      h.asm.edge(e);
    }
    clock.advanceMs(100);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([bits]);
    expect(h.emittedAtUs[0]! - edges.at(-1)!.timeUs).toBe(5_000 + 5_000);
  });

  it('waits for the delivery lag of recent edges only: a stall that ended mid-frame does not delay its end', () => {
    // Edge `lateIndex` of 26 reaches us 2.5 ms late (a stall), the others 50 µs after they happened.
    const bits = typicalFrame('H10301');
    const closeAfterLastUs = (lateIndex: number): number => {
      const clock = new ManualClock();
      const h = harness(clock);
      const edges = edgeTrain(bits, { startUs: clock.monotonicUs() + 100, periodUs: 2_000 }).map((e, i) => ({
        ...e,
        arrivedUs: e.timeUs + (i === lateIndex ? 2_500 : 50),
      }));
      for (const e of edges) {
        clock.advanceUs(Math.max(0, e.arrivedUs - clock.monotonicUs()));
        h.asm.edge(e);
      }
      clock.advanceMs(100);
      expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([bits]);
      return h.emittedAtUs[0]! - edges.at(-1)!.timeUs;
    };
    // Early in the frame: long over by the end, later edges came promptly.
    expect(closeAfterLastUs(3)).toBe(5_000 + 50);
    // Inside the 5 ms silence window before the last edge (edges 23-25): still waited for.
    expect(closeAfterLastUs(23)).toBe(5_000 + 2_500);
    expect(closeAfterLastUs(25)).toBe(5_000 + 2_500);
  });

  it("waits for the lag up to an edge's arrivedUs, not for how late the loop handled it", () => {
    // The capture thread took every edge in 100 µs after it happened; the loop handled the last
    // one 2.5 ms late (it was busy). That lateness is the loop's own: it is not waited for again.
    const bits = typicalFrame('H10301');
    const closeAfterLastUs = (stamp: boolean): number => {
      const clock = new ManualClock();
      const h = harness(clock);
      const edges = edgeTrain(bits, { startUs: clock.monotonicUs() + 100, periodUs: 2_000 })
        .map((e) => (stamp ? { ...e, arrivedUs: e.timeUs + 100 } : e));
      h.play(edges.slice(0, -1));
      clock.advanceUs(edges.at(-1)!.timeUs + 2_500 - clock.monotonicUs());
      h.asm.edge(edges.at(-1)!);
      clock.advanceMs(100);
      expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([bits]);
      return h.emittedAtUs[0]! - edges.at(-1)!.timeUs;
    };
    expect(closeAfterLastUs(true)).toBe(5_000 + 100);
    // Unstamped (a backend read on the loop itself), the loop's 2.5 ms count as delivery lag.
    expect(closeAfterLastUs(false)).toBe(5_000 + 2_500);
  });

  it('keeps a frame open past its silence while deliveryPending says edges are on their way', () => {
    const clock = new ManualClock();
    let pending = false;
    const h = harness(clock, { deliveryPending: () => pending });
    const bits = typicalFrame('H10301');
    const edges = edgeTrain(bits, { startUs: clock.monotonicUs() + 100, periodUs: 2_000 });
    h.play(edges.slice(0, 20));
    // The capture thread was woken for edge 20 but has not run: the silence after edge 19 passes.
    pending = true;
    clock.advanceMs(9);
    expect(h.frames).toEqual([]);
    pending = false;
    for (const e of edges.slice(20)) h.asm.edge(e);
    clock.advanceMs(100);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([bits]);
    expect(h.asm.counters().lateTails).toBe(0);
  });

  it('closes a frame at most the ceiling past its deadline however long delivery stays pending', () => {
    const clock = new ManualClock();
    const h = harness(clock, { deliveryPending: () => true });
    const bits = typicalFrame('H10301');
    const edges = edgeTrain(bits, { startUs: clock.monotonicUs() + 100, periodUs: 2_000 });
    h.play(edges);
    clock.advanceMs(200);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([bits]);
    const afterLastUs = h.emittedAtUs[0]! - edges.at(-1)!.timeUs;
    expect(afterLastUs).toBeGreaterThanOrEqual(5_000 + 30_000);
    expect(afterLastUs).toBeLessThanOrEqual(5_000 + 31_000);
  });

  it('lets edges still in the pipe when the deadline timer fires extend the frame (settle turn)', () => {
    // A clock whose timers fire only when told, one at a time, to act out an event-loop stall:
    // the deadline timer runs first, then the poll phase delivers the rest of the frame.
    const clock = new SteppingClock(1_000_000);
    const frames: string[] = [];
    const asm = new FrameAssembler({
      reader: 'r1',
      clock,
      onFrame: (f) => frames.push(bitsToString(f.bits)),
      onFault: () => {},
    });
    const bits = typicalFrame('H10301');
    const edges = edgeTrain(bits, { startUs: clock.monotonicUs() + 100, periodUs: 2_000 });
    for (const e of edges.slice(0, 10)) {
      clock.nowUs = e.timeUs;
      asm.edge(e);
    }
    clock.nowUs = edges.at(-1)!.timeUs + 500;
    clock.fireNext();
    expect(frames).toEqual([]);
    for (const e of edges.slice(10)) asm.edge(e);
    clock.nowUs += 100_000;
    while (clock.fireNext());
    expect(frames).toEqual([bits]);
  });

  it('absorbs the tail of a frame that was closed before its last edges were delivered', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    const bits = typicalFrame('H10301');
    const edges = edgeTrain(bits, { startUs: clock.monotonicUs() + 100, periodUs: 2_000 });
    h.play(edges.slice(0, 22));
    // The backend stalls far past the silence timeout; the frame closes with 22 bits.
    clock.advanceMs(50);
    expect(h.frames.map((f) => f.bits.length)).toEqual([22]);
    // The last 4 edges finally arrive: stamped inside the closed frame's silence window.
    for (const e of edges.slice(22)) h.asm.edge(e);
    clock.advanceMs(50);
    expect(h.frames.map((f) => f.bits.length)).toEqual([22]);
    expect(h.asm.counters().lateTails).toBe(1);

    h.play(edgeTrain('0110', { startUs: clock.monotonicUs() + 1_000, periodUs: 2_000 }));
    clock.advanceMs(50);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([bits.slice(0, 22), '0110']);
  });

  it('reports overlap when D0 and D1 fall within the pulse window, and discards the frame', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    const start = clock.monotonicUs() + 100;
    const edges = edgeTrain(typicalFrame('H10301'), { startUs: start, periodUs: 2_000, widthUs: 50 });
    const crosstalk: EdgeEvent = { line: edges[5]!.line === 'D0' ? 'D1' : 'D0', timeUs: edges[5]!.timeUs + 40, widthUs: 50 };
    h.play([...edges.slice(0, 6), crosstalk, ...edges.slice(6)]);
    clock.advanceMs(100);
    expect(h.frames).toEqual([]);
    expect(h.faults).toEqual([expect.objectContaining({ reader: 'r1', kind: 'overlap', atUs: crosstalk.timeUs })]);
    expect(h.asm.counters()).toMatchObject({ frames: 0, overlaps: 1 });

    // The line recovers: the next frame is read normally.
    h.play(edgeTrain('0110', { startUs: clock.monotonicUs() + 1_000, periodUs: 2_000 }));
    clock.advanceMs(100);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual(['0110']);
  });

  it('uses the measured pulse width as the overlap window when known', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    const t = clock.monotonicUs() + 100;
    // D1 starts 150 µs after a 200 µs D0 pulse began: both lines low together.
    h.play([
      { line: 'D0', timeUs: t, widthUs: 200 },
      { line: 'D1', timeUs: t + 150, widthUs: 50 },
    ]);
    clock.advanceMs(100);
    expect(h.faults.map((f) => f.kind)).toEqual(['overlap']);
  });

  it('does not flag a SIA-legal fastest reader (20 µs pulses, 200 µs interval) as overlap', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    const bits = typicalFrame('H10306');
    h.play(edgeTrain(bits, { startUs: clock.monotonicUs() + 100, periodUs: 200 }));
    clock.advanceMs(100);
    expect(h.faults).toEqual([]);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([bits]);
  });

  it('rejects a frame longer than maxBits as too_long, once, and recovers', () => {
    const clock = new ManualClock();
    const h = harness(clock, { maxBits: 40 });
    h.play(edgeTrain(patternBits(60), { startUs: clock.monotonicUs() + 100, periodUs: 1_000 }));
    clock.advanceMs(100);
    expect(h.frames).toEqual([]);
    expect(h.faults).toEqual([expect.objectContaining({ kind: 'too_long', detail: 'more than 40 bits' })]);
    expect(h.asm.counters().tooLong).toBe(1);

    h.play(edgeTrain(patternBits(40), { startUs: clock.monotonicUs() + 1_000, periodUs: 1_000 }));
    clock.advanceMs(100);
    expect(h.frames.map((f) => bitsToString(f.bits))).toEqual([patternBits(40)]);
  });

  it('counts malformed edges as glitches instead of throwing', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    h.asm.edge({ line: 'D2' as 'D0', timeUs: clock.monotonicUs() });
    h.asm.edge({ line: 'D0', timeUs: Number.NaN });
    expect(h.asm.counters().glitches).toBe(2);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('dispose drops a partial frame and its timer', () => {
    const clock = new ManualClock();
    const h = harness(clock);
    h.play(edgeTrain('0101', { startUs: clock.monotonicUs() + 100, periodUs: 2_000 }));
    h.asm.dispose();
    expect(clock.pendingTimers()).toBe(0);
    clock.advanceMs(100);
    expect(h.frames).toEqual([]);
  });

  it('refuses a ceiling below 25 ms at construction', () => {
    const make = () =>
      new FrameAssembler({ reader: 'r', clock: new ManualClock(), ceilingMs: 20, onFrame: () => {}, onFault: () => {} });
    expect(make).toThrow(/ceilingMs must be >= 25/);
  });
});

describe('FrameAssembler: property', () => {
  it('never throws on any timing and never emits more than maxBits bits', () => {
    const edgeArb = fc.record({
      line: fc.constantFrom<'D0' | 'D1'>('D0', 'D1'),
      gapUs: fc.integer({ min: -500, max: 60_000 }),
      widthUs: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.array(edgeArb, { maxLength: 300 }), (maxBits, steps) => {
        const clock = new ManualClock();
        const h = harness(clock, { maxBits });
        let t = clock.monotonicUs();
        for (const s of steps) {
          t += s.gapUs;
          if (s.gapUs > 0) clock.advanceUs(s.gapUs);
          h.asm.edge(s.widthUs === undefined ? { line: s.line, timeUs: t } : { line: s.line, timeUs: t, widthUs: s.widthUs });
        }
        clock.advanceMs(1_000);
        for (const f of h.frames) {
          expect(f.bits.length).toBeGreaterThan(0);
          expect(f.bits.length).toBeLessThanOrEqual(maxBits);
          expect(f.lastEdgeUs).toBeGreaterThanOrEqual(f.firstEdgeUs);
        }
        expect(clock.pendingTimers()).toBe(0);
      }),
      { seed: 20260101, numRuns: 300 },
    );
  });
});
