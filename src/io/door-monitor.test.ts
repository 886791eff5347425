import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { DoorMonitor, type DoorEvent, type DoorMonitorConfig } from './door-monitor.ts';
import { SimGpioPort } from './gpio/sim-port.ts';
import { RelayController } from './relay.ts';

function setup(over: Partial<DoorMonitorConfig> = {}, initial?: { open: boolean }) {
  const clock = new ManualClock();
  const port = new SimGpioPort({ clock });
  const relay = new RelayController(
    port,
    { name: 'door1', pin: 17, polarity: 'active-high', lockType: 'fail-secure', pulseMs: 3000 },
    clock,
  );
  const config: DoorMonitorConfig = {
    door: 'door1',
    cancelRelockOnOpen: false,
    rexMode: 'unlock',
    unlockMs: 3000,
    rexUnlockMs: 5000,
    openGraceMs: 1000,
    heldOpenPreAlarmMs: 20_000,
    heldOpenAlarmMs: 30_000,
    ...over,
  };
  const monitor = new DoorMonitor(config, relay, clock, initial);
  const events: DoorEvent[] = [];
  monitor.onEvent((e) => events.push(e));
  const types = () => events.map((e) => e.type);
  return { clock, relay, monitor, events, types };
}

describe('DoorMonitor', () => {
  it('grant then open: authorised opening, lock pulses for the grant time', () => {
    const { clock, relay, monitor, events, types } = setup();
    monitor.grant();
    expect(relay.state).toBe('unlocked');
    clock.advanceMs(1500);
    monitor.contactChanged(true);
    expect(events).toEqual([{ type: 'door_opened', door: 'door1', atMs: clock.now(), authorisedBy: 'grant' }]);
    expect(relay.state).toBe('unlocked');
    clock.advanceMs(1500);
    expect(relay.state).toBe('locked');
    clock.advanceMs(2000);
    monitor.contactChanged(false);
    expect(types()).toEqual(['door_opened', 'door_closed']);
    expect(events[1]).toMatchObject({ openForMs: 3500 });
  });

  it('cancel on open relocks at once and ends the access window', () => {
    const { clock, relay, monitor, types } = setup({ cancelRelockOnOpen: true });
    monitor.grant();
    clock.advanceMs(500);
    monitor.contactChanged(true);
    expect(relay.state).toBe('locked');
    clock.advanceMs(500);
    monitor.contactChanged(false);
    clock.advanceMs(200);
    monitor.contactChanged(true);
    expect(types()).toEqual(['door_opened', 'door_closed', 'door_opened', 'door_forced']);
  });

  it('an opening within the grace period after the pulse is still authorised; after it, forced', () => {
    const a = setup();
    a.monitor.grant();
    a.clock.advanceMs(3999);
    a.monitor.contactChanged(true);
    expect(a.events[0]).toMatchObject({ type: 'door_opened', authorisedBy: 'grant' });
    const b = setup();
    b.monitor.grant();
    b.clock.advanceMs(4001);
    b.monitor.contactChanged(true);
    expect(b.types()).toEqual(['door_opened', 'door_forced']);
    expect(b.events[0]).toMatchObject({ authorisedBy: null });
  });

  it('held open: pre-alarm, then alarm, with the open time', () => {
    const { clock, monitor, events, types } = setup();
    monitor.grant();
    monitor.contactChanged(true);
    clock.advanceMs(19_999);
    expect(types()).toEqual(['door_opened']);
    clock.advanceMs(1);
    expect(events[1]).toMatchObject({ type: 'door_held_prealarm', openForMs: 20_000 });
    clock.advanceMs(10_000);
    expect(events[2]).toMatchObject({ type: 'door_held_alarm', openForMs: 30_000 });
    monitor.contactChanged(false);
    expect(types()).toEqual(['door_opened', 'door_held_prealarm', 'door_held_alarm', 'door_closed']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('closing before the pre-alarm cancels the held timers', () => {
    const { clock, monitor, types } = setup();
    monitor.grant();
    monitor.contactChanged(true);
    clock.advanceMs(10_000);
    monitor.contactChanged(false);
    clock.advanceMs(60_000);
    expect(types()).toEqual(['door_opened', 'door_closed']);
  });

  it('forced open with no grant, and the held timers still run', () => {
    const { clock, relay, monitor, types } = setup();
    monitor.contactChanged(true);
    expect(types()).toEqual(['door_opened', 'door_forced']);
    expect(relay.state).toBe('locked');
    clock.advanceMs(30_000);
    expect(types()).toEqual(['door_opened', 'door_forced', 'door_held_prealarm', 'door_held_alarm']);
  });

  it('REX in unlock mode pulses the lock and authorises the opening', () => {
    const { clock, relay, monitor, events, types } = setup({ rexMode: 'unlock' });
    monitor.rexPressed();
    expect(events[0]).toMatchObject({ type: 'rex', action: 'unlock' });
    expect(relay.state).toBe('unlocked');
    clock.advanceMs(4000);
    monitor.contactChanged(true);
    expect(types()).toEqual(['rex', 'door_opened']);
    expect(events[1]).toMatchObject({ authorisedBy: 'rex' });
    clock.advanceMs(1000);
    expect(relay.state).toBe('locked');
  });

  it('REX in monitor mode authorises the opening without unlocking', () => {
    const { clock, relay, monitor, events, types } = setup({ rexMode: 'monitor' });
    monitor.rexPressed();
    expect(relay.state).toBe('locked');
    clock.advanceMs(2000);
    monitor.contactChanged(true);
    expect(types()).toEqual(['rex', 'door_opened']);
    expect(events[0]).toMatchObject({ action: 'monitor' });
    expect(events[1]).toMatchObject({ authorisedBy: 'rex' });
  });

  it('tamper reports changes only', () => {
    const { monitor, events } = setup();
    monitor.tamperChanged(true);
    monitor.tamperChanged(true);
    monitor.tamperChanged(false);
    expect(events.map((e) => (e.type === 'tamper' ? e.active : e.type))).toEqual([true, false]);
    expect(monitor.tamper).toBe(false);
  });

  it('ignores repeated contact levels', () => {
    const { monitor, types } = setup();
    monitor.contactChanged(false);
    monitor.grant();
    monitor.contactChanged(true);
    monitor.contactChanged(true);
    expect(types()).toEqual(['door_opened']);
  });

  it('a door already open at start-up is not forced but still alarms when held', () => {
    const { clock, monitor, types } = setup({}, { open: true });
    expect(monitor.isOpen).toBe(true);
    clock.advanceMs(30_000);
    expect(types()).toEqual(['door_held_prealarm', 'door_held_alarm']);
  });

  it('rejects an alarm time not after the pre-alarm', () => {
    expect(() => setup({ heldOpenPreAlarmMs: 30_000, heldOpenAlarmMs: 30_000 })).toThrow(/heldOpenAlarmMs/);
  });
});
