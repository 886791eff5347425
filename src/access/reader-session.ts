/**
 * The state one reader carries between reads: a card waiting for its PIN, wrong-PIN lockout, and
 * hold-off against the same card being read again and again while it lies on the reader.
 *
 * Time: decisions use clock.now() (wall ms, for validity and time profiles); windows, hold-off
 * and lockout use clock.monotonicUs() so a wall-clock step (NTP) cannot lengthen or end them.
 *
 * - card_and_pin: a card that would pass waits up to pinWindowMs for a PIN; no PIN in time →
 *   card_then_pin_timeout. A new card replaces the waiting one.
 * - Wrong PINs: pin_wrong after a card, and unknown codes typed alone, count against the reader;
 *   maxWrong of them within windowMs lock the reader for lockMs (every read → locked_out).
 * - Hold-off: the same card number on this reader within holdOffMs of its previous read is the
 *   same presentation: no decision, a 'suppressed' event. The window slides with each re-read, so
 *   a card left on the reader stays one presentation.
 *
 * Every event goes to onEvent; handleCard/handlePin/handleRejectedFrame also return the main
 * event of that read (the same object) for callers that prefer a direct answer. The daemon routes
 * reads to the session of their reader; PINs are never put into events.
 */
import type { Clock, TimerHandle } from '../core/clock.ts';
import type { CredentialNumber } from '../wiegand/credential-number.ts';
import type { CardRead, PinEntry, ReaderId } from '../wiegand/types.ts';
import type { CredentialIndex } from './credential-index.ts';
import { decide, denied, type AccessRead, type Decision, type LookupMiss, type PinVerifier, type ReaderBinding } from './rules-engine.ts';
import type { TimeProfileLookup } from './time-profile.ts';

export interface LockoutPolicy {
  readonly maxWrong: number;
  readonly windowMs: number;
  readonly lockMs: number;
}

export const DEFAULT_PIN_WINDOW_MS = 10_000;
export const DEFAULT_HOLD_OFF_MS = 2_000;
export const DEFAULT_LOCKOUT: LockoutPolicy = { maxWrong: 5, windowMs: 60_000, lockMs: 60_000 };

export interface ReaderSessionOptions {
  readonly reader: ReaderId;
  readonly binding: ReaderBinding;
  readonly clock: Clock;
  readonly index: CredentialIndex;
  readonly profiles: TimeProfileLookup;
  readonly verifyPin: PinVerifier;
  /** See DecisionContext.lookupMiss. */
  readonly lookupMiss?: LookupMiss;
  readonly onEvent: (event: SessionEvent) => void;
  readonly pinWindowMs?: number;
  readonly holdOffMs?: number;
  readonly lockout?: Partial<LockoutPolicy>;
}

export type Presented = 'card' | 'pin' | 'card_pin' | 'frame';

export type SessionEvent =
  | {
      readonly type: 'decision';
      readonly reader: ReaderId;
      readonly at: number;
      readonly presented: Presented;
      /** The card number, for card presentations. */
      readonly number?: CredentialNumber;
      readonly decision: Decision;
    }
  | {
      readonly type: 'awaiting_pin';
      readonly reader: ReaderId;
      readonly at: number;
      readonly number: CredentialNumber;
      readonly identifierId: number;
      readonly deadlineAt: number;
    }
  | { readonly type: 'suppressed'; readonly reader: ReaderId; readonly at: number; readonly number: CredentialNumber }
  | {
      readonly type: 'lockout';
      readonly reader: ReaderId;
      readonly at: number;
      readonly untilAt: number;
      readonly wrongCount: number;
    }
  | { readonly type: 'lockout_released'; readonly reader: ReaderId; readonly at: number };

interface PendingCard {
  readonly read: CardRead;
  readonly identifierId: number;
  readonly timer: TimerHandle;
}

export class ReaderSession {
  private readonly pinWindowMs: number;
  private readonly holdOffUs: number;
  private readonly lockout: LockoutPolicy;
  private pending: PendingCard | undefined;
  private lastCard: CredentialNumber | undefined;
  private lastCardUs = 0;
  private wrongAtUs: number[] = [];
  private lockedUntilUs = 0;
  private releaseTimer: TimerHandle | undefined;

  constructor(private readonly opts: ReaderSessionOptions) {
    this.pinWindowMs = opts.pinWindowMs ?? DEFAULT_PIN_WINDOW_MS;
    this.holdOffUs = (opts.holdOffMs ?? DEFAULT_HOLD_OFF_MS) * 1000;
    this.lockout = { ...DEFAULT_LOCKOUT, ...opts.lockout };
  }

