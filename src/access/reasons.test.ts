import { describe, expect, it } from 'vitest';
import { DENY_REASONS, DENY_REASON_NAMES, isDenyReason } from './reasons.ts';

describe('deny reasons', () => {
  it('recognise exactly the listed names', () => {
    for (const r of DENY_REASON_NAMES) expect(isDenyReason(r)).toBe(true);
    for (const s of ['granted', 'toString', '__proto__', '']) expect(isDenyReason(s)).toBe(false);
    expect(DENY_REASON_NAMES).toHaveLength(Object.keys(DENY_REASONS).length);
    expect(DENY_REASON_NAMES).toContain('parity_error');
  });
});
