/**
 * Measures, on a real event loop, the end-of-frame delay (kernel timestamp of the last edge →
 * onFrame) through the whole chardev path: fake gpiomon child → pipe → parser → FrameAssembler
 * with default timing. Not part of the unit suite (timing depends on the machine).
 *
 *   npx tsx src/capture/gpio/gpiomon-eof-latency.bench.ts [runs]
 */
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../core/clock.ts';
import { FrameAssembler } from '../../wiegand/frame/frame-assembler.ts';
import { GpiomonBackend } from './gpiomon-backend.ts';

const FAKE = fileURLToPath(new URL('../../../test/fixtures/gpio/fake-gpiomon.mjs', import.meta.url));
const BITS = '10111101100010001110101110';

/** Largest delivery lag (arrival − kernel timestamp) of each run, in µs. */
const lags: number[] = [];

/** The EOF delay in µs, or a description of what came out instead of one whole frame. */
async function oneFrame(periodUs: number, version: string): Promise<number | string> {
  const lengths: number[] = [];
  let delayUs = 0;
  let maxLagUs = 0;
  const asm = new FrameAssembler({
    reader: 'bench',
    clock: systemClock,
    onFrame: (f) => {
      lengths.push(f.bits.length);
      delayUs = systemClock.monotonicUs() - f.lastEdgeUs;
    },
    onFault: () => {},
  });
  const backend = new GpiomonBackend({
    chip: 'gpiochip0',
    d0Line: 17,
    d1Line: 27,
    clock: systemClock,
    onEdge: (e) => {
      maxLagUs = Math.max(maxLagUs, systemClock.monotonicUs() - e.timeUs);
      asm.edge(e);
    },
    command: [process.execPath, FAKE],
    env: { ...process.env, FAKE_GPIOMON_VERSION: version, FAKE_GPIOMON_STAY: '1', FAKE_GPIOMON_FRAME: `${BITS}@${periodUs}` },
  });
  await backend.start();
  const deadline = Date.now() + 5_000 + (BITS.length * periodUs) / 1000;
  while (lengths.reduce((a, b) => a + b, 0) < BITS.length && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 100));
  await backend.stop();
  asm.dispose();
  lags.push(maxLagUs);
  return lengths.length === 1 && lengths[0] === BITS.length ? delayUs : `frames of ${lengths.join('+') || 'none'} bits`;
}

function summary(values: number[]): string {
  const ms = [...values].sort((a, b) => a - b).map((us) => us / 1000);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!.toFixed(2);
  return `min ${at(0)} ms, median ${at(0.5)} ms, max ${at(1)} ms`;
}

const runs = Number(process.argv[2] ?? 10);
for (const periodUs of [2_000, 20_000]) {
  for (const version of ['1.6.3', '2.1.2']) {
    const delays: number[] = [];
    const bad: string[] = [];
    lags.length = 0;
    for (let i = 0; i < runs; i++) {
      const d = await oneFrame(periodUs, version);
      if (typeof d === 'number') delays.push(d);
      else bad.push(d);
    }
    console.log(
      `${periodUs / 1000} ms/bit, libgpiod ${version} dialect: EOF ${delays.length > 0 ? summary(delays) : 'no whole frame'}` +
        ` | max delivery lag per frame: ${summary(lags)}` +
        (bad.length > 0 ? `; ${bad.length}/${runs} runs not one whole frame: ${bad.join(', ')}` : ''),
    );
  }
}
