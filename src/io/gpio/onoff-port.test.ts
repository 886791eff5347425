import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { GpioResolveError } from './chip-resolver.ts';
import { FAKE_BOARDS, makeFakeSysfs, removeFakeSysfsTrees, type FakeChip } from './fake-sysfs.test-helper.ts';
import type { Level } from './gpio-port.ts';
import { loadOnoffGpio, OnoffGpioPort, type OnoffGpioCtor, type OnoffGpioLike } from './onoff-port.ts';

afterAll(removeFakeSysfsTrees);

/** Records what the backend asks of sysfs; `level` starts where the direction string puts it. */
class FakeGpio implements OnoffGpioLike {
  static created: FakeGpio[] = [];
  level: Level;
  writes: Level[] = [];
  unexported = false;
  watcher: ((err: Error | null | undefined, value: 0 | 1) => void) | undefined;
  constructor(
    readonly gpio: number,
    readonly direction: 'in' | 'out' | 'high' | 'low',
    readonly edge?: 'none' | 'rising' | 'falling' | 'both',
  ) {
    this.level = direction === 'high' ? 1 : 0;
    FakeGpio.created.push(this);
  }
  readSync(): Level {
    return this.level;
  }
  writeSync(value: Level): void {
    if (this.unexported) throw new Error('EINVAL: not exported');
    this.level = value;
    this.writes.push(value);
  }
  watch(cb: (err: Error | null | undefined, value: 0 | 1) => void): void {
    this.watcher = cb;
  }
  unexport(): void {
    this.unexported = true;
  }
}

function makePort(chips: readonly FakeChip[] = FAKE_BOARDS.pi4Kernel66) {
  FakeGpio.created = [];
  const clock = new ManualClock();
  const port = new OnoffGpioPort({ clock, Gpio: FakeGpio satisfies OnoffGpioCtor, sysfsRoot: makeFakeSysfs(chips) });
  return { clock, port };
}

describe('OnoffGpioPort', () => {
  it('exports outputs at the resolved number with the initial level in the direction (no glitch)', () => {
    const { port } = makePort();
    port.output(17, 1);
    port.output(27, 0);
    expect(FakeGpio.created.map((g) => [g.gpio, g.direction])).toEqual([
      [529, 'high'],
      [539, 'low'],
    ]);
    expect(FakeGpio.created.every((g) => g.writes.length === 0)).toBe(true);
  });

  it('uses the Pi 5 offset', () => {
    const { port } = makePort(FAKE_BOARDS.pi5Kernel66);
    port.output(4, 0);
    expect(FakeGpio.created[0]?.gpio).toBe(575);
    expect(port.chip.label).toBe('pinctrl-rp1');
  });

  it('writes levels and remembers the last one', () => {
    const { port } = makePort();
    const line = port.output(17, 0);
    line.write(1);
    line.write(0);
    expect(FakeGpio.created[0]?.writes).toEqual([1, 0]);
    expect(line.read()).toBe(0);
  });

  it('counts write failures instead of throwing', async () => {
    const { port } = makePort();
    const line = port.output(17, 0);
    await port.close();
    expect(() => line.write(1)).not.toThrow();
    expect(port.errors()).toBe(1);
  });

  it('watches inputs on both edges, debounces with the clock and filters by edge', () => {
    const { clock, port } = makePort();
    const seen: Level[] = [];
    const line = port.input(5, { edge: 'falling', debounceMs: 10 }, (l) => seen.push(l));
    const gpio = FakeGpio.created[0]!;
    expect([gpio.gpio, gpio.direction, gpio.edge]).toEqual([517, 'in', 'both']);
    gpio.watcher?.(null, 1);
    clock.advanceMs(10);
    expect(line.read()).toBe(1);
    expect(seen).toEqual([]);
    gpio.watcher?.(null, 0);
    gpio.watcher?.(null, 1);
    gpio.watcher?.(null, 0);
    clock.advanceMs(10);
    expect(seen).toEqual([0]);
    gpio.watcher?.(new Error('EIO'), 1);
    clock.advanceMs(10);
    expect(line.read()).toBe(0);
    expect(port.errors()).toBe(1);
  });

  it('unexports every line on close', async () => {
    const { port } = makePort();
    port.output(17, 0);
    port.input(5, { edge: 'both', debounceMs: 0 }, () => undefined);
    await port.close();
    expect(FakeGpio.created.map((g) => g.unexported)).toEqual([true, true]);
  });

  it('fails at start-up with the chardev hint when sysfs GPIO is missing', () => {
    expect(() => new OnoffGpioPort({ clock: new ManualClock(), Gpio: FakeGpio, sysfsRoot: makeFakeSysfs(null) })).toThrow(
      GpioResolveError,
    );
  });

  it('loads the real onoff Gpio class (inaccessible on this machine)', async () => {
    const Gpio = (await loadOnoffGpio()) as unknown as { accessible: boolean };
    expect(typeof Gpio).toBe('function');
    expect(Gpio.accessible).toBe(false);
  });
});
