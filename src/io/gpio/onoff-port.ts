/**
 * GPIO through the legacy sysfs interface, via the `onoff` package. BCM pins are mapped to sysfs
 * numbers with the chip resolver (kernel 6.6+ offsets them by the chip base).
 *
 * Outputs are exported with direction 'high' or 'low', which the kernel applies atomically with
 * the direction change, so a relay line never passes through the other level on start-up.
 * If the process dies, the sysfs export stays and the line KEEPS its last level: a crash in the
 * middle of an unlock pulse leaves the strike unlocked until something resets the line, which is
 * why the service unit should run a safe-state command on stop (see hardware/WIRING.md).
 * sysfs cannot set pull resistors; inputs rely on the SoC default or an external resistor.
 */
import type { Clock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
import { lineForPin, resolveHeaderChip, type ChipResolverOptions, type GpioChipInfo } from './chip-resolver.ts';
import { Debouncer } from './debouncer.ts';
import {
  edgeWanted,
  type GpioPort,
  type GpioPortCommonOptions,
  type InputChangeHandler,
  type InputLine,
  type InputOptions,
  type Level,
  type OutputLine,
} from './gpio-port.ts';

/** The part of onoff's `Gpio` this backend uses (so tests can inject a fake class). */
export interface OnoffGpioLike {
  readSync(): 0 | 1;
  writeSync(value: 0 | 1): void;
  watch(callback: (err: Error | null | undefined, value: 0 | 1) => void): void;
  unexport(): void;
}

export type OnoffGpioCtor = new (
  gpio: number,
  direction: 'in' | 'out' | 'high' | 'low',
  edge?: 'none' | 'rising' | 'falling' | 'both',
) => OnoffGpioLike;

export interface OnoffGpioPortOptions extends GpioPortCommonOptions, ChipResolverOptions {
  readonly clock: Clock;
  /** onoff's Gpio class; load it with `loadOnoffGpio()` in production, inject a fake in tests. */
  readonly Gpio: OnoffGpioCtor;
}

/** Loads onoff lazily so that machines without it (or without sysfs) can still use other backends. */
export async function loadOnoffGpio(): Promise<OnoffGpioCtor> {
  const mod = await import('onoff');
  return mod.Gpio as unknown as OnoffGpioCtor;
}

export class OnoffGpioPort implements GpioPort {
  readonly backend = 'onoff' as const;
  readonly chip: GpioChipInfo;
  private readonly claimed: OnoffGpioLike[] = [];
  private readonly debouncers: Debouncer[] = [];
  private errorCount = 0;

  /** Throws GpioResolveError at start-up if sysfs or the header chip is missing. */
  constructor(private readonly opts: OnoffGpioPortOptions) {
    this.chip = resolveHeaderChip(opts);
  }

  /** Throws if the line cannot be exported: a relay we cannot drive must stop start-up. */
  output(pin: number, initial: Level): OutputLine {
    const gpio = new this.opts.Gpio(lineForPin(this.chip, pin), initial === 1 ? 'high' : 'low');
    this.claimed.push(gpio);
    let last: Level = initial;
    return {
      pin,
      write: (level) => {
        last = level;
        try {
          gpio.writeSync(level);
        } catch (err) {
          this.fail(err, pin, 'write failed');
        }
      },
      read: () => last,
    };
  }

  input(pin: number, opts: InputOptions, onChange: InputChangeHandler): InputLine {
    if (opts.pull !== undefined && opts.pull !== 'none') {
      this.logger().info({ bcmPin: pin, pull: opts.pull }, 'onoff: sysfs cannot set pulls; using the hardware default');
    }
    // Both edges always: the debouncer needs to see bounces back to the stable level.
    const gpio = new this.opts.Gpio(lineForPin(this.chip, pin), 'in', 'both');
    this.claimed.push(gpio);
    let initial: Level = 0;
    try {
      initial = gpio.readSync();
    } catch (err) {
      this.fail(err, pin, 'initial read failed');
    }
    const debouncer = new Debouncer(this.opts.clock, opts.debounceMs, initial, (level) => {
      if (edgeWanted(opts.edge, level)) onChange(level);
    });
    this.debouncers.push(debouncer);
    gpio.watch((err, value) => {
      if (err) {
        this.fail(err, pin, 'watch error');
        return;
      }
      debouncer.sample(value === 1 ? 1 : 0);
    });
    return { pin, read: () => debouncer.level() };
  }

  errors(): number {
    return this.errorCount;
  }

  async close(): Promise<void> {
    for (const d of this.debouncers.splice(0)) d.dispose();
    for (const gpio of this.claimed.splice(0)) {
      try {
        gpio.unexport();
      } catch (err) {
        this.fail(err, -1, 'unexport failed');
      }
    }
  }

  private fail(err: unknown, pin: number, msg: string): void {
    this.errorCount++;
    this.logger().error({ err, bcmPin: pin }, `onoff: ${msg}`);
  }

  private logger() {
    return this.opts.logger ?? silentLogger;
  }
}
