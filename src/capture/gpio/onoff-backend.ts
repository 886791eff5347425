/**
 * Best-effort Wiegand capture through the legacy sysfs GPIO interface (the `onoff` package), for
 * systems where gpiomon is unavailable. Prefer GpiomonBackend: see docs/gpio-capture.md.
 *
 * Why `rising`: a sysfs edge is only a wake-up. It carries no timestamp and is not queued; onoff
 * reads the line's level after waking and drops the callback unless that level matches a watched
 * edge. A 50 µs Wiegand pulse is over long before Node reads the level, so a `falling` watch
 * reads 1 and drops nearly every bit, and `both` may report one pulse twice (the falling wake-up
 * reads 1 too, then the rising one). A `rising` watch wakes once per pulse, at its end, and the
 * line then stays high until the next bit (≥ 200 µs later on a SIA reader, typically 1–2 ms), so
 * each pulse is reported once as long as Node services it before the next one begins.
 * Timestamps are our clock at callback time. Pulses that Node does not service in time merge into
 * one wake-up (a lost bit), and after a stall D0 and D1 wake-ups arrive back to back and in no
 * known order, which the frame layer reports as an overlap fault rather than a wrong number.
 */
import type { Clock } from '../../core/clock.ts';
import { silentLogger, type Logger } from '../../core/logger.ts';
import { resolveGpioLine, type ChipResolverOptions } from '../../io/gpio/chip-resolver.ts';
import { loadOnoffGpio, type OnoffGpioCtor, type OnoffGpioLike } from '../../io/gpio/onoff-port.ts';
import type { EdgeEvent } from '../../wiegand/types.ts';
import type { EdgeSink, EdgeSource } from '../edge-source.ts';

/** onoff's Gpio class, with its static probe for a usable /sys/class/gpio. */
export type OnoffGpioClass = OnoffGpioCtor & { readonly accessible?: boolean };

export interface OnoffBackendOptions extends ChipResolverOptions {
  /** BCM pin numbers of the reader's data lines. */
  readonly d0Pin: number;
  readonly d1Pin: number;
  readonly onEdge: EdgeSink;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** Defaults to onoff's Gpio, loaded on start(); tests inject a fake. */
  readonly Gpio?: OnoffGpioClass;
}

export interface OnoffBackendStats {
  readonly running: boolean;
  readonly edges: number;
  /** Errors onoff passed to the watch callback. */
  readonly errors: number;
}

export class OnoffUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OnoffUnavailableError';
  }
}

const HINT = 'use the gpiomon backend (Debian package "gpiod") instead';

export class OnoffBackend implements EdgeSource {
  private readonly logger: Logger;
  private lines: OnoffGpioLike[] = [];
  private readonly counts = { edges: 0, errors: 0 };

  constructor(private readonly opts: OnoffBackendOptions) {
    if (opts.d0Pin === opts.d1Pin) throw new RangeError(`D0 and D1 must be different pins (both BCM ${opts.d0Pin})`);
    this.logger = (opts.logger ?? silentLogger).child({ backend: 'onoff', d0Pin: opts.d0Pin, d1Pin: opts.d1Pin });
  }

  stats(): OnoffBackendStats {
    return { running: this.lines.length > 0, ...this.counts };
  }

  async start(): Promise<void> {
    if (this.lines.length > 0) return;
    const Gpio = await this.loadGpio();
    if (Gpio.accessible === false) {
      throw new OnoffUnavailableError(`sysfs GPIO is not accessible here (no /sys/class/gpio, or no permission); ${HINT}`);
    }
    const wanted: Array<[EdgeEvent['line'], number]> = [
      ['D0', this.opts.d0Pin],
      ['D1', this.opts.d1Pin],
    ];
    try {
      for (const [line, pin] of wanted) {
        const sysfsNumber = this.resolve(pin);
        const gpio = this.export(Gpio, sysfsNumber, pin);
        this.lines.push(gpio);
        gpio.watch((err) => this.onWake(line, err));
      }
    } catch (err) {
      this.release();
      throw err;
    }
    this.logger.warn('capturing Wiegand through sysfs GPIO (onoff): best effort, bits can be lost under load');
  }

  async stop(): Promise<void> {
    this.release();
  }

  private async loadGpio(): Promise<OnoffGpioClass> {
    if (this.opts.Gpio !== undefined) return this.opts.Gpio;
    try {
      return await loadOnoffGpio();
    } catch (err) {
      throw new OnoffUnavailableError(`the onoff package could not be loaded (${(err as Error).message}); ${HINT}`, { cause: err });
    }
  }

  private resolve(pin: number): number {
    try {
      return resolveGpioLine(pin, this.opts);
    } catch (err) {
      throw new OnoffUnavailableError(`cannot map BCM ${pin} to a sysfs GPIO: ${(err as Error).message}`, { cause: err });
    }
  }

  private export(Gpio: OnoffGpioClass, sysfsNumber: number, pin: number): OnoffGpioLike {
    try {
      return new Gpio(sysfsNumber, 'in', 'rising');
    } catch (err) {
      throw new OnoffUnavailableError(
        `cannot export sysfs GPIO ${sysfsNumber} (BCM ${pin}): ${(err as Error).message}; ${HINT}`,
        { cause: err },
      );
    }
  }

  private onWake(line: EdgeEvent['line'], err: Error | null | undefined): void {
    if (err) {
      this.counts.errors++;
      this.logger.error({ err, line }, 'onoff watch error');
      return;
    }
    this.counts.edges++;
    try {
      this.opts.onEdge({ line, timeUs: this.opts.clock.monotonicUs() });
    } catch (consumerErr) {
      this.logger.error({ err: consumerErr }, 'edge consumer threw; edge dropped');
    }
  }

  private release(): void {
    for (const gpio of this.lines.splice(0)) {
      try {
        gpio.unexport();
      } catch (err) {
        this.logger.warn({ err }, 'unexport failed');
      }
    }
  }
}
