import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { FAKE_BOARDS, makeFakeSysfs, removeFakeSysfsTrees } from '../../io/gpio/fake-sysfs.test-helper.ts';
import type { OnoffGpioLike } from '../../io/gpio/onoff-port.ts';
import { FrameAssembler } from '../../wiegand/frame/frame-assembler.ts';
import { bitsToString, type EdgeEvent, type RawFrame } from '../../wiegand/types.ts';
import { OnoffBackend, OnoffUnavailableError, type OnoffBackendOptions } from './onoff-backend.ts';

afterAll(removeFakeSysfsTrees);

type WatchCb = (err: Error | null | undefined, value: 0 | 1) => void;

/** Stands in for onoff's Gpio: records exports and lets the test fire the watch callback. */
class FakeGpio implements OnoffGpioLike {
  static accessible = true;
  static created: FakeGpio[] = [];
  static failOn: number | null = null;
  watcher: WatchCb | undefined;
  unexported = false;
  constructor(
    readonly gpio: number,
    readonly direction: string,
    readonly edge?: string,
  ) {
    if (FakeGpio.failOn === gpio) throw new Error(`EINVAL: invalid argument, write '${gpio}'`);
    FakeGpio.created.push(this);
  }
  readSync(): 0 | 1 {
    return 1;
  }
  writeSync(): void {}
  watch(cb: WatchCb): void {
    this.watcher = cb;
  }
  unexport(): void {
    this.unexported = true;
  }
  /** A pulse ended: onoff woke, read 1, and (rising watched) calls back. */
  pulse(): void {
    this.watcher?.(null, 1);
  }
}

function setup(extra: Partial<OnoffBackendOptions> = {}) {
  FakeGpio.created = [];
  FakeGpio.failOn = null;
  FakeGpio.accessible = true;
  const clock = new ManualClock();
  const edges: EdgeEvent[] = [];
  const backend = new OnoffBackend({
    d0Pin: 17,
    d1Pin: 27,
    clock,
    onEdge: (e) => edges.push(e),
    Gpio: FakeGpio,
    sysfsRoot: makeFakeSysfs(FAKE_BOARDS.pi4Kernel66),
    ...extra,
  });
  return { clock, edges, backend };
}

describe('OnoffBackend', () => {
  it('exports both lines at their resolved sysfs numbers as inputs watching rising edges', async () => {
    const { backend } = setup();
    await backend.start();
    expect(FakeGpio.created.map((g) => [g.gpio, g.direction, g.edge])).toEqual([
      [529, 'in', 'rising'],
      [539, 'in', 'rising'],
    ]);
    expect(backend.stats().running).toBe(true);
  });

  it('uses the Pi 5 chip base', async () => {
    const { backend } = setup({ sysfsRoot: makeFakeSysfs(FAKE_BOARDS.pi5Kernel66) });
    await backend.start();
    expect(FakeGpio.created.map((g) => g.gpio)).toEqual([588, 598]);
  });

  it('stamps each wake-up with the clock and feeds a frame assembler', async () => {
    const clock = new ManualClock();
    const edges: EdgeEvent[] = [];
    const frames: RawFrame[] = [];
    const asm = new FrameAssembler({ reader: 'r', clock, onFrame: (f) => frames.push(f), onFault: () => {} });
    const { backend } = setup({
      clock,
      onEdge: (e) => {
        edges.push(e);
        asm.edge(e);
      },
    });
    await backend.start();
    const [d0, d1] = FakeGpio.created;
    const bits = '0110100111';
    for (const bit of bits) {
      clock.advanceUs(2_000);
      (bit === '1' ? d1 : d0)!.pulse();
    }
    clock.advanceMs(50);
    expect(edges[0]).toEqual({ line: 'D0', timeUs: 1_002_000 });
    expect(frames.map((f) => bitsToString(f.bits))).toEqual([bits]);
    expect(backend.stats().edges).toBe(bits.length);
  });

  it('counts watch errors instead of emitting edges', async () => {
    const { backend, edges } = setup();
    await backend.start();
    FakeGpio.created[0]!.watcher!(new Error('EIO'), 0);
    expect(edges).toEqual([]);
    expect(backend.stats()).toMatchObject({ edges: 0, errors: 1 });
  });

  it('stop unexports both lines', async () => {
    const { backend } = setup();
    await backend.start();
    await backend.stop();
    expect(FakeGpio.created.every((g) => g.unexported)).toBe(true);
    expect(backend.stats().running).toBe(false);
  });

  it('fails start with a clear error when sysfs GPIO is not accessible', async () => {
    const { backend } = setup();
    FakeGpio.accessible = false;
    await expect(backend.start()).rejects.toThrow(OnoffUnavailableError);
    await expect(backend.start()).rejects.toThrow(/not accessible.*gpiomon backend/);
  });

  it('fails start with a clear error when the kernel has no sysfs GPIO tree', async () => {
    const { backend } = setup({ sysfsRoot: makeFakeSysfs(null) });
    await expect(backend.start()).rejects.toThrow(/cannot map BCM 17 to a sysfs GPIO: .*does not exist/);
  });

  it('releases the first line when the second cannot be exported', async () => {
    const { backend } = setup();
    FakeGpio.failOn = 539;
    await expect(backend.start()).rejects.toThrow(/cannot export sysfs GPIO 539 \(BCM 27\): EINVAL/);
    expect(FakeGpio.created).toHaveLength(1);
    expect(FakeGpio.created[0]!.unexported).toBe(true);
    expect(backend.stats().running).toBe(false);
  });

  it('with the real onoff on this machine (no GPIO), start rejects cleanly instead of crashing', async () => {
    const backend = new OnoffBackend({ d0Pin: 17, d1Pin: 27, clock: new ManualClock(), onEdge: () => {} });
    await expect(backend.start()).rejects.toThrow(/sysfs GPIO is not accessible here/);
  });
});
