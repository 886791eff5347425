import { describe, expect, it } from 'vitest';
import { gpiomonArgs, parseGpiomonVersion } from './gpiomon-syntax.ts';

describe('parseGpiomonVersion', () => {
  it('recognises libgpiod 1.x and 2.x banners', () => {
    expect(parseGpiomonVersion('gpiomon (libgpiod) v1.6.3\nCopyright (C) 2017-2018 Bartosz Golaszewski\n')).toEqual({
      dialect: 'v1',
      version: '1.6.3',
    });
    expect(parseGpiomonVersion('gpiomon (libgpiod) v2.1.2\nCopyright (C) 2017-2023 Bartosz Golaszewski\n')).toEqual({
      dialect: 'v2',
      version: '2.1.2',
    });
    expect(parseGpiomonVersion('gpiomon (libgpiod) v2.2')).toEqual({ dialect: 'v2', version: '2.2' });
  });
  it('returns null for output that names no version', () => {
    expect(parseGpiomonVersion('')).toBeNull();
    expect(parseGpiomonVersion('gpiomon: unrecognized option')).toBeNull();
    expect(parseGpiomonVersion('v0.9')).toBeNull();
  });
});

describe('gpiomonArgs', () => {
  const watch = { chip: 'gpiochip0', d0Line: 17, d1Line: 27 };
  it('uses 1.6 flags: positional chip, falling edges, pull-up, line-buffered, %e/%s/%n', () => {
    expect(gpiomonArgs('v1', watch)).toEqual([
      '--falling-edge',
      '--bias=pull-up',
      '--line-buffered',
      '--format=%o %e %s %n',
      'gpiochip0',
      '17',
      '27',
    ]);
  });
  it('uses 2.x flags: --chip, --edges, monotonic event clock, %E/%S', () => {
    expect(gpiomonArgs('v2', watch)).toEqual([
      '--edges=falling',
      '--bias=pull-up',
      '--event-clock=monotonic',
      '--consumer=doorctl',
      '--format=%o %E %S',
      '--chip',
      'gpiochip0',
      '17',
      '27',
    ]);
  });
});
