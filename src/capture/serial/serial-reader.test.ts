/** Adapter behaviour that needs no device; reading real devices is covered in test/hil/serial-*. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import { createSerialReader } from './serial-reader.ts';

describe('createSerialReader without a device', () => {
  it('never throws on unusable options: counts the failure and keeps retrying with capped backoff', async () => {
    const clock = new ManualClock();
    const reader = createSerialReader(
      { kind: 'wiegand-bridge', path: '', channels: {}, reopenMinMs: 100, reopenMaxMs: 400 },
      { clock, sink: {} },
    );
    expect(() => reader.start()).not.toThrow();
    expect(reader.health()).toMatchObject({ open: false, counters: { openFailures: 1 } });
    // Retries after 100, 200, 400, 400 ms: four more attempts in 1100 ms.
    clock.advanceMs(1100);
    expect(reader.health().counters.openFailures).toBe(5);
    expect(reader.health().lastError).toBeDefined();
    await reader.stop();
    clock.advanceMs(5000);
    expect(reader.health().counters.openFailures).toBe(5);
    expect(clock.pendingTimers()).toBe(0);
  });
});
