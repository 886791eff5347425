import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.ts';
import { SimGpioPort } from './gpio/sim-port.ts';
import { feedbackPattern, ReaderFeedback, type ReaderFeedbackConfig } from './reader-feedback.ts';

const timing = { grantLedMs: 2000, denyLedMs: 1500, shortBeepMs: 100, longBeepMs: 800, beepGapMs: 100 };

function setup(over: Partial<ReaderFeedbackConfig> = {}) {
  const clock = new ManualClock();
  const port = new SimGpioPort({ clock });
  const fb = new ReaderFeedback(
    port,
    { ...timing, greenLed: { pin: 22, activeLevel: 0 }, beeper: { pin: 23, activeLevel: 0 }, ...over },
    clock,
  );
  const start = clock.now();
  /** [ms since start, level] for each change after the initial claim. */
  const history = (pin: number) =>
    port
      .transitions(pin)
      .filter((t) => t.kind === 'write')
      .map((t) => [t.atMs - start, t.level]);
  return { clock, port, fb, history };
}

describe('reader feedback', () => {
  it('patterns: grant is green + one short beep, deny is red + one long beep', () => {
    expect(feedbackPattern('grant', timing)).toEqual({ led: 'green', ledMs: 2000, beepsMs: [100] });
    expect(feedbackPattern('deny', timing)).toEqual({ led: 'red', ledMs: 1500, beepsMs: [800] });
  });

  it('claims outputs idle', () => {
    const { port } = setup();
    expect([port.level(22), port.level(23)]).toEqual([1, 1]);
  });

  it('grant: green for grantLedMs and a short beep', () => {
    const { clock, fb, history } = setup();
    fb.grant();
    clock.advanceMs(5000);
    expect(history(22)).toEqual([
      [0, 0],
      [2000, 1],
    ]);
    expect(history(23)).toEqual([
      [0, 0],
      [100, 1],
    ]);
  });

  it('deny: red LED (separate wire) and a long beep; green stays off', () => {
    const { clock, fb, history } = setup({ redLed: { pin: 24, activeLevel: 1 } });
    fb.deny();
    clock.advanceMs(5000);
    expect(history(24)).toEqual([
      [0, 1],
      [1500, 0],
    ]);
    expect(history(23)).toEqual([
      [0, 0],
      [800, 1],
    ]);
    expect(history(22)).toEqual([]);
  });

  it('a new signal cancels the running pattern', () => {
    const { clock, fb, port, history } = setup();
    fb.deny();
    clock.advanceMs(300);
    fb.grant();
    clock.advanceMs(5000);
    expect(history(23)).toEqual([
      [0, 0],
      [300, 1],
      [300, 0],
      [400, 1],
    ]);
    expect(port.level(22)).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('works without a beeper', () => {
    const { clock, fb, port } = setup({ beeper: undefined });
    fb.grant();
    expect(port.level(22)).toBe(0);
    clock.advanceMs(2000);
    expect(port.level(22)).toBe(1);
  });
});
