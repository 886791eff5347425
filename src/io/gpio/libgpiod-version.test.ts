import { describe, expect, it } from 'vitest';
import { parseLibgpiodVersion } from './libgpiod-version.ts';

describe('parseLibgpiodVersion', () => {
  it('reads 1.x and 2.x tool banners', () => {
    expect(parseLibgpiodVersion('gpiomon (libgpiod) v1.6.3\nCopyright (C) 2017-2018')).toEqual({ major: 1, version: '1.6.3' });
    expect(parseLibgpiodVersion('gpioset (libgpiod) v2.1.2')).toEqual({ major: 2, version: '2.1.2' });
    expect(parseLibgpiodVersion('gpiomon (libgpiod) v2.2')).toEqual({ major: 2, version: '2.2' });
  });

  it('refuses unknown majors and noise', () => {
    for (const t of ['', 'nonsense', 'gpioset v3.0', 'v0.9', 'gpiomon: unrecognized option']) expect(parseLibgpiodVersion(t)).toBeNull();
  });
});
