import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/config-schema.ts';
import { ManualClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { loadBoardProfile } from '../io/board-profile.ts';
import { SimGpioPort } from '../io/gpio/sim-port.ts';
import { createDoorBank } from './door-bank.ts';

function bank() {
  const clock = new ManualClock();
  // Inputs rest low: contacts closed (open level 1), tamper switch active (low) until driven high.
  const port = new SimGpioPort({ clock, logger: silentLogger, defaultInputLevel: 0 });
  const board = loadBoardProfile('pi4');
  const config = configSchema.parse({
    doors: [{ id: 1, pulseMs: 500, heldOpenPreAlarmMs: 1000, heldOpenAlarmMs: 2000 }, { id: 2, contact: false }],
    gpio: { tamper: true },
  });
  const doors = createDoorBank({
    port, board, doors: config.doors, readers: config.readers, tamper: true, clock, logger: silentLogger,
    events: { relay() {}, door() {} },
  });
  const contact = board.doors.find((d) => d.door === 1)!.contact!;
  const drive = (pin: number, level: 0 | 1) => {
    port.drive(pin, level);
    clock.advanceMs(50); // past the switch debounce
  };
  return { clock, doors, drive, contact, tamperPin: board.tamper! };
}

const door1 = (b: ReturnType<typeof bank>) => b.doors.status().find((d) => d.door === 1)!;

describe('DoorBank.status', () => {
  it('reports lock and contact per door, unknown contact where none is wired, and the enclosure tamper on every door', () => {
    const b = bank();
    expect(b.doors.status()).toEqual([
      { door: 1, lock: 'locked', contact: 'closed', alarm: 'none', tamper: true },
      { door: 2, lock: 'locked', contact: 'unknown', alarm: 'none', tamper: true },
    ]);
    b.drive(b.tamperPin, 1);
    expect(b.doors.status().map((d) => d.tamper)).toEqual([false, false]);
    b.doors.grant([1]);
    expect(door1(b).lock).toBe('unlocked');
    b.drive(b.contact, 1);
    expect(door1(b)).toMatchObject({ contact: 'open', alarm: 'none' });
    b.doors.dispose();
  });

  it('follows held-open alarms while the door stays open, and clears them when it closes', () => {
    const b = bank();
    b.doors.grant([1]);
    b.drive(b.contact, 1);
    b.clock.advanceMs(1000);
    expect(door1(b).alarm).toBe('prealarm');
    b.clock.advanceMs(1000);
    expect(door1(b).alarm).toBe('held_open');
    b.drive(b.contact, 0);
    expect(door1(b)).toMatchObject({ contact: 'closed', alarm: 'none' });
    b.doors.dispose();
  });

  it('keeps a forced door forced through the held-open timers until it closes', () => {
    const b = bank();
    b.drive(b.contact, 1);
    expect(door1(b)).toMatchObject({ lock: 'locked', contact: 'open', alarm: 'forced' });
    b.clock.advanceMs(2500);
    expect(door1(b).alarm).toBe('forced');
    b.drive(b.contact, 0);
    expect(door1(b).alarm).toBe('none');
    b.doors.dispose();
  });
});
