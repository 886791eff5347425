/**
 * Runs the backend against a fake gpiomon (test/fixtures/gpio/fake-gpiomon.mjs) as a real child
 * process. The fake enforces each libgpiod major's argument syntax, so edges only arrive when the
 * backend detected the version and spoke the right dialect. Restart timers run on a ManualClock.
 */
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { ManualClock, systemClock } from '../../core/clock.ts';
import { createLogger } from '../../core/logger.ts';
import type { EdgeEvent, RawFrame } from '../../wiegand/types.ts';
import { bitsToString } from '../../wiegand/types.ts';
import { FrameAssembler } from '../../wiegand/frame/frame-assembler.ts';
import { waitFor as waitForShared } from '../../../test/support/wait.ts';
import { GpiomonBackend, GpiomonUnavailableError, type GpiomonBackendOptions } from './gpiomon-backend.ts';

const FAKE = fileURLToPath(new URL('../../../test/fixtures/gpio/fake-gpiomon.mjs', import.meta.url));

const waitFor = (cond: () => boolean, what: string) => waitForShared(what, cond, 5_000);

function startLog(): { path: string; starts: () => Array<{ pid: number; argv: string[] }> } {
  const path = join(mkdtempSync(join(tmpdir(), 'doorctl-gpiomon-')), 'starts.log');
  return {
    path,
    starts: () =>
      existsSync(path)
        ? readFileSync(path, 'utf8')
            .trim()
            .split('\n')
            .map((l) => {
              const [, pid, ...rest] = l.split(' ');
              return { pid: Number(pid), argv: JSON.parse(rest.join(' ')) as string[] };
            })
        : [],
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const backends: GpiomonBackend[] = [];
function makeBackend(env: Record<string, string>, extra: Partial<GpiomonBackendOptions> = {}) {
  const edges: EdgeEvent[] = [];
  const backend = new GpiomonBackend({
    chip: 'gpiochip0',
    d0Line: 17,
    d1Line: 27,
    clock: new ManualClock(),
    onEdge: (e) => edges.push(e),
    command: [process.execPath, FAKE],
    env: { ...process.env, ...env },
    ...extra,
  });
  backends.push(backend);
  return { backend, edges };
}

afterEach(async () => {
  await Promise.all(backends.splice(0).map((b) => b.stop()));
});

describe('GpiomonBackend with libgpiod 1.6 syntax', () => {
  it('detects v1, maps offsets to D0/D1, converts timestamps to µs, and skips junk', async () => {
    const log = startLog();
    const { backend, edges } = makeBackend({
      FAKE_GPIOMON_VERSION: '1.6.3',
      FAKE_GPIOMON_STAY: '1',
      FAKE_GPIOMON_LOG: log.path,
      FAKE_GPIOMON_LINES: ['17 0 100 2000', 'garbage', '27 0 100 2002000', '27 1 100 2052000', '4 0 100 3000000', '17 0 100 4001999'].join('\n'),
    });
    await backend.start();
    await waitFor(() => edges.length === 3, '3 edges');
    expect(edges).toEqual([
      { line: 'D0', timeUs: 100_000_002 },
      { line: 'D1', timeUs: 100_002_002 },
      { line: 'D0', timeUs: 100_004_001 },
    ]);
    expect(backend.stats()).toMatchObject({ version: { dialect: 'v1', version: '1.6.3' }, edges: 3, ignored: 2, malformed: 1, running: true });
    expect(log.starts()[0]!.argv).toEqual(['--falling-edge', '--bias=pull-up', '--line-buffered', '--format=%o %e %s %n', 'gpiochip0', '17', '27']);

    const pid = log.starts()[0]!.pid;
    await backend.stop();
    expect(backend.stats().running).toBe(false);
    await waitFor(() => !alive(pid), 'fake gpiomon to be gone');
  });
});

describe('GpiomonBackend with libgpiod 2.x syntax', () => {
  it('detects v2 and parses its %o %E %S output', async () => {
    const { backend, edges } = makeBackend({
      FAKE_GPIOMON_VERSION: '2.1.2',
      FAKE_GPIOMON_STAY: '1',
      FAKE_GPIOMON_LINES: ['27 falling 100.000002000', '17 falling 100.002002000', '17 rising 100.002052000', '17 0 100 5'].join('\n'),
    });
    await backend.start();
    await waitFor(() => edges.length === 2, '2 edges');
    expect(edges).toEqual([
      { line: 'D1', timeUs: 100_000_002 },
      { line: 'D0', timeUs: 100_002_002 },
    ]);
    await waitFor(() => backend.stats().malformed === 1, 'the 1.x-style line to be counted malformed');
    expect(backend.stats()).toMatchObject({ version: { dialect: 'v2' }, ignored: 1 });
  });
});

describe('GpiomonBackend supervision', () => {
  it('restarts a dying gpiomon with capped exponential backoff until stopped', async () => {
    const clock = new ManualClock();
    const log = startLog();
    const { backend, edges } = makeBackend(
      { FAKE_GPIOMON_LOG: log.path, FAKE_GPIOMON_LINES: '17 0 1 0', FAKE_GPIOMON_EXIT: '1' },
      { clock, backoff: { initialMs: 100, maxMs: 400, stableMs: 60_000 } },
    );
    await backend.start();
    const delays: number[] = [];
    for (let run = 1; run <= 5; run++) {
      await waitFor(() => backend.stats().exits === run, `exit #${run}`);
      const delay = backend.stats().nextRestartDelayMs!;
      delays.push(delay);
      clock.advanceMs(delay - 1);
      expect(log.starts()).toHaveLength(run);
      clock.advanceMs(1);
      await waitFor(() => log.starts().length === run + 1, `start #${run + 1}`);
    }
    expect(delays).toEqual([100, 200, 400, 400, 400]);
    await waitFor(() => edges.length === 6, 'one edge per run');

    await waitFor(() => backend.stats().exits === 6, 'exit #6');
    expect(backend.stats().nextRestartDelayMs).toBe(400);
    await backend.stop();
    expect(backend.stats().nextRestartDelayMs).toBeNull();
    expect(clock.pendingTimers()).toBe(0);
    clock.advanceMs(10_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(log.starts()).toHaveLength(6);
  });

  it('logs the tool\'s complaint and schedules a restart when gpiomon refuses its arguments', async () => {
    const clock = new ManualClock();
    let logged = '';
    const logger = createLogger({ level: 'warn', destination: new Writable({ write: (c, _e, cb) => ((logged += String(c)), cb()) }) });
    // A chip name that looks like an option: the (fake) tool rejects it and exits 2 at once.
    const { backend } = makeBackend({ FAKE_GPIOMON_VERSION: '1.6.3' }, { clock, chip: '--chip', logger });
    await backend.start();
    await waitFor(() => backend.stats().exits === 1, 'first exit');
    expect(backend.stats()).toMatchObject({ running: false, nextRestartDelayMs: 100 });
    await waitFor(() => logged.includes('gpiomon exited; restarting'), 'the exit to be logged');
    expect(logged).toContain("unrecognized option '--chip'");
    expect(logged).toContain('"exitCode":2');
  });

  it('rejects start() with a clear error when gpiomon is not installed', async () => {
    const { backend } = makeBackend({}, { command: ['/nonexistent/gpiomon'] });
    await expect(backend.start()).rejects.toThrow(GpiomonUnavailableError);
    await expect(backend.start()).rejects.toThrow(/apt install gpiod/);
  });

  it('rejects start() when --version names no libgpiod version', async () => {
    const { backend } = makeBackend({}, { command: ['/bin/echo', 'hello'] });
    await expect(backend.start()).rejects.toThrow(/printed no libgpiod version/);
  });

  it('refuses the same line for D0 and D1', () => {
    expect(() => makeBackend({}, { d0Line: 5, d1Line: 5 })).toThrow(RangeError);
  });
});

describe('gpiomon → FrameAssembler in real time', () => {
  for (const version of ['1.6.3', '2.1.2']) {
    it(`delivers a 26-bit frame at 2 ms/bit whole (libgpiod ${version})`, async () => {
      const bits = '10111101100010001110101110';
      const frames: RawFrame[] = [];
      const emittedAt: number[] = [];
      const asm = new FrameAssembler({
        reader: 'front',
        clock: systemClock,
        // The pipeline is under test here, not the default timing: a generous floor keeps a CI
        // machine that stalls the fake for a few ms from splitting the frame. Default-timing
        // figures come from gpiomon-eof-latency.bench.ts.
        floorMs: 15,
        onFrame: (f) => {
          frames.push(f);
          emittedAt.push(systemClock.monotonicUs());
        },
        onFault: () => {},
      });
      const { backend } = makeBackend(
        { FAKE_GPIOMON_VERSION: version, FAKE_GPIOMON_STAY: '1', FAKE_GPIOMON_FRAME: `${bits}@2000` },
        { clock: systemClock, onEdge: (e) => asm.edge(e) },
      );
      await backend.start();
      await waitFor(() => frames.length > 0, 'a frame');
      await new Promise((r) => setTimeout(r, 50));
      expect(frames.map((f) => bitsToString(f.bits))).toEqual([bits]);
      expect(frames[0]!.bitPeriodUs).toBe(2_000);
      expect(emittedAt[0]! - frames[0]!.lastEdgeUs).toBeGreaterThanOrEqual(15_000);
      asm.dispose();
    });
  }
});
