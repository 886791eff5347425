import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import type { KeypadKey, PinEntry } from '../types.ts';
import { PinCollector, type PinClearReason } from './pin-collector.ts';

function setup(maxLength = 6) {
  const clock = new ManualClock();
  const pins: PinEntry[] = [];
  const cleared: PinClearReason[] = [];
  const collector = new PinCollector({
    reader: 'front',
    clock,
    timeoutMs: 5000,
    maxLength,
    onPin: (e) => pins.push(e),
    onCleared: (r) => cleared.push(r),
  });
  const type = (keys: string) => {
    for (const k of keys) collector.key(k as KeypadKey);
  };
  return { clock, pins, cleared, collector, type };
}

describe('PinCollector', () => {
  it('submits the buffered digits on #, stamped with the clock', () => {
    const { clock, pins, type } = setup();
    clock.advanceMs(1000);
    type('4567#');
    expect(pins).toEqual([{ kind: 'pin', reader: 'front', at: clock.now(), pin: '4567' }]);
    type('12#');
    expect(pins.map((p) => p.pin)).toEqual(['4567', '12']);
  });

  it('keeps leading zeros and ignores # with nothing typed', () => {
    const { pins, cleared, type } = setup();
    type('#0042#');
    expect(pins.map((p) => p.pin)).toEqual(['0042']);
    expect(cleared).toEqual([]);
  });

  it('clears on * so the next entry starts fresh', () => {
    const { pins, cleared, type } = setup();
    type('99*1234#');
    expect(pins.map((p) => p.pin)).toEqual(['1234']);
    expect(cleared).toEqual(['cancelled']);
  });

  it('discards a partial entry after the inactivity timeout, restarted by every key', () => {
    const { clock, pins, cleared, collector, type } = setup();
    type('12');
    clock.advanceMs(4999);
    type('3');
    clock.advanceMs(4999);
    expect(collector.pendingLength).toBe(3);
    clock.advanceMs(1);
    expect(cleared).toEqual(['timeout']);
    expect(collector.pendingLength).toBe(0);
    type('#');
    expect(pins).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('discards an entry longer than maxLength and ignores digits until it ends', () => {
    const { pins, cleared, type } = setup(4);
    type('123456#');
    expect(pins).toEqual([]);
    expect(cleared).toEqual(['overflow']);
    type('1234#');
    expect(pins.map((p) => p.pin)).toEqual(['1234']);
  });

  it('ends an overflowed entry on timeout too', () => {
    const { clock, pins, type } = setup(2);
    type('1234');
    clock.advanceMs(5000);
    type('56#');
    expect(pins.map((p) => p.pin)).toEqual(['56']);
  });

  it('reset forgets silently and cancels the timer', () => {
    const { clock, pins, cleared, collector, type } = setup();
    type('12');
    collector.reset();
    expect(clock.pendingTimers()).toBe(0);
    clock.advanceMs(10_000);
    type('#');
    expect(pins).toEqual([]);
    expect(cleared).toEqual([]);
  });

  it('rejects nonsensical settings', () => {
    const clock = new ManualClock();
    const base = { reader: 'r', clock, timeoutMs: 1000, maxLength: 4, onPin: () => {} };
    expect(() => new PinCollector({ ...base, maxLength: 0 })).toThrow(RangeError);
    expect(() => new PinCollector({ ...base, timeoutMs: 0 })).toThrow(RangeError);
  });
});
