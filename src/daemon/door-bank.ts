/**
 * The doors of this controller: one relay per door (claimed in its safe state the moment it is
 * built), the door monitor on its contact/REX inputs, and each reader's LED/beeper. The decision
 * stage only asks it to grant, deny or open; every transition and alarm goes to the journal.
 */
import type { DoorConfig, ReaderConfig } from '../config/config-schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { BoardProfile } from '../io/board-profile.ts';
import { createMonitoredDoor, type DoorInputsConfig } from '../io/door-inputs.ts';
import { DEFAULT_DOOR_TIMING, type DoorEvent, type DoorMonitor } from '../io/door-monitor.ts';
import type { GpioPort } from '../io/gpio/gpio-port.ts';
import { RelayController, safeStateAll, type RelayTransition } from '../io/relay.ts';
import { DEFAULT_FEEDBACK_TIMING, ReaderFeedback } from '../io/reader-feedback.ts';
import type { DoorAlarm, DoorStatus } from '../service/doors.ts';
import type { ReaderId } from '../wiegand/types.ts';

export interface DoorBankEvents {
  relay(t: RelayTransition, door: number): void;
  door(e: DoorEvent, door: number): void;
}

const ALARM_AFTER: Partial<Record<DoorEvent['type'], DoorAlarm>> = {
  door_forced: 'forced',
  door_held_prealarm: 'prealarm',
  door_held_alarm: 'held_open',
  door_closed: 'none',
};

export interface DoorBank {
  readonly doorIds: readonly number[];
  /** Unlock the given doors for their configured pulse (after the caller committed any pass). */
  grant(doors: readonly number[]): void;
  feedback(reader: ReaderId, signal: 'grant' | 'deny'): void;
  /** Every relay to its safe state; returns the number of relays that failed to get there. */
  safeState(): number;
  relayState(door: number): 'locked' | 'unlocked' | undefined;
  doorOpen(door: number): boolean | undefined;
  /** Every door's lock, contact and alarm state, for the admin API. */
  status(): DoorStatus[];
  dispose(): void;
}

/** Switch inputs: closed to ground with the pull-up, so "active" (pressed, tampered) reads low. */
const SWITCH_DEBOUNCE_MS = 30;

export function createDoorBank(opts: {
  port: GpioPort;
  board: BoardProfile;
  doors: readonly DoorConfig[];
  readers: readonly ReaderConfig[];
  tamper: boolean;
  clock: Clock;
  logger: Logger;
  events: DoorBankEvents;
}): DoorBank {
  const { port, board, clock, events } = opts;
  const relays = new Map<number, RelayController>();
  const monitors = new Map<number, DoorMonitor>();
  const pulseMs = new Map<number, number>();
  const hasContact = new Set<number>();
  const alarms = new Map<number, DoorAlarm>();

  // Relays first: nothing else may run before every lock is in its safe state.
  for (const d of opts.doors) {
    const pins = board.doors.find((b) => b.door === d.id);
    if (!pins) throw new Error(`board ${board.name} has no pins for door ${d.id}`);
    const relay = new RelayController(
      port,
      { name: `door${d.id}`, pin: pins.relay, polarity: d.relayPolarity, lockType: d.lockType, contact: d.relayContact, pulseMs: d.pulseMs },
      clock,
    );
    relay.onTransition((t) => events.relay(t, d.id));
    relays.set(d.id, relay);
    pulseMs.set(d.id, d.pulseMs);
  }

  opts.doors.forEach((d, i) => {
    const pins = board.doors.find((b) => b.door === d.id)!;
    const inputs: DoorInputsConfig = {
      contact: d.contact && pins.contact !== undefined
        ? { pin: pins.contact, activeLevel: d.contactOpenLevel, debounceMs: SWITCH_DEBOUNCE_MS, pull: 'up' }
        : undefined,
      rex: d.rex !== 'none' && pins.rex !== undefined ? { pin: pins.rex, activeLevel: 0, debounceMs: SWITCH_DEBOUNCE_MS, pull: 'up' } : undefined,
      // One tamper switch per enclosure: reported with the first door.
      tamper: i === 0 && opts.tamper && board.tamper !== undefined ? { pin: board.tamper, activeLevel: 0, debounceMs: SWITCH_DEBOUNCE_MS, pull: 'up' } : undefined,
    };
    const { monitor } = createMonitoredDoor(
      port,
      relays.get(d.id)!,
      clock,
      {
        ...DEFAULT_DOOR_TIMING,
        door: `door${d.id}`,
        unlockMs: d.pulseMs,
        rexUnlockMs: d.rexPulseMs,
        heldOpenPreAlarmMs: d.heldOpenPreAlarmMs,
        heldOpenAlarmMs: d.heldOpenAlarmMs,
        cancelRelockOnOpen: d.cancelRelockOnOpen,
        rexMode: d.rex === 'monitor' ? 'monitor' : 'unlock',
      },
      inputs,
    );
    if (inputs.contact) hasContact.add(d.id);
    monitor.onEvent((e) => {
      const alarm = ALARM_AFTER[e.type];
      // A forced door stays forced through the held-open timers until it closes.
      if (alarm !== undefined && !(alarms.get(d.id) === 'forced' && alarm !== 'none')) alarms.set(d.id, alarm);
      events.door(e, d.id);
    });
    monitors.set(d.id, monitor);
  });

  const feedback = new Map<ReaderId, ReaderFeedback>();
  for (const r of opts.readers) {
    if (r.capture.type === 'serial') continue; // LED/beeper wires of a serial reader are not on the Pi
    const pins = board.readers[(r.boardReader ?? r.door) - 1];
    if (!pins) continue;
    feedback.set(
      r.id,
      new ReaderFeedback(
        port,
        {
          ...DEFAULT_FEEDBACK_TIMING,
          greenLed: pins.led !== undefined ? { pin: pins.led, activeLevel: 1 } : undefined,
          beeper: pins.beeper !== undefined ? { pin: pins.beeper, activeLevel: 1 } : undefined,
        },
        clock,
      ),
    );
  }

  return {
    doorIds: [...relays.keys()],
    grant(doors) {
      for (const id of doors) monitors.get(id)?.grant(pulseMs.get(id));
    },
    feedback(reader, signal) {
      feedback.get(reader)?.show(signal);
    },
    safeState: () => safeStateAll(relays.values(), opts.logger),
    relayState: (door) => relays.get(door)?.state,
    doorOpen: (door) => monitors.get(door)?.isOpen,
    status: () => {
      const tamper = [...monitors.values()].some((m) => m.tamper);
      return [...relays.entries()].map(([door, relay]) => {
        const monitor = monitors.get(door);
        return {
          door,
          lock: relay.state,
          contact: !hasContact.has(door) ? 'unknown' : monitor?.isOpen ? 'open' : 'closed',
          alarm: alarms.get(door) ?? 'none',
          tamper,
        };
      });
    },
    dispose() {
      for (const m of monitors.values()) m.dispose();
      for (const f of feedback.values()) f.reset();
    },
  };
}
