import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';

describe('ManualClock', () => {
  it('fires timers in due order as time advances, with the clock at each due time', () => {
    const clock = new ManualClock(0, 0);
    const seen: Array<[string, number]> = [];
    clock.setTimeout(() => seen.push(['b', clock.monotonicUs()]), 5);
    clock.setTimeout(() => seen.push(['a', clock.monotonicUs()]), 2);
    const c = clock.setTimeout(() => seen.push(['c', clock.monotonicUs()]), 3);
    clock.clearTimeout(c);
    clock.advanceMs(4);
    expect(seen).toEqual([['a', 2000]]);
    clock.advanceMs(10);
    expect(seen).toEqual([['a', 2000], ['b', 5000]]);
    expect(clock.monotonicUs()).toBe(14_000);
    expect(clock.now()).toBe(14);
  });
});

describe('systemClock.defer', () => {
  it('runs after pending I/O callbacks without a timer delay, and can be cancelled', async () => {
    const { systemClock } = await import('./clock.ts');
    const order: string[] = [];
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      systemClock.defer(() => order.push('deferred'));
      const cancelled = systemClock.defer(() => order.push('cancelled'));
      systemClock.clearTimeout(cancelled);
      systemClock.setTimeout(() => {
        order.push('timeout');
        resolve();
      }, 5);
    });
    expect(order).toEqual(['deferred', 'timeout']);
    expect(Number(process.hrtime.bigint() - start) / 1e6).toBeGreaterThanOrEqual(4);
  });
});
