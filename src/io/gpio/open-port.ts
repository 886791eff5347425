/**
 * Chooses and opens the GPIO backend named in the configuration. "auto" prefers the character
 * device (works on every current kernel, lines are released on exit) and falls back to sysfs via
 * onoff. It never falls back to the simulator: a controller that silently drives no real relay
 * would be worse than one that refuses to start.
 */
import type { Clock } from '../../core/clock.ts';
import type { ChipResolverOptions } from './chip-resolver.ts';
import { ChardevGpioPort, type ChardevGpioPortOptions } from './chardev-port.ts';
import type { GpioBackendName, GpioPort, GpioPortCommonOptions } from './gpio-port.ts';
import { loadOnoffGpio, OnoffGpioPort, type OnoffGpioCtor } from './onoff-port.ts';
import { SimGpioPort } from './sim-port.ts';

export type GpioBackendChoice = GpioBackendName | 'auto';

export interface OpenGpioPortOptions extends GpioPortCommonOptions, ChipResolverOptions {
  readonly backend: GpioBackendChoice;
  readonly clock: Clock;
  readonly chardev?: Omit<ChardevGpioPortOptions, 'clock' | 'logger'>;
  /** onoff's Gpio class (tests); loaded from the package when omitted. */
  readonly Gpio?: OnoffGpioCtor;
  /** State file for the sim backend, e.g. <dataDir>/sim-gpio.json. */
  readonly simStateFile?: string;
}

export async function openGpioPort(opts: OpenGpioPortOptions): Promise<GpioPort> {
  const chardev = () => new ChardevGpioPort({ ...opts.chardev, clock: opts.clock, logger: opts.logger });
  const onoff = async () =>
    new OnoffGpioPort({
      clock: opts.clock,
      logger: opts.logger,
      sysfsRoot: opts.sysfsRoot,
      chipLabel: opts.chipLabel,
      Gpio: opts.Gpio ?? (await loadOnoffGpio()),
    });
  switch (opts.backend) {
    case 'sim':
      return new SimGpioPort({ clock: opts.clock, logger: opts.logger, stateFile: opts.simStateFile });
    case 'chardev':
      return chardev();
    case 'onoff':
      return onoff();
    case 'auto': {
      let chardevError: unknown;
      try {
        return chardev();
      } catch (err) {
        chardevError = err;
      }
      try {
        const port = await onoff();
        opts.logger?.warn({ err: chardevError }, 'gpio: chardev backend unavailable, using sysfs (onoff)');
        return port;
      } catch (onoffError) {
        throw new Error(
          `no usable GPIO backend: chardev: ${(chardevError as Error).message}; onoff: ${(onoffError as Error).message}`,
        );
      }
    }
  }
}
