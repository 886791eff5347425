import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GpioResolveError, listGpioChips, resolveGpioLine, resolveHeaderChip, selectHeaderChip } from './chip-resolver.ts';
import { FAKE_BOARDS, makeFakeSysfs, removeFakeSysfsTrees } from './fake-sysfs.test-helper.ts';

afterAll(removeFakeSysfsTrees);

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof GpioResolveError ? e.code : `not a GpioResolveError: ${String(e)}`;
  }
  return undefined;
}

describe('resolveGpioLine', () => {
  it.each([
    ['Pi 3, older kernel', FAKE_BOARDS.pi3Legacy, 17, 17],
    ['Pi 4, kernel 6.6+', FAKE_BOARDS.pi4Kernel66, 17, 529],
    ['Pi 5, kernel 6.6+ (rp1 is not the first chip)', FAKE_BOARDS.pi5Kernel66, 17, 588],
    ['Pi 5, BCM 0', FAKE_BOARDS.pi5Kernel66, 0, 571],
    ['Pi 4, BCM 27', FAKE_BOARDS.pi4Kernel66, 27, 539],
  ])('%s: BCM %i -> %i', (_name, chips, bcm, expected) => {
    expect(resolveGpioLine(bcm, { sysfsRoot: makeFakeSysfs(chips) })).toBe(expected);
  });

  it('picks the known pinctrl label even when other chips have lower bases', () => {
    const chip = resolveHeaderChip({ sysfsRoot: makeFakeSysfs(FAKE_BOARDS.pi5Kernel66) });
    expect(chip).toEqual({ name: 'gpiochip571', base: 571, label: 'pinctrl-rp1', ngpio: 54 });
  });

  it('falls back to the lowest-based chip with enough lines on an unknown board', () => {
    const root = makeFakeSysfs([
      { base: 600, label: 'mystery-pinctrl', ngpio: 40 },
      { base: 500, label: 'tiny-expander', ngpio: 8 },
    ]);
    expect(resolveGpioLine(4, { sysfsRoot: root })).toBe(604);
  });

  it('honours a forced chip label', () => {
    const root = makeFakeSysfs(FAKE_BOARDS.pi5Kernel66);
    expect(resolveGpioLine(2, { sysfsRoot: root, chipLabel: 'gpio-brcmstb@107d508500' })).toBe(514);
    expect(errorCode(() => resolveGpioLine(2, { sysfsRoot: root, chipLabel: 'nope' }))).toBe('NO_MATCHING_CHIP');
  });

  it('rejects pins outside the chip', () => {
    const root = makeFakeSysfs(FAKE_BOARDS.pi4Kernel66);
    expect(errorCode(() => resolveGpioLine(58, { sysfsRoot: root }))).toBe('PIN_OUT_OF_RANGE');
    expect(errorCode(() => resolveGpioLine(-1, { sysfsRoot: root }))).toBe('PIN_OUT_OF_RANGE');
    expect(errorCode(() => resolveGpioLine(1.5, { sysfsRoot: root }))).toBe('PIN_OUT_OF_RANGE');
    expect(resolveGpioLine(57, { sysfsRoot: root })).toBe(569);
  });

  it('says to use the chardev backend when sysfs GPIO is missing', () => {
    const root = makeFakeSysfs(null);
    expect(errorCode(() => resolveGpioLine(17, { sysfsRoot: root }))).toBe('NO_SYSFS');
    expect(() => resolveGpioLine(17, { sysfsRoot: root })).toThrow(/chardev/);
  });

  it('reports an empty gpio class directory as NO_CHIPS', () => {
    const root = makeFakeSysfs([]);
    expect(errorCode(() => resolveGpioLine(17, { sysfsRoot: root }))).toBe('NO_CHIPS');
  });

  it('rejects boards where no chip can be the header controller', () => {
    expect(errorCode(() => selectHeaderChip([{ name: 'gpiochip0', base: 0, label: 'x', ngpio: 8 }]))).toBe(
      'NO_MATCHING_CHIP',
    );
  });
});

describe('listGpioChips', () => {
  it('lists chips sorted by base and skips malformed entries', () => {
    const root = makeFakeSysfs(FAKE_BOARDS.pi4Kernel66);
    const broken = join(root, 'class', 'gpio', 'gpiochip900');
    mkdirSync(broken);
    writeFileSync(join(broken, 'base'), 'garbage');
    mkdirSync(join(root, 'class', 'gpio', 'gpio529'));
    expect(listGpioChips({ sysfsRoot: root }).map((c) => c.name)).toEqual(['gpiochip512', 'gpiochip570']);
  });
});
