/**
 * Failed-login throttling per client address, on an injected clock.
 *
 * The first `freeFailures` failures inside `windowMs` cost nothing; each failure after that locks
 * the address out for `baseLockMs · 2^(extra failures - 1)`, capped at `maxLockMs`. A success
 * clears the address. While locked out, attempts are refused without checking the password, so
 * a guesser gains nothing from trying faster. At most `maxTracked` addresses are remembered (the
 * oldest is forgotten first) so a flood of spoofed sources cannot grow memory without bound.
 */
import type { Clock } from '../core/clock.ts';

export interface LoginThrottleOptions {
  readonly freeFailures?: number;
  readonly windowMs?: number;
  readonly baseLockMs?: number;
  readonly maxLockMs?: number;
  readonly maxTracked?: number;
}

interface Entry {
  failures: number;
  firstFailureAt: number;
  lockedUntil: number;
}

export type ThrottleCheck = { readonly allowed: true } | { readonly allowed: false; readonly retryAfterMs: number };

export class LoginThrottle {
  private readonly entries = new Map<string, Entry>();
  private readonly freeFailures: number;
  private readonly windowMs: number;
  private readonly baseLockMs: number;
  private readonly maxLockMs: number;
  private readonly maxTracked: number;

  constructor(
    private readonly clock: Clock,
    opts: LoginThrottleOptions = {},
  ) {
    this.freeFailures = opts.freeFailures ?? 5;
    this.windowMs = opts.windowMs ?? 15 * 60_000;
    this.baseLockMs = opts.baseLockMs ?? 1000;
    this.maxLockMs = opts.maxLockMs ?? 15 * 60_000;
    this.maxTracked = opts.maxTracked ?? 10_000;
  }

  check(client: string): ThrottleCheck {
    const e = this.current(client);
    const wait = e ? e.lockedUntil - this.clock.now() : 0;
    return wait > 0 ? { allowed: false, retryAfterMs: wait } : { allowed: true };
  }

  failure(client: string): void {
    const now = this.clock.now();
    let e = this.current(client);
    if (!e) {
      e = { failures: 0, firstFailureAt: now, lockedUntil: 0 };
      this.entries.set(client, e);
      this.evictOldest();
    }
    e.failures++;
    const extra = e.failures - this.freeFailures;
    if (extra > 0) e.lockedUntil = now + Math.min(this.maxLockMs, this.baseLockMs * 2 ** Math.min(extra - 1, 30));
  }

  success(client: string): void {
    this.entries.delete(client);
  }

  get tracked(): number {
    return this.entries.size;
  }

  /** The entry for a client unless its window and lock have both passed. */
  private current(client: string): Entry | undefined {
    const e = this.entries.get(client);
    if (!e) return undefined;
    const now = this.clock.now();
    if (now - e.firstFailureAt >= this.windowMs && now >= e.lockedUntil) {
      this.entries.delete(client);
      return undefined;
    }
    return e;
  }

  private evictOldest(): void {
    while (this.entries.size > this.maxTracked) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) return;
      this.entries.delete(oldest);
    }
  }
}
