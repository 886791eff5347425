/**
 * Maps a BCM pin number (as printed on Raspberry Pi pinout charts) to the number the legacy sysfs
 * GPIO interface expects. Since kernel 6.6 the sysfs numbers are offset by the chip's base
 * (512 on a Pi 4, 571 on a Pi 5), so exporting a plain BCM number fails with EINVAL. We read the
 * chips under /sys/class/gpio once at start-up (sync is fine there) and pick the Pi's main
 * pin controller by its label.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GpioChipInfo {
  /** Directory name, e.g. "gpiochip512". */
  readonly name: string;
  readonly base: number;
  readonly label: string;
  readonly ngpio: number;
}

export interface ChipResolverOptions {
  /** Root that contains `class/gpio` (default `/sys`); tests point this at a fake tree. */
  readonly sysfsRoot?: string;
  /** Force a chip label (for boards not in KNOWN_PI_PINCTRL_LABELS). */
  readonly chipLabel?: string;
}

/** Labels of the pin controllers that drive the 40-pin header, by board family. Data, not code. */
export const KNOWN_PI_PINCTRL_LABELS: ReadonlyArray<{ readonly label: string; readonly boards: string }> = [
  { label: 'pinctrl-rp1', boards: 'Pi 5, CM5 (RP1 south bridge)' },
  { label: 'pinctrl-bcm2711', boards: 'Pi 4, Pi 400, CM4' },
  { label: 'pinctrl-bcm2835', boards: 'Pi 1, 2, 3, Zero, CM3' },
];

/** The header uses BCM 0..27, so a chip with fewer lines cannot be the main controller. */
const MIN_HEADER_LINES = 28;

export type GpioResolveErrorCode = 'NO_SYSFS' | 'NO_CHIPS' | 'NO_MATCHING_CHIP' | 'PIN_OUT_OF_RANGE';

export class GpioResolveError extends Error {
  constructor(
    readonly code: GpioResolveErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'GpioResolveError';
  }
}

function gpioClassDir(opts: ChipResolverOptions | undefined): string {
  return join(opts?.sysfsRoot ?? '/sys', 'class', 'gpio');
}

function readTrimmed(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Lists every readable gpiochip under the sysfs root, sorted by base. Unreadable chips are skipped. */
export function listGpioChips(opts?: ChipResolverOptions): GpioChipInfo[] {
  const dir = gpioClassDir(opts);
  if (!existsSync(dir)) {
    throw new GpioResolveError(
      'NO_SYSFS',
      `${dir} does not exist: this kernel has no sysfs GPIO interface (Raspberry Pi OS Trixie may ship ` +
        `without it). Use the chardev backend (gpio.backend: "chardev", needs the gpiod tools).`,
    );
  }
  const chips: GpioChipInfo[] = [];
  for (const name of readdirSync(dir)) {
    if (!/^gpiochip\d+$/.test(name)) continue;
    const base = Number(readTrimmed(join(dir, name, 'base')));
    const ngpio = Number(readTrimmed(join(dir, name, 'ngpio')));
    const label = readTrimmed(join(dir, name, 'label')) ?? '';
    if (!Number.isInteger(base) || !Number.isInteger(ngpio) || ngpio <= 0) continue;
    chips.push({ name, base, label, ngpio });
  }
  return chips.sort((a, b) => a.base - b.base);
}

/**
 * Picks the header's chip: a forced label, else the first known Pi pinctrl label, else the
 * lowest-based chip with enough lines (on unknown boards the SoC controller is registered first).
 */
export function selectHeaderChip(chips: readonly GpioChipInfo[], chipLabel?: string): GpioChipInfo {
  const describe = () => chips.map((c) => `${c.name}(label=${c.label},base=${c.base},ngpio=${c.ngpio})`).join(', ');
  if (chips.length === 0) {
    throw new GpioResolveError(
      'NO_CHIPS',
      'no gpiochip entries under sysfs; the GPIO driver is not loaded or sysfs GPIO is disabled. Use the chardev backend.',
    );
  }
  if (chipLabel !== undefined) {
    const forced = chips.find((c) => c.label === chipLabel);
    if (forced === undefined) {
      throw new GpioResolveError('NO_MATCHING_CHIP', `no gpiochip labelled "${chipLabel}"; found: ${describe()}`);
    }
    return forced;
  }
  for (const known of KNOWN_PI_PINCTRL_LABELS) {
    const hit = chips.find((c) => c.label === known.label);
    if (hit !== undefined) return hit;
  }
  const fallback = chips.find((c) => c.ngpio >= MIN_HEADER_LINES);
  if (fallback === undefined) {
    throw new GpioResolveError(
      'NO_MATCHING_CHIP',
      `no gpiochip looks like the 40-pin header controller (need a known label or >= ${MIN_HEADER_LINES} lines); found: ${describe()}`,
    );
  }
  return fallback;
}

/** Returns the chip that resolveGpioLine would use (for start-up logging). */
export function resolveHeaderChip(opts?: ChipResolverOptions): GpioChipInfo {
  return selectHeaderChip(listGpioChips(opts), opts?.chipLabel);
}

/** sysfs GPIO number of a BCM pin on an already selected chip. */
export function lineForPin(chip: GpioChipInfo, bcmPin: number): number {
  if (!Number.isInteger(bcmPin) || bcmPin < 0 || bcmPin >= chip.ngpio) {
    throw new GpioResolveError(
      'PIN_OUT_OF_RANGE',
      `BCM pin ${bcmPin} is outside ${chip.name} (${chip.label}), which has lines 0..${chip.ngpio - 1}`,
    );
  }
  return chip.base + bcmPin;
}

/** BCM pin → sysfs GPIO number (chip base + offset). Throws GpioResolveError with a clear message. */
export function resolveGpioLine(bcmPin: number, opts?: ChipResolverOptions): number {
  return lineForPin(resolveHeaderChip(opts), bcmPin);
}
