import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { makeFakeGpiod } from './fake-gpiod.test-helper.ts';
import { FAKE_BOARDS, makeFakeSysfs, removeFakeSysfsTrees } from './fake-sysfs.test-helper.ts';
import type { GpioPort } from './gpio-port.ts';
import { openGpioPort } from './open-port.ts';
import type { OnoffGpioLike } from './onoff-port.ts';

class NullGpio implements OnoffGpioLike {
  readSync(): 0 {
    return 0;
  }
  writeSync(): void {}
  watch(): void {}
  unexport(): void {}
}

const missingTools = { gpioset: '/nonexistent/gpioset' };
const opened: GpioPort[] = [];
const fake = makeFakeGpiod('v1.6.3');
afterEach(async () => {
  for (const p of opened.splice(0)) await p.close();
});
afterAll(() => {
  fake.remove();
  removeFakeSysfsTrees();
});

async function open(...args: Parameters<typeof openGpioPort>) {
  const port = await openGpioPort(...args);
  opened.push(port);
  return port;
}

describe('openGpioPort', () => {
  it('auto prefers chardev when the libgpiod tools work', async () => {
    const port = await open({ backend: 'auto', clock: new ManualClock(), chardev: { tools: fake.tools }, Gpio: NullGpio });
    expect(port.backend).toBe('chardev');
  });

  it('auto falls back to onoff when the tools are missing', async () => {
    const port = await open({
      backend: 'auto',
      clock: new ManualClock(),
      chardev: { tools: missingTools },
      sysfsRoot: makeFakeSysfs(FAKE_BOARDS.pi4Kernel66),
      Gpio: NullGpio,
    });
    expect(port.backend).toBe('onoff');
  });

  it('auto refuses to start (and never picks the simulator) when nothing works', async () => {
    await expect(
      openGpioPort({ backend: 'auto', clock: new ManualClock(), chardev: { tools: missingTools }, sysfsRoot: makeFakeSysfs(null) }),
    ).rejects.toThrow(/no usable GPIO backend: chardev: .*ENOENT.*; onoff: .*chardev backend/);
  });

  it('opens the named backend', async () => {
    expect((await open({ backend: 'sim', clock: new ManualClock() })).backend).toBe('sim');
    await expect(openGpioPort({ backend: 'onoff', clock: new ManualClock(), sysfsRoot: makeFakeSysfs(null) })).rejects.toThrow(
      /sysfs/,
    );
  });
});
