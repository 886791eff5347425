import { describe, expect, it } from 'vitest';
import { RestartBackoff } from './restart-backoff.ts';

describe('RestartBackoff', () => {
  const opts = { initialMs: 100, maxMs: 1_000, factor: 2, stableMs: 5_000 };
  it('doubles the delay after each quick failure, up to the cap', () => {
    const b = new RestartBackoff(opts);
    expect([0, 0, 0, 0, 0, 0].map((ran) => b.nextDelayMs(ran))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });
  it('starts over after a run that lasted stableMs', () => {
    const b = new RestartBackoff(opts);
    b.nextDelayMs(0);
    b.nextDelayMs(10);
    expect(b.nextDelayMs(4_999)).toBe(400);
    expect(b.nextDelayMs(5_000)).toBe(100);
    expect(b.nextDelayMs(0)).toBe(200);
  });
  it('rejects nonsensical settings', () => {
    expect(() => new RestartBackoff({ ...opts, initialMs: 0 })).toThrow(RangeError);
    expect(() => new RestartBackoff({ ...opts, maxMs: 50 })).toThrow(RangeError);
  });
});
