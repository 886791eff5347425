import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import type { GpioPort, Level, OutputLine } from './gpio/gpio-port.ts';
import { SimGpioPort } from './gpio/sim-port.ts';
import {
  lineLevelFor,
  RelayController,
  safeLevel,
  safeStateAll,
  type RelayConfig,
  type RelayTransition,
} from './relay.ts';

// Expected line levels worked out by hand from the wiring, one row per combination.
const TABLE: Array<[RelayConfig['polarity'], RelayConfig['lockType'], 'NO' | 'NC', { locked: Level; unlocked: Level }]> = [
  ['active-high', 'fail-secure', 'NO', { locked: 0, unlocked: 1 }],
  ['active-low', 'fail-secure', 'NO', { locked: 1, unlocked: 0 }],
  ['active-high', 'fail-safe', 'NO', { locked: 1, unlocked: 0 }],
  ['active-low', 'fail-safe', 'NO', { locked: 0, unlocked: 1 }],
  ['active-high', 'fail-secure', 'NC', { locked: 1, unlocked: 0 }],
  ['active-low', 'fail-secure', 'NC', { locked: 0, unlocked: 1 }],
  ['active-high', 'fail-safe', 'NC', { locked: 0, unlocked: 1 }],
  ['active-low', 'fail-safe', 'NC', { locked: 1, unlocked: 0 }],
];

function cfg(over: Partial<RelayConfig> = {}): RelayConfig {
  return { name: 'door1', pin: 17, polarity: 'active-high', lockType: 'fail-secure', pulseMs: 3000, ...over };
}

function setup(over: Partial<RelayConfig> = {}) {
  const clock = new ManualClock();
  const port = new SimGpioPort({ clock });
  const relay = new RelayController(port, cfg(over), clock);
  const seen: RelayTransition[] = [];
  relay.onTransition((t) => seen.push(t));
  return { clock, port, relay, seen };
}

describe('relay line levels', () => {
  it.each(TABLE)('%s relay, %s lock on %s contact', (polarity, lockType, contact, want) => {
    const c = { polarity, lockType, contact };
    expect(lineLevelFor(c, 'locked')).toBe(want.locked);
    expect(lineLevelFor(c, 'unlocked')).toBe(want.unlocked);
    expect(safeLevel(c)).toBe(want.locked);
  });

  it('defaults to the NO contact', () => {
    expect(lineLevelFor({ polarity: 'active-low', lockType: 'fail-safe' }, 'locked')).toBe(0);
  });
});

describe('RelayController', () => {
  it.each(TABLE.filter((r) => r[2] === 'NO'))('claims the line at the safe level first (%s, %s)', (polarity, lockType, _c, want) => {
    const { port, relay } = setup({ polarity, lockType });
    expect(port.transitions(17)).toEqual([expect.objectContaining({ kind: 'claim', level: want.locked })]);
    expect(relay.state).toBe('locked');
    expect(relay.level).toBe(want.locked);
  });

  it('pulses for the configured time, then relocks', () => {
    const { clock, port, relay, seen } = setup({ polarity: 'active-low', pulseMs: 3000 });
    relay.pulse();
    expect(relay.state).toBe('unlocked');
    expect(port.level(17)).toBe(0);
    clock.advanceMs(2999);
    expect(relay.state).toBe('unlocked');
    clock.advanceMs(1);
    expect(relay.state).toBe('locked');
    expect(port.level(17)).toBe(1);
    expect(seen.map((t) => [t.reason, t.state, t.level, t.coilEnergised])).toEqual([
      ['pulse', 'unlocked', 0, true],
      ['pulse-end', 'locked', 1, false],
    ]);
    expect(seen[1]?.atMs).toBe((seen[0]?.atMs ?? 0) + 3000);
  });

  it('restarts the timer on a second pulse and honours an explicit duration', () => {
    const { clock, relay } = setup();
    relay.pulse(1000);
    clock.advanceMs(800);
    relay.pulse(1000);
    clock.advanceMs(800);
    expect(relay.state).toBe('unlocked');
    clock.advanceMs(200);
    expect(relay.state).toBe('locked');
    expect(clock.pendingTimers()).toBe(0);
  });

  it('latched unlock stays until lock(); lock() cancels a pulse', () => {
    const { clock, relay } = setup();
    relay.pulse();
    relay.unlock();
    clock.advanceMs(60_000);
    expect(relay.state).toBe('unlocked');
    relay.lock();
    expect(relay.state).toBe('locked');
    relay.pulse();
    relay.lock();
    expect(clock.pendingTimers()).toBe(0);
  });

  it('toSafeState locks a fail-safe maglock by energising it, and always reports', () => {
    const { port, relay, seen } = setup({ lockType: 'fail-safe', polarity: 'active-high' });
    relay.unlock();
    expect(port.level(17)).toBe(0);
    relay.toSafeState();
    expect(port.level(17)).toBe(1);
    relay.toSafeState();
    expect(seen.map((t) => [t.reason, t.state, t.lockEnergised])).toEqual([
      ['unlock', 'unlocked', false],
      ['safe', 'locked', true],
      ['safe', 'locked', true],
    ]);
  });

  it('rejects a non-positive pulse length', () => {
    expect(() => setup({ pulseMs: 0 })).toThrow(/pulseMs/);
  });
});

describe('safeStateAll', () => {
  it('locks every relay even when one throws', () => {
    const clock = new ManualClock();
    const port = new SimGpioPort({ clock });
    const a = new RelayController(port, cfg({ name: 'a', pin: 17 }), clock);
    const broken: GpioPort = {
      backend: 'sim',
      output: (pin): OutputLine => ({
        pin,
        read: () => 0,
        write: () => {
          throw new Error('boom');
        },
      }),
      input: () => {
        throw new Error('unused');
      },
      close: async () => undefined,
    };
    const b = new RelayController(broken, cfg({ name: 'b', pin: 18 }), clock);
    const c = new RelayController(port, cfg({ name: 'c', pin: 27 }), clock);
    a.pulse();
    c.unlock();
    expect(safeStateAll([a, b, c])).toBe(1);
    expect([a.state, c.state]).toEqual(['locked', 'locked']);
    expect([port.level(17), port.level(27)]).toEqual([0, 0]);
  });
});
