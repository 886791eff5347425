/**
 * Reader LED and beeper: green and one short beep on a grant, red and one long beep on a deny.
 * Patterns are data (led colour, led time, beep lengths). A new signal cancels the one running.
 * Most Wiegand readers have one LED wire (pulled to ground = green, else red) and one beeper wire
 * (pulled to ground = beep); `activeLevel` is the Pi-side level that pulls the wire, which depends
 * on the driver stage in between (see hardware/WIRING.md).
 */
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { GpioPort, Level, OutputLine } from './gpio/gpio-port.ts';

export interface FeedbackOutput {
  readonly pin: number;
  readonly activeLevel: Level;
}

export interface ReaderFeedbackTiming {
  readonly grantLedMs: number;
  readonly denyLedMs: number;
  readonly shortBeepMs: number;
  readonly longBeepMs: number;
  readonly beepGapMs: number;
}

export interface ReaderFeedbackConfig extends ReaderFeedbackTiming {
  readonly greenLed?: FeedbackOutput;
  /** Only for readers with a separate red LED wire; single-wire readers show red when green is off. */
  readonly redLed?: FeedbackOutput;
  readonly beeper?: FeedbackOutput;
}

export const DEFAULT_FEEDBACK_TIMING: ReaderFeedbackTiming = {
  grantLedMs: 2000,
  denyLedMs: 2000,
  shortBeepMs: 100,
  longBeepMs: 800,
  beepGapMs: 100,
};

export type FeedbackSignal = 'grant' | 'deny';

export interface FeedbackPattern {
  readonly led: 'green' | 'red';
  readonly ledMs: number;
  /** On-times of successive beeps, separated by beepGapMs. */
  readonly beepsMs: readonly number[];
}

const PATTERNS: Record<FeedbackSignal, (t: ReaderFeedbackTiming) => FeedbackPattern> = {
  grant: (t) => ({ led: 'green', ledMs: t.grantLedMs, beepsMs: [t.shortBeepMs] }),
  deny: (t) => ({ led: 'red', ledMs: t.denyLedMs, beepsMs: [t.longBeepMs] }),
};

export function feedbackPattern(signal: FeedbackSignal, timing: ReaderFeedbackTiming): FeedbackPattern {
  return PATTERNS[signal](timing);
}

interface Line {
  readonly out: OutputLine;
  readonly spec: FeedbackOutput;
}

export class ReaderFeedback {
  private readonly green: Line | undefined;
  private readonly red: Line | undefined;
  private readonly beeper: Line | undefined;
  private timers: TimerHandle[] = [];

  /** Claims the outputs inactive (idle: LED red/off, beeper silent). */
  constructor(
    port: GpioPort,
    private readonly config: ReaderFeedbackConfig,
    private readonly clock: Clock,
  ) {
    const claim = (spec: FeedbackOutput | undefined): Line | undefined =>
      spec === undefined ? undefined : { spec, out: port.output(spec.pin, inactive(spec)) };
    this.green = claim(config.greenLed);
    this.red = claim(config.redLed);
    this.beeper = claim(config.beeper);
  }

  grant(): void {
    this.show('grant');
  }

  deny(): void {
    this.show('deny');
  }

  show(signal: FeedbackSignal): void {
    this.reset();
    const p = feedbackPattern(signal, this.config);
    const led = p.led === 'green' ? this.green : this.red;
    set(p.led === 'green' ? this.red : this.green, false);
    set(led, true);
    this.after(p.ledMs, () => set(led, false));
    let at = 0;
    for (const beepMs of p.beepsMs) {
      this.after(at, () => set(this.beeper, true));
      at += beepMs;
      this.after(at, () => set(this.beeper, false));
      at += this.config.beepGapMs;
    }
  }

  /** Back to idle at once (also cancels a running pattern). */
  reset(): void {
    for (const t of this.timers) this.clock.clearTimeout(t);
    this.timers = [];
    for (const line of [this.green, this.red, this.beeper]) set(line, false);
  }

  private after(ms: number, fn: () => void): void {
    if (ms <= 0) fn();
    else this.timers.push(this.clock.setTimeout(fn, ms));
  }
}

function inactive(spec: FeedbackOutput): Level {
  return spec.activeLevel === 1 ? 0 : 1;
}

function set(line: Line | undefined, active: boolean): void {
  line?.out.write(active ? line.spec.activeLevel : inactive(line.spec));
}
