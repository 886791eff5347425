/**
 * Remote open: the daemon owns the relays and passes in `openDoor`; the service checks the lock,
 * journals who asked, and reports what the daemon answered.
 */
import type { Clock } from '../core/clock.ts';
import type { LockScope } from '../access/lock-scope.ts';
import type { Principal, JournalSink } from './auth.ts';

export const NO_CONTROLLER = 'no door controller attached';

export type OpenDoorOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Provided by the daemon: pulse the relay(s) of `lock` for `caller`. */
export type OpenDoor = (lock: LockScope, caller: Principal) => Promise<OpenDoorOutcome> | OpenDoorOutcome;

export interface DoorsServiceDeps {
  readonly clock: Clock;
  readonly journal: JournalSink;
  readonly openDoor?: OpenDoor;
}

/** Alarm of one door, from the door monitor's events: cleared when the door closes. */
export type DoorAlarm = 'none' | 'prealarm' | 'held_open' | 'forced';

/** One door as the daemon's door bank reports it. */
export interface DoorStatus {
  readonly door: number;
  readonly lock: 'locked' | 'unlocked';
  /** `unknown` when no contact input is wired for the door. */
  readonly contact: 'open' | 'closed' | 'unknown';
  readonly alarm: DoorAlarm;
  /** The enclosure's tamper switch (one per controller, so the same on every door). */
  readonly tamper: boolean;
}

export type DoorsService = ReturnType<typeof createDoorsService>;

export function createDoorsService(deps: DoorsServiceDeps) {
  return {
    async open(lock: LockScope, caller: Principal): Promise<OpenDoorOutcome> {
      const outcome: OpenDoorOutcome = deps.openDoor
        ? await deps.openDoor(lock, caller)
        : { ok: false, reason: NO_CONTROLLER };
      deps.journal.append({
        ts: deps.clock.now(),
        type: 'remote_open',
        door: lock,
        reason: outcome.ok ? 'granted' : outcome.reason,
        details: { caller: caller.name, caller_kind: caller.kind, role: caller.role },
      });
      return outcome;
    },
  };
}
