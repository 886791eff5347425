/**
 * Simulated GPIO: every line lives in memory, every change is an observable transition (event
 * emitter + log), and the whole pin table is rewritten synchronously to a small JSON file on each
 * change (write to a temp file, then rename, so a reader never sees half a file). A test can
 * SIGKILL the daemon and still read which level each relay line was last driven to.
 * Inputs are driven from outside with `drive()` (tests, the door simulator).
 */
import { EventEmitter } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../../core/clock.ts';
import { silentLogger } from '../../core/logger.ts';
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

export type SimDirection = 'out' | 'in';
export type SimTransitionKind = 'claim' | 'write' | 'drive' | 'release';

export interface SimTransition {
  readonly seq: number;
  readonly atMs: number;
  readonly pin: number;
  readonly direction: SimDirection;
  readonly kind: SimTransitionKind;
  readonly level: Level;
}

export interface SimPinState {
  readonly direction: SimDirection;
  readonly level: Level;
  readonly claimed: boolean;
  readonly changedAtMs: number;
}

export interface SimGpioStateFile {
  readonly version: 1;
  readonly seq: number;
  readonly updatedAtMs: number;
  readonly pins: Record<string, SimPinState>;
}

export interface SimGpioPortOptions extends GpioPortCommonOptions {
  readonly clock: Clock;
  /** Where the pin table is persisted (e.g. data/sim-gpio.json); omit for memory only. */
  readonly stateFile?: string;
  /** Level an unclaimed input starts at before anything drives it (default 1: pulled-up contact). */
  readonly defaultInputLevel?: Level;
}

interface SimInput {
  raw: Level;
  readonly debouncer: Debouncer;
}

/** How many transitions `transitions()` keeps for inspection (memory stays bounded over a long run). */
export const SIM_TRANSITION_HISTORY = 10_000;

export class SimGpioPort implements GpioPort {
  readonly backend = 'sim' as const;
  /** Emits 'transition' (SimTransition) for every claim, change and release. */
  readonly events = new EventEmitter();
  private readonly log: SimTransition[] = [];
  private readonly pins = new Map<number, SimPinState>();
  private readonly inputs = new Map<number, SimInput>();
  private seq = 0;
  private persistFailures = 0;
  private stateFd: number | undefined;
  private stateBytes = 0;

  constructor(private readonly opts: SimGpioPortOptions) {
    if (opts.stateFile !== undefined) mkdirSync(dirname(opts.stateFile), { recursive: true });
  }

  output(pin: number, initial: Level): OutputLine {
    this.record(pin, 'out', 'claim', initial);
    return {
      pin,
      write: (level) => {
        if (this.pins.get(pin)?.level !== level) this.record(pin, 'out', 'write', level);
      },
      read: () => this.pins.get(pin)?.level ?? initial,
    };
  }

  input(pin: number, opts: InputOptions, onChange: InputChangeHandler): InputLine {
    const initial = this.pins.get(pin)?.level ?? this.opts.defaultInputLevel ?? 1;
    const debouncer = new Debouncer(this.opts.clock, opts.debounceMs, initial, (level) => {
      if (edgeWanted(opts.edge, level)) onChange(level);
    });
    this.inputs.set(pin, { raw: initial, debouncer });
    this.record(pin, 'in', 'claim', initial);
    return { pin, read: () => debouncer.level() };
  }

  /** Sets the electrical level seen on an input pin (before debounce), like a real contact would. */
  drive(pin: number, level: Level): void {
    const input = this.inputs.get(pin);
    if (input === undefined) {
      this.logger().warn({ bcmPin: pin }, 'sim: drive() on a pin that is not a claimed input');
      return;
    }
    if (input.raw !== level) {
      input.raw = level;
      this.record(pin, 'in', 'drive', level);
    }
    input.debouncer.sample(level);
  }

  /** Current level of any pin (outputs: last written; inputs: last driven raw level). */
  level(pin: number): Level | undefined {
    return this.pins.get(pin)?.level;
  }

  /** The most recent transitions (at most SIM_TRANSITION_HISTORY), oldest first. */
  transitions(pin?: number): readonly SimTransition[] {
    return pin === undefined ? [...this.log] : this.log.filter((t) => t.pin === pin);
  }

  failedPersists(): number {
    return this.persistFailures;
  }

  async close(): Promise<void> {
    for (const input of this.inputs.values()) input.debouncer.dispose();
    this.inputs.clear();
    for (const [pin, state] of [...this.pins]) {
      if (state.claimed) this.record(pin, state.direction, 'release', state.level);
    }
    if (this.stateFd !== undefined) closeSync(this.stateFd);
    this.stateFd = undefined;
  }

  private record(pin: number, direction: SimDirection, kind: SimTransitionKind, level: Level): void {
    const atMs = this.opts.clock.now();
    const t: SimTransition = { seq: ++this.seq, atMs, pin, direction, kind, level };
    this.pins.set(pin, { direction, level, claimed: kind !== 'release', changedAtMs: atMs });
    this.log.push(t);
    // A simulated door runs for days on a dev box or demo: keep a window, not every transition.
    if (this.log.length > SIM_TRANSITION_HISTORY) this.log.splice(0, this.log.length - SIM_TRANSITION_HISTORY / 2);
    this.persist(atMs);
    this.events.emit('transition', t);
  }

  /**
   * Rewrites the state file in place: one write of whole 4 KiB pages at offset 0 into a file kept
   * open, padded with spaces (valid JSON whitespace) so it never needs truncating. Relays and LEDs
   * change several times per card, on the card path: a temp file plus rename cost ~1–2 ms each
   * (p99 ~8 ms on a busy disk); this costs tens of µs. The page cache keeps the last write when the
   * process is killed, which is all the file models (the lines' levels after the process is gone).
   */
  private persist(atMs: number): void {
    const file = this.opts.stateFile;
    if (file === undefined) return;
    const state: SimGpioStateFile = {
      version: 1,
      seq: this.seq,
      updatedAtMs: atMs,
      pins: Object.fromEntries([...this.pins].map(([pin, s]) => [String(pin), s])),
    };
    try {
      const json = Buffer.from(JSON.stringify(state, null, 1));
      this.stateBytes = Math.max(this.stateBytes, Math.ceil((json.length + 1) / STATE_PAGE) * STATE_PAGE);
      const page = Buffer.alloc(this.stateBytes, 0x20);
      json.copy(page);
      this.stateFd ??= openSync(file, 'w');
      writeSync(this.stateFd, page, 0, page.length, 0);
    } catch (err) {
      this.persistFailures++;
      this.logger().error({ err, file }, 'sim: could not persist GPIO state');
    }
  }

  private logger() {
    return this.opts.logger ?? silentLogger;
  }
}

const STATE_PAGE = 4096;

/**
 * Reads a state file written by SimGpioPort (for tests and `doorctl` diagnostics). The file is
 * rewritten in place, so a read racing a write can see a mix of two states: it is read again.
 */
export function readSimGpioState(path: string): SimGpioStateFile {
  for (let attempt = 1; ; attempt++) {
    try {
      return JSON.parse(readFileSync(path, 'utf8')) as SimGpioStateFile;
    } catch (err) {
      if (attempt >= 5 || !(err instanceof SyntaxError)) throw err;
    }
  }
}
