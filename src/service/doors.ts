/**
 * Remote open: the daemon owns the relays and passes in `openDoor`; the service checks the lock,
 * journals who asked, and reports what the daemon answered.
 */
import type { Clock } from '../core/clock.ts';
import type { LockScope } from '../access/lock-scope.ts';
import type { Principal, JournalSink } from './auth.ts';

export type OpenDoorOutcome = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Provided by the daemon: pulse the relay(s) of `lock` for `caller`. */
export type OpenDoor = (lock: LockScope, caller: Principal) => Promise<OpenDoorOutcome> | OpenDoorOutcome;

export interface DoorsServiceDeps {
  readonly clock: Clock;
  readonly journal: JournalSink;
  readonly openDoor?: OpenDoor;
}

export type DoorsService = ReturnType<typeof createDoorsService>;

export function createDoorsService(deps: DoorsServiceDeps) {
  return {
    async open(lock: LockScope, caller: Principal): Promise<OpenDoorOutcome> {
      const outcome: OpenDoorOutcome = deps.openDoor
        ? await deps.openDoor(lock, caller)
        : { ok: false, reason: 'no door controller attached' };
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
