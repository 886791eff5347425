/**
 * Software debounce for contacts and buttons: a level is accepted once it has stayed unchanged for
 * `periodMs`. Used by backends whose kernel interface gives no debounce (libgpiod 1.6, the
 * simulator) so every backend reports the same, settled levels.
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { Level } from './gpio-port.ts';

export class Debouncer {
  private stable: Level;
  private pending: Level;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly periodMs: number,
    initial: Level,
    private readonly onStable: (level: Level) => void,
  ) {
    this.stable = initial;
    this.pending = initial;
  }

  /** Feed a raw sample (an edge or a polled level). */
  sample(level: Level): void {
    this.pending = level;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (this.periodMs <= 0) {
      this.settle();
      return;
    }
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.settle();
    }, this.periodMs);
  }

  level(): Level {
    return this.stable;
  }

  dispose(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private settle(): void {
    if (this.pending === this.stable) return;
    this.stable = this.pending;
    this.onStable(this.stable);
  }
}
