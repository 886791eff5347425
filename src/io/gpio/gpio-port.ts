/**
 * The one GPIO interface the rest of doorctl uses for relays, LEDs, beepers, door contacts, REX
 * buttons and tamper switches. Pins are BCM numbers; each backend maps them to its own numbering.
 * (Wiegand data lines need edge timestamps and have their own backends in src/wiegand.)
 */
import type { Logger } from '../../core/logger.ts';

export type Level = 0 | 1;
export type InputEdge = 'rising' | 'falling' | 'both';
export type InputPull = 'up' | 'down' | 'none';

export interface InputOptions {
  /** Which level changes to report. */
  readonly edge: InputEdge;
  /** A new level is reported only after it has been stable this long (0 = report at once). */
  readonly debounceMs: number;
  /** Bias resistor; undefined leaves the hardware default (not every backend can set it). */
  readonly pull?: InputPull;
}

export interface OutputLine {
  readonly pin: number;
  /** Drives the line. Never throws: failures are logged and counted by the backend. */
  write(level: Level): void;
  /** The level last requested. */
  read(): Level;
}

export interface InputLine {
  readonly pin: number;
  /** Last known (debounced) level. */
  read(): Level;
}

export type InputChangeHandler = (level: Level) => void;

export type GpioBackendName = 'onoff' | 'chardev' | 'sim';

export interface GpioPort {
  readonly backend: GpioBackendName;
  /** Claims an output and drives `initial` from the first instant (no glitch to the other level). */
  output(pin: number, initial: Level): OutputLine;
  /** Claims an input; `onChange` receives debounced levels filtered by `opts.edge`. */
  input(pin: number, opts: InputOptions, onChange: InputChangeHandler): InputLine;
  /** Releases every line. What a released output does is backend- and wiring-specific (see WIRING.md). */
  close(): Promise<void>;
}

/** Options every backend accepts. */
export interface GpioPortCommonOptions {
  readonly logger?: Logger;
}

/** Whether a debounced level change should be reported for the requested edge. */
export function edgeWanted(edge: InputEdge, level: Level): boolean {
  return edge === 'both' || (edge === 'rising' ? level === 1 : level === 0);
}
