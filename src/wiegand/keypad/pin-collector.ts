/**
 * Collects key presses from one keypad into PIN entries. Knows nothing of cards: a rules engine
 * doing card-then-PIN feeds it keys and calls `reset()` when its own window closes.
 *
 * Behaviour (what an installer expects):
 * - digits are buffered; `#` submits them (a `#` with nothing buffered does nothing);
 * - `*` discards the entry;
 * - after `timeoutMs` without a key the partial entry is DISCARDED, never submitted: a half-typed
 *   PIN left behind must not be completed by the next person's keys;
 * - a digit beyond `maxLength` DISCARDS the whole entry and ignores further digits until `#`, `*`
 *   or the timeout ends it: submitting a truncated or tail-only PIN would try a PIN nobody typed.
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { KeypadKey, PinEntry, ReaderId } from '../types.ts';

export type PinClearReason = 'cancelled' | 'timeout' | 'overflow';

export interface PinCollectorOptions {
  readonly reader: ReaderId;
  readonly clock: Clock;
  /** Inactivity timeout, restarted by every key. */
  readonly timeoutMs: number;
  readonly maxLength: number;
  readonly onPin: (entry: PinEntry) => void;
  /** A partial entry was discarded (the digits themselves are never passed on). */
  readonly onCleared?: (reason: PinClearReason) => void;
}

export class PinCollector {
  private digits = '';
  /** The entry overflowed: swallow digits until it ends. */
  private overflowed = false;
  private timer: TimerHandle | null = null;

  constructor(private readonly options: PinCollectorOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError('timeoutMs must be positive');
    if (!Number.isInteger(options.maxLength) || options.maxLength < 1) throw new RangeError('maxLength must be ≥ 1');
  }

  /** Number of digits buffered (for a display; the digits stay inside). */
  get pendingLength(): number {
    return this.digits.length;
  }

  key(k: KeypadKey): void {
    if (k === '#') return this.submit();
    if (k === '*') return this.discard('cancelled');
    this.armTimer();
    if (this.overflowed) return;
    if (this.digits.length >= this.options.maxLength) {
      this.digits = '';
      this.overflowed = true;
      this.options.onCleared?.('overflow');
      return;
    }
    this.digits += k;
  }

  /** Forget any partial entry without reporting it. */
  reset(): void {
    this.digits = '';
    this.overflowed = false;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private submit(): void {
    const pin = this.digits;
    this.reset();
    if (pin === '') return;
    const { reader, clock, onPin } = this.options;
    onPin({ kind: 'pin', reader, at: clock.now(), pin });
  }

  private discard(reason: PinClearReason): void {
    const hadDigits = this.digits !== '';
    this.reset();
    if (hadDigits) this.options.onCleared?.(reason);
  }

  private armTimer(): void {
    const { clock, timeoutMs } = this.options;
    if (this.timer) clock.clearTimeout(this.timer);
    this.timer = clock.setTimeout(() => {
      this.timer = null;
      this.discard('timeout');
    }, timeoutMs);
  }
}
