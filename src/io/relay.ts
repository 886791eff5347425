/**
 * Lock relays. Three wiring facts decide which GPIO level locks the door:
 *  - relay module polarity: active-high (line 1 energises the coil) or active-low (line 0 does;
 *    most cheap opto-isolated modules);
 *  - which relay contact feeds the lock: NO (lock powered while the coil is on) or NC (lock
 *    powered while the coil is off);
 *  - lock type: a fail-SECURE strike is locked when unpowered; a fail-SAFE maglock is locked
 *    when powered.
 *
 * The SAFE state is always "locked". With the usual NO wiring that means: fail-secure strike →
 * safe = lock de-energised (coil off); fail-safe maglock → safe = lock energised (coil ON).
 *
 * Trade-off: the controller can only hold a state while it is alive. When it crashes or its GPIO
 * line is released (chardev backend), the relay coil drops. A fail-secure strike then stays
 * locked, which is what we want. A fail-safe maglock on an NO contact stays locked only while the
 * coil is held energised, so a crash UNLOCKS it. Wiring the maglock through the NC contact makes
 * "coil off" = locked instead, so a crash keeps it locked; fire-code release must then come from
 * the fire panel cutting the lock supply directly, never from this controller.
 */
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { GpioPort, Level, OutputLine } from './gpio/gpio-port.ts';

export type RelayPolarity = 'active-high' | 'active-low';
export type LockType = 'fail-secure' | 'fail-safe';
export type RelayContact = 'NO' | 'NC';
export type LockState = 'locked' | 'unlocked';
export type RelayTransitionReason = 'pulse' | 'pulse-end' | 'unlock' | 'lock' | 'safe';

export interface RelayConfig {
  /** Name for logs and the journal, e.g. "door1". */
  readonly name: string;
  /** BCM pin driving the relay module input. */
  readonly pin: number;
  readonly polarity: RelayPolarity;
  readonly lockType: LockType;
  /** Relay contact the lock supply runs through (default NO). */
  readonly contact?: RelayContact;
  /** Default unlock pulse length. */
  readonly pulseMs: number;
}

export interface RelayTransition {
  readonly relay: string;
  readonly state: LockState;
  readonly level: Level;
  readonly coilEnergised: boolean;
  readonly lockEnergised: boolean;
  readonly reason: RelayTransitionReason;
  readonly atMs: number;
}

/** Lock power needed for a state: strikes need power to open, maglocks need power to hold. */
export function lockEnergisedFor(lockType: LockType, state: LockState): boolean {
  return lockType === 'fail-safe' ? state === 'locked' : state === 'unlocked';
}

/** Coil state that gives the lock that power through the chosen contact. */
export function coilEnergisedFor(cfg: Pick<RelayConfig, 'lockType' | 'contact'>, state: LockState): boolean {
  const lockPowered = lockEnergisedFor(cfg.lockType, state);
  return (cfg.contact ?? 'NO') === 'NO' ? lockPowered : !lockPowered;
}

/** GPIO level that puts the lock in `state`. */
export function lineLevelFor(cfg: Pick<RelayConfig, 'lockType' | 'contact' | 'polarity'>, state: LockState): Level {
  const coilOn = coilEnergisedFor(cfg, state);
  const activeLevel: Level = cfg.polarity === 'active-high' ? 1 : 0;
  return coilOn ? activeLevel : activeLevel === 1 ? 0 : 1;
}

/** GPIO level of the safe (locked) state. */
export function safeLevel(cfg: Pick<RelayConfig, 'lockType' | 'contact' | 'polarity'>): Level {
  return lineLevelFor(cfg, 'locked');
}

export type RelayTransitionListener = (t: RelayTransition) => void;

export class RelayController {
  private readonly line: OutputLine;
  private current: LockState = 'locked';
  private pulseTimer: TimerHandle | undefined;
  private readonly listeners = new Set<RelayTransitionListener>();

  /** Claims the line already at the safe level, before anything else can touch it. */
  constructor(
    port: GpioPort,
    readonly config: RelayConfig,
    private readonly clock: Clock,
  ) {
    if (!(config.pulseMs > 0)) throw new Error(`relay ${config.name}: pulseMs must be > 0`);
    this.line = port.output(config.pin, safeLevel(config));
  }

  get state(): LockState {
    return this.current;
  }

  /** Current GPIO level of the relay line. */
  get level(): Level {
    return this.line.read();
  }

  onTransition(listener: RelayTransitionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Unlocks for `durationMs` (default from config); a new pulse during one restarts the timer. */
  pulse(durationMs: number = this.config.pulseMs): void {
    this.cancelPulse();
    this.set('unlocked', 'pulse');
    this.pulseTimer = this.clock.setTimeout(() => {
      this.pulseTimer = undefined;
      this.set('locked', 'pulse-end');
    }, Math.max(0, durationMs));
  }

  /** Latched unlock (e.g. a schedule holding the door open) until lock() or toSafeState(). */
  unlock(): void {
    this.cancelPulse();
    this.set('unlocked', 'unlock');
  }

  lock(): void {
    this.cancelPulse();
    this.set('locked', 'lock');
  }

  /** Locks and re-drives the safe level even if already locked (shutdown, fatal errors). */
  toSafeState(): void {
    this.cancelPulse();
    this.set('locked', 'safe', true);
  }

  private cancelPulse(): void {
    if (this.pulseTimer !== undefined) this.clock.clearTimeout(this.pulseTimer);
    this.pulseTimer = undefined;
  }

  private set(state: LockState, reason: RelayTransitionReason, force = false): void {
    if (state === this.current && !force) return;
    const level = lineLevelFor(this.config, state);
    this.line.write(level);
    const changed = state !== this.current;
    this.current = state;
    // A forced safe-state is always reported: the journal should show that shutdown locked up.
    if (!changed && !force) return;
    const t: RelayTransition = {
      relay: this.config.name,
      state,
      level,
      coilEnergised: coilEnergisedFor(this.config, state),
      lockEnergised: lockEnergisedFor(this.config.lockType, state),
      reason,
      atMs: this.clock.now(),
    };
    for (const l of this.listeners) l(t);
  }
}

/**
 * Puts every relay in its safe state; one failing relay does not stop the others.
 * Call from SIGTERM/SIGINT handlers and fatal-error paths before closing the GPIO port.
 */
export function safeStateAll(relays: Iterable<RelayController>, logger?: Logger): number {
  let failures = 0;
  for (const relay of relays) {
    try {
      relay.toSafeState();
    } catch (err) {
      failures++;
      logger?.error({ err, relay: relay.config.name }, 'could not put relay in its safe state');
    }
  }
  return failures;
}
