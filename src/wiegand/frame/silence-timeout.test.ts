import { describe, expect, it } from 'vitest';
import { DEFAULT_SILENCE_TIMEOUT, median, silenceTimeoutUs, validateSilenceTimeoutParams } from './silence-timeout.ts';

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
});

describe('silenceTimeoutUs (defaults: 2.5 × period, floor 2 ms, ceiling 30 ms)', () => {
  const p = DEFAULT_SILENCE_TIMEOUT;
  it('waits the ceiling while only one bit is known', () => {
    expect(silenceTimeoutUs([], p)).toBe(30_000);
  });
  it('waits 2.5 bit periods for typical readers', () => {
    expect(silenceTimeoutUs([2_000, 2_000, 2_000], p)).toBe(5_000);
    expect(silenceTimeoutUs([1_000, 1_000], p)).toBe(2_500);
  });
  it('clamps to the floor for very fast readers and to the ceiling for slow ones', () => {
    expect(silenceTimeoutUs([200, 200, 200], p)).toBe(2_000);
    expect(silenceTimeoutUs([20_000, 20_000], p)).toBe(30_000);
    expect(silenceTimeoutUs([11_000, 11_000], p)).toBe(27_500);
  });
  it('is not pulled up by a lost bit\'s doubled interval', () => {
    expect(silenceTimeoutUs([2_000, 2_000, 4_000, 2_000, 2_000], p)).toBe(5_000);
  });
  it('rejects parameters that could split a SIA-legal reader', () => {
    expect(() => validateSilenceTimeoutParams({ ...p, ceilingMs: 24 })).toThrow(RangeError);
    expect(() => validateSilenceTimeoutParams({ ...p, floorMs: 31 })).toThrow(RangeError);
    expect(() => validateSilenceTimeoutParams({ ...p, periodMultiple: 0.5 })).toThrow(RangeError);
    expect(() => validateSilenceTimeoutParams(p)).not.toThrow();
  });
});
