import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import {
  ChardevGpioPort,
  DEFAULT_GPIOD_TOOLS,
  gpiomonCommand,
  parseGpiodetect,
  parseGpiomonLine,
} from './chardev-port.ts';
import { parseLibgpiodVersion } from './libgpiod-version.ts';
import { makeFakeGpiod, waitFor, type FakeGpiod } from './fake-gpiod.test-helper.ts';
import type { Level } from './gpio-port.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function setup(version: 'v1.6.3' | 'v2.1.2', maxRestarts = 3) {
  const fake = makeFakeGpiod(version);
  const port = new ChardevGpioPort({ clock: new ManualClock(), tools: fake.tools, maxRestarts });
  cleanups.push(() => fake.remove(), () => port.close());
  return { fake, port };
}

function held(fake: FakeGpiod, offset: number, level: number) {
  return () => {
    const s = fake.outState(offset);
    return typeof s === 'object' && s.level === level ? s : undefined;
  };
}

describe('libgpiod output parsing', () => {
  it('parses gpiodetect and gpiomon lines', () => {
    expect(parseGpiodetect('gpiochip0 [pinctrl-bcm2711] (58 lines)\ngpiochip1 [raspberrypi-exp-gpio] (8 lines)\n')).toEqual([
      { name: 'gpiochip0', label: 'pinctrl-bcm2711', ngpio: 58, base: 0 },
      { name: 'gpiochip1', label: 'raspberrypi-exp-gpio', ngpio: 8, base: 0 },
    ]);
    expect(parseGpiomonLine('17 1')).toEqual({ offset: 17, level: 1 });
    expect(parseGpiomonLine('17 0')).toEqual({ offset: 17, level: 0 });
    expect(parseGpiomonLine('5 rising')).toEqual({ offset: 5, level: 1 });
    expect(parseGpiomonLine('5 falling')).toEqual({ offset: 5, level: 0 });
    expect(parseGpiomonLine('event: RISING EDGE')).toBeUndefined();
  });

  it('builds version-specific gpiomon command lines', () => {
    expect(gpiomonCommand(DEFAULT_GPIOD_TOOLS, 1, 'gpiochip0', 6, 'up')).toEqual({
      command: 'gpiomon',
      args: ['--line-buffered', '--format=%o %e', '--bias=pull-up', 'gpiochip0', '6'],
    });
    expect(gpiomonCommand(DEFAULT_GPIOD_TOOLS, 2, 'gpiochip0', 6, 'none')).toEqual({
      command: 'stdbuf',
      args: ['-oL', 'gpiomon', '-c', 'gpiochip0', '-e', 'both', '-F', '%o %E', '-b', 'disabled', '6'],
    });
  });

  it('really is libgpiod 1.6 on this machine (the version the 1.6 argv targets)', () => {
    expect(parseLibgpiodVersion(execFileSync('gpioset', ['--version'], { encoding: 'utf8' }))?.major).toBe(1);
  });
});

describe.each([
  ['v1.6.3', 1, ['--mode=signal', 'gpiochip4', '17=1']],
  ['v2.1.2', 2, ['-c', 'gpiochip4', '17=1']],
] as const)('ChardevGpioPort with libgpiod %s (fake tools, real child processes)', (version, major, firstArgs) => {
  it('detects version and the header chip, then holds the output at its initial level', async () => {
    const { fake, port } = setup(version);
    expect(port.major).toBe(major);
    expect(port.chip).toBe('gpiochip4');
    port.output(17, 1);
    await waitFor(held(fake, 17, 1));
    expect(fake.calls('gpioset').filter((c) => c[1] !== '--version')).toEqual([['gpioset', ...firstArgs]]);
  });

  it('changes level by replacing the holder, which releases the line in between', async () => {
    const { fake, port } = setup(version);
    const line = port.output(17, 1);
    const first = await waitFor(held(fake, 17, 1));
    line.write(0);
    line.write(1);
    line.write(0);
    const second = await waitFor(held(fake, 17, 0));
    expect(second.pid).not.toBe(first.pid);
    expect(line.read()).toBe(0);
  });

  it('restarts a holder that dies, and gives the line back on close', async () => {
    const { fake, port } = setup(version);
    port.output(17, 1);
    const first = await waitFor(held(fake, 17, 1));
    process.kill(first.pid, 'SIGKILL');
    const again = await waitFor(() => {
      const s = held(fake, 17, 1)();
      return s !== undefined && s.pid !== first.pid ? s : undefined;
    });
    expect(again.level).toBe(1);
    expect(port.errors()).toBe(1);
    await port.close();
    expect(fake.outState(17)).toBe('released');
  });

  it('reads the initial input level and reports debounced edges from gpiomon', async () => {
    const { fake, port } = setup(version);
    fake.setInputLevel(6, 1);
    const seen: Level[] = [];
    const line = port.input(6, { edge: 'both', debounceMs: 0, pull: 'up' }, (l) => seen.push(l));
    expect(line.read()).toBe(1);
    fake.emit(6, major === 1 ? '6 0' : '6 falling');
    fake.emit(6, 'garbage');
    fake.emit(6, major === 1 ? '6 1' : '6 rising');
    await waitFor(() => seen.length === 2);
    expect(seen).toEqual([0, 1]);
    expect(port.errors()).toBe(1);
    const monitor = fake.calls('gpiomon')[0] ?? [];
    expect(monitor).toContain(major === 1 ? '--bias=pull-up' : 'pull-up');
  });
});

describe('ChardevGpioPort failures', () => {
  it('gives up after maxRestarts when the line stays busy', async () => {
    const { fake, port } = setup('v1.6.3', 2);
    writeFileSync(join(fake.dir, 'gpioset-fail'), '');
    port.output(17, 1);
    await waitFor(() => port.errors() === 3);
    await new Promise((r) => setTimeout(r, 100));
    expect(port.errors()).toBe(3);
    expect(fake.calls('gpioset').filter((c) => c[1] !== '--version')).toHaveLength(3);
  });

  it('refuses to start when gpiodetect finds no chips', () => {
    const fake = makeFakeGpiod('v1.6.3', '');
    cleanups.push(() => fake.remove());
    expect(() => new ChardevGpioPort({ clock: new ManualClock(), tools: fake.tools })).toThrow(/no GPIO chips/);
  });

  it('reports a missing tool as a start-up error', () => {
    expect(
      () => new ChardevGpioPort({ clock: new ManualClock(), tools: { gpioset: '/nonexistent/gpioset' } }),
    ).toThrow(/ENOENT/);
  });
});
