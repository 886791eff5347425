/**
 * Connects a door's GPIO inputs (contact, REX, tamper) to a DoorMonitor. The electrical meaning of
 * each input is configuration: a door contact is usually a reed switch closed to ground while the
 * door is shut, read with a pull-up, so "open" is level 1; REX buttons and tamper switches vary.
 */
import type { Clock } from '../core/clock.ts';
import { DoorMonitor, type DoorMonitorConfig, type LockActuator } from './door-monitor.ts';
import type { GpioPort, InputLine, InputPull, Level } from './gpio/gpio-port.ts';

export interface DoorInputPin {
  readonly pin: number;
  /** Level meaning "door open" (contact), "pressed" (REX) or "tampered" (tamper). */
  readonly activeLevel: Level;
  readonly debounceMs: number;
  readonly pull?: InputPull;
}

export interface DoorInputsConfig {
  readonly contact?: DoorInputPin;
  readonly rex?: DoorInputPin;
  readonly tamper?: DoorInputPin;
}

export interface DoorWithInputs {
  readonly monitor: DoorMonitor;
  readonly lines: { readonly contact?: InputLine; readonly rex?: InputLine; readonly tamper?: InputLine };
}

/** Claims the inputs, reads their current levels, and builds the monitor from that starting state. */
export function createMonitoredDoor(
  port: GpioPort,
  lock: LockActuator,
  clock: Clock,
  config: DoorMonitorConfig,
  inputs: DoorInputsConfig,
): DoorWithInputs {
  let monitor: DoorMonitor | undefined;
  const claim = (spec: DoorInputPin | undefined, edge: 'both' | 'active', onActive: (active: boolean) => void) => {
    if (spec === undefined) return undefined;
    const activeEdge = spec.activeLevel === 1 ? 'rising' : 'falling';
    return port.input(
      spec.pin,
      { edge: edge === 'both' ? 'both' : activeEdge, debounceMs: spec.debounceMs, pull: spec.pull },
      (level) => onActive(level === spec.activeLevel),
    );
  };
  const contact = claim(inputs.contact, 'both', (open) => monitor?.contactChanged(open));
  const rex = claim(inputs.rex, 'active', () => monitor?.rexPressed());
  const tamper = claim(inputs.tamper, 'both', (active) => monitor?.tamperChanged(active));
  monitor = new DoorMonitor(config, lock, clock, {
    open: contact !== undefined && contact.read() === inputs.contact?.activeLevel,
    tamper: tamper !== undefined && tamper.read() === inputs.tamper?.activeLevel,
  });
  return { monitor, lines: { contact, rex, tamper } };
}
