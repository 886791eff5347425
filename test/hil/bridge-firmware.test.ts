/**
 * Emulated hardware-in-the-loop test of the serial-bridge firmware (hardware/bridge): the real
 * firmware image runs on simavr's ATmega328P at 16 MHz (build/bridge-sim), Wiegand pulse trains
 * are driven onto its pins at exact CPU cycles, and its UART is read on a real pseudo-terminal
 * with serialport and the project's own packet parser and serial reader adapter.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createSerialReader } from '../../src/capture/serial/serial-reader.ts';
import { systemClock } from '../../src/core/clock.ts';
import { bitsToString, type LineFault, type RawFrame } from '../../src/wiegand/types.ts';
import { BridgeRun, buildBridgeSim, CYCLES_PER_MS, CYCLES_PER_US, key, typical } from './bridge-sim-support.ts';
import { waitFor } from './serial-hil-support.ts';

const H10301 = typical('H10301');

/** Runs a script and waits until `done` holds for what arrived on the pty. */
async function runScript(lines: string[], done: (run: BridgeRun) => boolean, timeoutMs = 5000): Promise<BridgeRun> {
  const run = await BridgeRun.start();
  try {
    run.script(lines);
    await waitFor('the expected packets on the pty', () => done(run), timeoutMs);
  } finally {
    await run.finish();
  }
  return run;
}

/** Emulated ms from the end of a frame's last pulse to the first byte of its packet. */
function frameLatenciesMs(run: BridgeRun): number[] {
  const framePackets = run.harnessPackets.filter((p) => p.hex.startsWith('A501'));
  return run.frameEnds.map((end) => {
    const pkt = framePackets.find((p) => p.firstCycle > end.cycle && Number.parseInt(p.hex.slice(4, 6), 16) === end.channel);
    if (!pkt) throw new Error(`no packet after the frame that ended at cycle ${end.cycle}`);
    return (pkt.firstCycle - end.cycle) / CYCLES_PER_MS;
  });
}

beforeAll(buildBridgeSim, 130_000);

