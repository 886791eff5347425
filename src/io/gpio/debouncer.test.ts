import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { Debouncer } from './debouncer.ts';
import type { Level } from './gpio-port.ts';

function setup(periodMs: number, initial: Level = 0) {
  const clock = new ManualClock();
  const seen: Level[] = [];
  const d = new Debouncer(clock, periodMs, initial, (l) => seen.push(l));
  return { clock, seen, d };
}

describe('Debouncer', () => {
  it('accepts a level only after it has been stable for the period', () => {
    const { clock, seen, d } = setup(20);
    d.sample(1);
    clock.advanceMs(19);
    expect(seen).toEqual([]);
    clock.advanceMs(1);
    expect(seen).toEqual([1]);
    expect(d.level()).toBe(1);
  });

  it('ignores bounces that return to the stable level', () => {
    const { clock, seen, d } = setup(20);
    d.sample(1);
    clock.advanceMs(5);
    d.sample(0);
    clock.advanceMs(5);
    d.sample(1);
    clock.advanceMs(5);
    d.sample(0);
    clock.advanceMs(50);
    expect(seen).toEqual([]);
    expect(d.level()).toBe(0);
  });

  it('restarts the period on every bounce', () => {
    const { clock, seen, d } = setup(20);
    d.sample(1);
    clock.advanceMs(15);
    d.sample(0);
    d.sample(1);
    clock.advanceMs(15);
    expect(seen).toEqual([]);
    clock.advanceMs(5);
    expect(seen).toEqual([1]);
  });

  it('reports at once with a zero period', () => {
    const { seen, d } = setup(0, 1);
    d.sample(0);
    d.sample(0);
    d.sample(1);
    expect(seen).toEqual([0, 1]);
  });

  it('drops a pending change on dispose', () => {
    const { clock, seen, d } = setup(10);
    d.sample(1);
    d.dispose();
    clock.advanceMs(100);
    expect(seen).toEqual([]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
