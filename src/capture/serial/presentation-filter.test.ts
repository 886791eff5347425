import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { PresentationFilter } from './presentation-filter.ts';

describe('PresentationFilter', () => {
  it('folds repeats within the hold-off, sliding with each repeat', () => {
    const clock = new ManualClock();
    const f = new PresentationFilter<bigint>(clock, 500);
    expect(f.accept(1n)).toBe(true);
    for (let i = 0; i < 10; i++) {
      clock.advanceMs(200);
      expect(f.accept(1n)).toBe(false);
    }
    clock.advanceMs(501);
    expect(f.accept(1n)).toBe(true);
  });

  it('a different card is a new presentation at once, and so is the first card again', () => {
    const clock = new ManualClock();
    const f = new PresentationFilter<bigint>(clock, 500);
    expect(f.accept(1n)).toBe(true);
    expect(f.accept(2n)).toBe(true);
    expect(f.accept(1n)).toBe(true);
  });

  it('treats a repeat exactly at the hold-off as the same presentation', () => {
    const clock = new ManualClock();
    const f = new PresentationFilter<bigint>(clock, 500);
    f.accept(7n);
    clock.advanceMs(500);
    expect(f.accept(7n)).toBe(false);
  });
});
