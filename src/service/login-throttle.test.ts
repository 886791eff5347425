import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { LoginThrottle } from './login-throttle.ts';

describe('LoginThrottle', () => {
  it('allows the free failures, then locks out for doubling periods up to the cap', () => {
    const clock = new ManualClock();
    const t = new LoginThrottle(clock, { freeFailures: 2, baseLockMs: 1000, maxLockMs: 4000, windowMs: 60_000 });
    t.failure('a');
    t.failure('a');
    expect(t.check('a')).toEqual({ allowed: true });
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      t.failure('a');
      const c = t.check('a');
      if (c.allowed) throw new Error('expected a lockout');
      waits.push(c.retryAfterMs);
      clock.advanceMs(c.retryAfterMs);
    }
    expect(waits).toEqual([1000, 2000, 4000, 4000]);
    expect(t.check('b')).toEqual({ allowed: true });
  });

  it('forgets failures after the window, and at once on success', () => {
    const clock = new ManualClock();
    const t = new LoginThrottle(clock, { freeFailures: 1, windowMs: 10_000 });
    t.failure('a');
    clock.advanceMs(10_000);
    t.failure('a');
    expect(t.check('a')).toEqual({ allowed: true });
    t.success('a');
    t.failure('a');
    expect(t.check('a')).toEqual({ allowed: true });
    expect(t.tracked).toBe(1);
  });

  it('remembers a bounded number of clients', () => {
    const t = new LoginThrottle(new ManualClock(), { maxTracked: 3 });
    for (let i = 0; i < 10; i++) t.failure(`c${i}`);
    expect(t.tracked).toBe(3);
  });
});
