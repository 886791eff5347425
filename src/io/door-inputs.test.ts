import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { createMonitoredDoor } from './door-inputs.ts';
import type { DoorEvent, DoorMonitorConfig } from './door-monitor.ts';
import { readSimGpioState, SimGpioPort } from './gpio/sim-port.ts';
import { RelayController } from './relay.ts';

const dir = mkdtempSync(join(tmpdir(), 'doorctl-door-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config: DoorMonitorConfig = {
  door: 'door1',
  cancelRelockOnOpen: true,
  rexMode: 'unlock',
  unlockMs: 3000,
  rexUnlockMs: 5000,
  openGraceMs: 1000,
  heldOpenPreAlarmMs: 20_000,
  heldOpenAlarmMs: 30_000,
};
const inputs = {
  contact: { pin: 22, activeLevel: 1 as const, debounceMs: 50, pull: 'up' as const },
  rex: { pin: 24, activeLevel: 0 as const, debounceMs: 20 },
  tamper: { pin: 12, activeLevel: 1 as const, debounceMs: 20 },
};

function setup(stateFile?: string) {
  const clock = new ManualClock();
  const port = new SimGpioPort({ clock, stateFile, defaultInputLevel: 0 });
  const relay = new RelayController(port, { name: 'door1', pin: 17, polarity: 'active-low', lockType: 'fail-secure', pulseMs: 3000 }, clock);
  const { monitor, lines } = createMonitoredDoor(port, relay, clock, config, inputs);
  const events: DoorEvent[] = [];
  monitor.onEvent((e) => events.push(e));
  return { clock, port, relay, monitor, lines, events };
}

describe('createMonitoredDoor (sim GPIO end to end)', () => {
  it('REX press unlocks the relay line, opening relocks it, the state file follows', () => {
    const stateFile = join(dir, 'sim-gpio.json');
    const { clock, port, events } = setup(stateFile);
    port.drive(24, 1);
    clock.advanceMs(100);
    expect(events).toEqual([]);
    port.drive(24, 0);
    clock.advanceMs(20);
    expect(events.map((e) => e.type)).toEqual(['rex']);
    expect(readSimGpioState(stateFile).pins['17']?.level).toBe(0);
    port.drive(22, 1);
    clock.advanceMs(10);
    port.drive(22, 0);
    clock.advanceMs(10);
    port.drive(22, 1);
    clock.advanceMs(50);
    expect(events.map((e) => e.type)).toEqual(['rex', 'door_opened']);
    expect(readSimGpioState(stateFile).pins['17']?.level).toBe(1);
    port.drive(22, 0);
    clock.advanceMs(50);
    expect(events.map((e) => e.type)).toEqual(['rex', 'door_opened', 'door_closed']);
  });

  it('contact bounce shorter than the debounce time raises nothing', () => {
    const { clock, port, events } = setup();
    port.drive(22, 1);
    clock.advanceMs(30);
    port.drive(22, 0);
    clock.advanceMs(500);
    expect(events).toEqual([]);
  });

  it('a forced opening and tamper come through', () => {
    const { clock, port, events } = setup();
    port.drive(22, 1);
    port.drive(12, 1);
    clock.advanceMs(60);
    expect(events.map((e) => e.type).sort()).toEqual(['door_forced', 'door_opened', 'tamper']);
  });

  it('starts from the current input levels', () => {
    const clock = new ManualClock();
    const port = new SimGpioPort({ clock, defaultInputLevel: 1 });
    const relay = new RelayController(port, { name: 'd', pin: 17, polarity: 'active-high', lockType: 'fail-secure', pulseMs: 1000 }, clock);
    const { monitor } = createMonitoredDoor(port, relay, clock, config, inputs);
    expect(monitor.isOpen).toBe(true);
    expect(monitor.tamper).toBe(true);
  });
});