describe('serial-bridge firmware on an emulated ATmega328P', () => {
  it('sends 26, 34, 35 and 37-bit frames bit-exact, ended by 3x the bit interval of silence', async () => {
    const cards = [H10301, typical('H10306'), typical('C1k35s'), typical('H10302')];
    const run = await runScript(
      cards.flatMap((bits) => [`frame 0 ${bits} 50 2000`, 'wait 120']),
      (r) => r.frames().length >= cards.length,
    );
    expect(run.frames(0)).toEqual(cards);
    // The contract's own example packet, byte for byte, as it left the pty.
    expect(run.raw.toString('hex')).toContain('a501001abd88eb8000000000000000e5');
    expect(run.skippedBytes).toBe(0);
    expect(run.lineErrors).toBe(0);
    // 2 ms bit interval → 6 ms of silence after the last falling edge (the pulse is 50 µs of it),
    // detected on the firmware's 1 ms tick.
    for (const ms of frameLatenciesMs(run)) {
      expect(ms).toBeGreaterThanOrEqual(6 - 0.05);
      expect(ms).toBeLessThan(7.1);
    }
  });

  it('keeps a keypad burst apart: 4-bit and 8-bit keys back to back with 30 ms gaps', async () => {
    const keys = [key('4bit', '1'), key('4bit', '2'), key('4bit', '#'), key('8bit_complement_high', '7'), key('8bit_complement_high', '0')];
    const run = await runScript(
      keys.flatMap((bits) => [`frame 0 ${bits} 50 2000`, `wait ${(bits.length * 2000) / 1000 + 30}`]),
      (r) => r.frames().length >= keys.length,
    );
    expect(run.frames(0)).toEqual(keys);
  });

  it('reads SIA timing extremes: 20 µs pulses at 200 µs, 100 µs pulses at 20 ms never split', async () => {
    const run = await runScript(
      [
        `frame 0 ${H10301} 20 200`,
        'wait 30',
        `frame 0 ${H10301} 100 200`,
        'wait 30',
        `frame 0 ${H10301} 100 20000`,
        'wait 560',
        `frame 0 ${H10301} 20 20000 1500`,
        'wait 560',
      ],
      (r) => r.frames().length >= 4,
      6000,
    );
    expect(run.frames(0)).toEqual([H10301, H10301, H10301, H10301]);
    const [fast, , slow] = frameLatenciesMs(run);
    // 200 µs bits end after the 2 ms floor; 20 ms bits after the 25 ms ceiling, never before.
    expect(fast).toBeGreaterThanOrEqual(2 - 0.05);
    expect(fast).toBeLessThan(3.1);
    expect(slow).toBeGreaterThanOrEqual(25 - 0.1);
    expect(slow).toBeLessThan(26.1);
  });

  it('ignores a single glitch inside a frame and reports a glitch burst once', async () => {
    const run = await runScript(
      [
        // Glitches land between bits 5 and 6 (bits every 2 ms): one 3 µs, one shorter than the interrupt latency.
        `frame 0 ${H10301} 50 2000`,
        'wait 10.5',
        'glitch 0 D1 3',
        'wait 2',
        'glitch 0 D0 0.1',
        'wait 200',
        // A burst: five glitches within a few ms on channel 1.
        ...Array.from({ length: 5 }, () => ['glitch 1 D0 2', 'wait 1']).flat(),
        'wait 150',
        `frame 1 ${H10301} 50 2000`,
        'wait 80',
      ],
      (r) => r.frames().length >= 2,
    );
    expect(run.frames(0)).toEqual([H10301]);
    expect(run.frames(1)).toEqual([H10301]);
    expect(run.faults()).toEqual([{ channel: 1, fault: 4 }]);
  });

  it('reports stuck lines once per episode and reads frames again afterwards', async () => {
    const run = await runScript(
      [
        'stuck 0 D0 80',
        'wait 100',
        'stuck 0 D1 120',
        'wait 140',
        'stuck 1 both 70',
        'wait 100',
        `frame 0 ${H10301} 50 2000`,
        `frame 1 ${H10301} 50 2000`,
        'wait 70',
      ],
      (r) => r.frames().length >= 2,
    );
    expect(run.faults()).toEqual([
      { channel: 0, fault: 1 },
      { channel: 0, fault: 2 },
      { channel: 1, fault: 3 },
    ]);
    expect(run.frames(0)).toEqual([H10301]);
    expect(run.frames(1)).toEqual([H10301]);
  });

  it('sends a heartbeat at start and then every second of its own clock', async () => {
    const run = await runScript(['wait 2100'], (r) => r.heartbeats().length >= 3, 6000);
    const beats = run.harnessPackets.filter((p) => p.hex === 'A5020000000000000000000000000061');
    expect(beats.length).toBeGreaterThanOrEqual(3);
    // Exactly one second apart in emulated time (a crystal-accurate 16 MHz), to within a 1 ms tick.
    for (let i = 1; i < beats.length; i++) {
      expect(Math.abs(beats[i]!.firstCycle - beats[i - 1]!.firstCycle - 1000 * CYCLES_PER_MS)).toBeLessThanOrEqual(CYCLES_PER_MS);
    }
  });

  it('reads two channels at once, edges coinciding or a few µs apart', async () => {
    const a = typical('H10306');
    const b = H10301;
    const run = await runScript(
      [`frame 0 ${a} 20 2000`, `frame 1 ${b} 20 2000`, 'wait 120', `frame 1 ${a} 20 500`, 'wait 0.005', `frame 0 ${b} 20 500`, 'wait 60'],
      (r) => r.frames().length >= 4,
    );
    expect(run.frames(0)).toEqual([a, b]);
    expect(run.frames(1)).toEqual([b, a]);
    // No interrupt may run as long as the 10 µs glitch threshold, or a busy channel could make a
    // pulse on the other look like a glitch.
    for (const vector of [1, 2, 4]) expect(run.isrMaxCycles.get(vector)).toBeLessThan(10 * CYCLES_PER_US);
  });

  it('feeds the daemon serial reader: RawFrames and LineFaults per mapped reader', async () => {
    const run = await BridgeRun.start({ openPort: false });
    const frames: RawFrame[] = [];
    const faults: LineFault[] = [];
    const reader = createSerialReader(
      { kind: 'wiegand-bridge', path: run.ptyPath, channels: { 0: 'front', 1: 'back' } },
      { clock: systemClock, sink: { frame: (f) => frames.push(f), fault: (f) => faults.push(f) } },
    );
    reader.start();
    try {
      await waitFor('the reader to open the pty', () => reader.health().open, 3000);
      run.script([`frame 1 ${H10301} 50 2000`, 'wait 80', 'stuck 0 D1 60', 'wait 80']);
      await waitFor('a frame and a fault', () => frames.length >= 1 && faults.length >= 1, 5000);
      expect(frames.map((f) => [f.reader, bitsToString(f.bits), f.source])).toEqual([['back', H10301, 'serial']]);
      expect(faults.map((f) => [f.reader, f.kind])).toEqual([['front', 'd1_stuck_low']]);
      expect(reader.health().counters.crcErrors).toBe(0);
      // Wall-clock latency from the emulator driving the last bit to the adapter's frame, for the record.
      const end = run.frameEnds[0]!;
      console.info(`bridge HIL: last bit → RawFrame ${((frames[0]!.lastEdgeUs - end.monoUs) / 1000).toFixed(2)} ms wall clock`);
      expect(frames[0]!.lastEdgeUs).toBeGreaterThan(end.monoUs);
    } finally {
      await reader.stop();
      await run.finish();
    }
  });
});