  get lockedOut(): boolean {
    return this.opts.clock.monotonicUs() < this.lockedUntilUs;
  }

  get awaitingPin(): boolean {
    return this.pending !== undefined;
  }

  handleCard(read: CardRead): SessionEvent {
    const { clock } = this.opts;
    const nowUs = clock.monotonicUs();
    if (this.lockedOut) return this.emitDecision('card', denied('locked_out'), read.number);

    const same = this.lastCard === read.number && nowUs - this.lastCardUs < this.holdOffUs;
    this.lastCard = read.number;
    this.lastCardUs = nowUs;
    if (same) return this.emit({ type: 'suppressed', reader: this.opts.reader, at: clock.now(), number: read.number });

    this.cancelPending();
    const decision = this.decide(read);
    if (decision.reason !== 'pin_required' || decision.identifierId === undefined) {
      return this.emitDecision('card', decision, read.number);
    }
    const timer = clock.setTimeout(() => this.pinTimedOut(), this.pinWindowMs);
    this.pending = { read, identifierId: decision.identifierId, timer };
    return this.emit({
      type: 'awaiting_pin',
      reader: this.opts.reader,
      at: clock.now(),
      number: read.number,
      identifierId: decision.identifierId,
      deadlineAt: clock.now() + this.pinWindowMs,
    });
  }

  handlePin(entry: PinEntry): SessionEvent {
    if (this.lockedOut) return this.emitDecision('pin', denied('locked_out'));
    const pending = this.pending;
    this.cancelPending();
    let event: SessionEvent;
    let wrong: boolean;
    if (pending) {
      const { number, alternates } = pending.read;
      const decision = this.decide({ kind: 'card_pin', number, alternates, pin: entry.pin });
      event = this.emitDecision('card_pin', decision, number);
      wrong = decision.reason === 'pin_wrong';
    } else {
      const decision = this.decide({ kind: 'pin', pin: entry.pin });
      event = this.emitDecision('pin', decision);
      wrong = decision.reason === 'unknown';
    }
    if (wrong) this.countWrongPin();
    return event;
  }

  /** A frame that failed parity or framing: journal it as a deny without a credential. */
  handleRejectedFrame(): SessionEvent {
    return this.emitDecision('frame', denied('parity_error'));
  }

  /** Cancel timers (reader removed or daemon stopping). */
  dispose(): void {
    this.cancelPending();
    if (this.releaseTimer) this.opts.clock.clearTimeout(this.releaseTimer);
    this.releaseTimer = undefined;
  }

  private decide(read: AccessRead): Decision {
    const { clock, index, profiles, binding, verifyPin, lookupMiss } = this.opts;
    return decide(read, { now: clock.now(), index, profiles, reader: binding, verifyPin, lookupMiss });
  }

  private cancelPending(): void {
    if (this.pending) this.opts.clock.clearTimeout(this.pending.timer);
    this.pending = undefined;
  }

  private pinTimedOut(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.emitDecision('card', denied('card_then_pin_timeout', pending.identifierId), pending.read.number);
  }

  private countWrongPin(): void {
    const { clock } = this.opts;
    const nowUs = clock.monotonicUs();
    const windowStartUs = nowUs - this.lockout.windowMs * 1000;
    this.wrongAtUs = this.wrongAtUs.filter((t) => t > windowStartUs);
    this.wrongAtUs.push(nowUs);
    if (this.wrongAtUs.length < this.lockout.maxWrong) return;
    const wrongCount = this.wrongAtUs.length;
    this.wrongAtUs = [];
    this.lockedUntilUs = nowUs + this.lockout.lockMs * 1000;
    if (this.releaseTimer) clock.clearTimeout(this.releaseTimer);
    this.releaseTimer = clock.setTimeout(() => {
      this.releaseTimer = undefined;
      this.emit({ type: 'lockout_released', reader: this.opts.reader, at: clock.now() });
    }, this.lockout.lockMs);
    this.emit({ type: 'lockout', reader: this.opts.reader, at: clock.now(), untilAt: clock.now() + this.lockout.lockMs, wrongCount });
  }

  private emitDecision(presented: Presented, decision: Decision, number?: CredentialNumber): SessionEvent {
    const base = { type: 'decision' as const, reader: this.opts.reader, at: this.opts.clock.now(), presented, decision };
    return this.emit(number === undefined ? base : { ...base, number });
  }

  private emit(event: SessionEvent): SessionEvent {
    this.opts.onEvent(event);
    return event;
  }
}
