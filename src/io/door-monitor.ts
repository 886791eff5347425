/**
 * Door supervision as a pure state machine: it is told about grants, door-contact changes, REX
 * presses and tamper changes, drives the lock through a small actuator interface, and emits typed
 * events for the journal. Time comes from the injected Clock; no GPIO here (see door-inputs.ts).
 *
 * - A grant pulses the lock and opens an access window; an opening inside it is authorised.
 *   With `cancelRelockOnOpen` the lock relocks as soon as the door opens (the strike then catches
 *   the latch when the door closes), which also ends the window.
 * - An opening with no grant or REX window is a forced-open alarm.
 * - An open door starts the held-open timers: pre-alarm, then alarm; closing clears them.
 * - REX either unlocks (pulse) or only authorises the opening (monitor mode: free mechanical egress).
 */
import type { Clock, TimerHandle } from '../core/clock.ts';

export interface DoorTiming {
  /** Lock pulse on a grant. */
  readonly unlockMs: number;
  /** Lock pulse (mode "unlock") or authorisation window (mode "monitor") after a REX press. */
  readonly rexUnlockMs: number;
  /** Extra time after the pulse in which an opening still counts as authorised (slow handles). */
  readonly openGraceMs: number;
  readonly heldOpenPreAlarmMs: number;
  readonly heldOpenAlarmMs: number;
}

export interface DoorMonitorConfig extends DoorTiming {
  readonly door: string;
  readonly cancelRelockOnOpen: boolean;
  readonly rexMode: 'unlock' | 'monitor';
}

export const DEFAULT_DOOR_TIMING: DoorTiming = {
  unlockMs: 3000,
  rexUnlockMs: 5000,
  openGraceMs: 1000,
  heldOpenPreAlarmMs: 20_000,
  heldOpenAlarmMs: 30_000,
};

/** What the monitor needs from a lock (RelayController fits). */
export interface LockActuator {
  pulse(durationMs?: number): void;
  lock(): void;
}

export type AccessSource = 'grant' | 'rex';

export type DoorEvent =
  | { readonly type: 'door_opened'; readonly door: string; readonly atMs: number; readonly authorisedBy: AccessSource | null }
  | { readonly type: 'door_closed'; readonly door: string; readonly atMs: number; readonly openForMs: number }
  | { readonly type: 'door_held_prealarm'; readonly door: string; readonly atMs: number; readonly openForMs: number }
  | { readonly type: 'door_held_alarm'; readonly door: string; readonly atMs: number; readonly openForMs: number }
  | { readonly type: 'door_forced'; readonly door: string; readonly atMs: number }
  | { readonly type: 'rex'; readonly door: string; readonly atMs: number; readonly action: 'unlock' | 'monitor' }
  | { readonly type: 'tamper'; readonly door: string; readonly atMs: number; readonly active: boolean };

export type DoorEventType = DoorEvent['type'];
export type DoorEventListener = (event: DoorEvent) => void;

export class DoorMonitor {
  private open: boolean;
  private openedAtMs = 0;
  private accessUntilMs = -Infinity;
  private accessBy: AccessSource | null = null;
  private tamperActive = false;
  private readonly heldTimers: TimerHandle[] = [];
  private readonly listeners = new Set<DoorEventListener>();

  constructor(
    readonly config: DoorMonitorConfig,
    private readonly lock: LockActuator,
    private readonly clock: Clock,
    initial: { open: boolean; tamper?: boolean } = { open: false },
  ) {
    if (!(config.heldOpenAlarmMs > config.heldOpenPreAlarmMs)) {
      throw new Error(`door ${config.door}: heldOpenAlarmMs must be greater than heldOpenPreAlarmMs`);
    }
    this.open = initial.open;
    this.tamperActive = initial.tamper ?? false;
    // A door already open at start-up is not "forced" (we did not see it open) but may be propped.
    if (this.open) {
      this.openedAtMs = clock.now();
      this.startHeldTimers();
    }
  }

  get isOpen(): boolean {
    return this.open;
  }

  get tamper(): boolean {
    return this.tamperActive;
  }

  onEvent(listener: DoorEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Access granted by the rules engine: unlock and authorise the next opening. */
  grant(unlockMs: number = this.config.unlockMs): void {
    this.lock.pulse(unlockMs);
    this.authorise('grant', unlockMs);
  }

  rexPressed(): void {
    const action = this.config.rexMode;
    this.emit({ type: 'rex', door: this.config.door, atMs: this.clock.now(), action });
    if (action === 'unlock') this.lock.pulse(this.config.rexUnlockMs);
    this.authorise('rex', this.config.rexUnlockMs);
  }

  contactChanged(open: boolean): void {
    if (open === this.open) return;
    this.open = open;
    const now = this.clock.now();
    if (open) {
      this.openedAtMs = now;
      const authorisedBy = now <= this.accessUntilMs ? this.accessBy : null;
      this.emit({ type: 'door_opened', door: this.config.door, atMs: now, authorisedBy });
      if (authorisedBy === null) {
        this.emit({ type: 'door_forced', door: this.config.door, atMs: now });
      } else if (this.config.cancelRelockOnOpen) {
        this.lock.lock();
        this.accessUntilMs = -Infinity;
      }
      this.startHeldTimers();
    } else {
      this.clearHeldTimers();
      this.emit({ type: 'door_closed', door: this.config.door, atMs: now, openForMs: now - this.openedAtMs });
    }
  }

  tamperChanged(active: boolean): void {
    if (active === this.tamperActive) return;
    this.tamperActive = active;
    this.emit({ type: 'tamper', door: this.config.door, atMs: this.clock.now(), active });
  }

  dispose(): void {
    this.clearHeldTimers();
    this.listeners.clear();
  }

  private authorise(by: AccessSource, pulseMs: number): void {
    this.accessBy = by;
    this.accessUntilMs = this.clock.now() + pulseMs + this.config.openGraceMs;
  }

  private startHeldTimers(): void {
    this.clearHeldTimers();
    const held = (type: 'door_held_prealarm' | 'door_held_alarm', ms: number) =>
      this.clock.setTimeout(() => {
        const now = this.clock.now();
        this.emit({ type, door: this.config.door, atMs: now, openForMs: now - this.openedAtMs });
      }, ms);
    this.heldTimers.push(
      held('door_held_prealarm', this.config.heldOpenPreAlarmMs),
      held('door_held_alarm', this.config.heldOpenAlarmMs),
    );
  }

  private clearHeldTimers(): void {
    for (const t of this.heldTimers.splice(0)) this.clock.clearTimeout(t);
  }

  private emit(event: DoorEvent): void {
    for (const l of this.listeners) l(event);
  }
}
