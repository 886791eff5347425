/**
 * Exponential restart delay for a helper process that keeps dying (e.g. gpiomon while another
 * program holds the lines): retry quickly once, then back off so a persistent fault does not spin
 * the CPU or flood the log, but never give up — a door reader must come back by itself once the
 * cause is gone. A run that lasted `stableMs` counts as healthy and resets the delay.
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly factor: number;
  readonly stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 30_000, factor: 2, stableMs: 10_000 };

export class RestartBackoff {
  private failures = 0;

  constructor(private readonly opts: BackoffOptions = DEFAULT_BACKOFF) {
    if (!(opts.initialMs > 0 && opts.maxMs >= opts.initialMs && opts.factor >= 1 && opts.stableMs >= 0)) {
      throw new RangeError('backoff needs initialMs > 0, maxMs >= initialMs, factor >= 1, stableMs >= 0');
    }
  }

  /** Delay before the next start, given how long the run that just ended lasted. */
  nextDelayMs(ranMs: number): number {
    if (ranMs >= this.opts.stableMs) this.failures = 0;
    const delay = Math.min(this.opts.maxMs, this.opts.initialMs * this.opts.factor ** this.failures);
    this.failures++;
    return delay;
  }
}
