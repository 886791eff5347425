/**
 * The two command-line dialects of `gpiomon` (Debian package `gpiod`): libgpiod 1.x (Bookworm,
 * 1.6) and 2.x (Trixie). Pure: detects the dialect and builds argument lists; output parsing is in
 * gpiomon-output-parser.ts and spawning in gpiomon-backend.ts.
 *
 * 1.x: `gpiomon [opts] <chip> <offset>...`; `%e` is 0 falling / 1 rising, `%s`/`%n` are seconds
 *      and (unpadded) nanoseconds; stdout is fully buffered into a pipe unless `--line-buffered`.
 * 2.x: `gpiomon [opts] --chip <chip> <offset>...`; `%E` is falling/rising, `%S` is
 *      `seconds.nnnnnnnnn`; it flushes stdout before every poll. (`%e` changed meaning to
 *      1 rising / 2 falling in 2.x, so we use `%E`.)
 * Both print CLOCK_MONOTONIC timestamps taken by the kernel at the edge on kernels >= 5.7
 * (2.x says so explicitly with --event-clock), the same base as Clock.monotonicUs().
 */
import { parseLibgpiodVersion } from '../../io/gpio/libgpiod-version.ts';

export type GpiomonDialect = 'v1' | 'v2';

export interface GpiomonVersion {
  readonly dialect: GpiomonDialect;
  /** As printed, e.g. "1.6.3". */
  readonly version: string;
}

/** Reads `gpiomon --version` output ("gpiomon (libgpiod) v1.6.3"); null when unrecognised. */
export function parseGpiomonVersion(text: string): GpiomonVersion | null {
  const v = parseLibgpiodVersion(text);
  return v && { dialect: v.major === 2 ? 'v2' : 'v1', version: v.version };
}

export interface GpiomonWatch {
  /** Chip name, number or path, e.g. "gpiochip0". */
  readonly chip: string;
  /** Line offsets on that chip (on a Raspberry Pi header chip, the BCM numbers). */
  readonly d0Line: number;
  readonly d1Line: number;
}

/** Falling edges only (a Wiegand bit is a low pulse), pull-ups on (idle lines float otherwise). */
export function gpiomonArgs(dialect: GpiomonDialect, w: GpiomonWatch): string[] {
  const lines = [String(w.d0Line), String(w.d1Line)];
  if (dialect === 'v1') {
    return ['--falling-edge', '--bias=pull-up', '--line-buffered', '--format=%o %e %s %n', w.chip, ...lines];
  }
  return [
    '--edges=falling',
    '--bias=pull-up',
    '--event-clock=monotonic',
    '--consumer=doorctl',
    '--format=%o %E %S',
    '--chip',
    w.chip,
    ...lines,
  ];
}
