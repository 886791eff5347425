/**
 * How long a Wiegand line must stay silent before the frame is over.
 *
 * Wiegand has no end marker: a frame ends when the reader stops sending. Peers wait a fixed
 * 25–100 ms; we scale the wait to the reader's own bit period so a typical 1–2 ms/bit reader closes
 * a few ms after its last bit, while a slow reader at the SIA limit (20 ms between bits) is never
 * split.
 */

export interface SilenceTimeoutParams {
  /** Wait = periodMultiple × measured bit period, then clamped to [floorMs, ceilingMs]. */
  readonly periodMultiple: number;
  readonly floorMs: number;
  readonly ceilingMs: number;
}

/** SIA AC-01 allows up to 20 ms between bits; the ceiling must stay above it. */
export const SIA_MAX_BIT_INTERVAL_MS = 20;
export const MIN_CEILING_MS = 25;

/**
 * Defaults, and why:
 * - periodMultiple 2.5: the wait must exceed the longest interval of a *valid* frame relative to
 *   the median. ±30 % jitter gives at most 1.3/0.7 ≈ 1.86× the median; a single lost bit gives 2×
 *   (such a frame fails parity anyway, but it should still be one frame for diagnosis). 2.5× covers
 *   both with 25 % margin and leaves half a bit period for timer lateness and the settle turn, so
 *   the frame is out within the target of 3 bit periods after the last bit on a real event loop
 *   (a multiple of exactly 3 measured 6.4 ms median at 2 ms/bit: the timer is always late).
 * - floorMs 2: Node timers have 1 ms resolution, and edges reach us through a pipe from gpiomon,
 *   which can be descheduled for around a millisecond on a busy Pi; waiting less than 2 ms would
 *   split frames of very fast readers (< 0.67 ms/bit) for no useful gain.
 * - ceilingMs 30: 10 ms (50 %) above the SIA maximum interval. 25 ms (the hard minimum) leaves
 *   5 ms for reader clock drift plus jitter in how late edges reach us, and a loaded test machine
 *   did split a 20 ms/bit frame after its first bit with 25 ms. The ceiling only applies to readers
 *   slower than 10 ms/bit and to the first bit of a frame, so typical readers never pay for it.
 */
export const DEFAULT_SILENCE_TIMEOUT: SilenceTimeoutParams = {
  periodMultiple: 2.5,
  floorMs: 2,
  ceilingMs: 30,
};

export function validateSilenceTimeoutParams(p: SilenceTimeoutParams): void {
  if (!(p.ceilingMs >= MIN_CEILING_MS)) {
    throw new RangeError(
      `ceilingMs must be >= ${MIN_CEILING_MS} so a reader at the SIA limit (${SIA_MAX_BIT_INTERVAL_MS} ms/bit) is never split; got ${p.ceilingMs}`,
    );
  }
  if (!(p.floorMs > 0 && p.floorMs <= p.ceilingMs)) {
    throw new RangeError(`floorMs must be > 0 and <= ceilingMs; got ${p.floorMs}`);
  }
  if (!(p.periodMultiple >= 1)) {
    throw new RangeError(`periodMultiple must be >= 1; got ${p.periodMultiple}`);
  }
}

/** Median of a non-empty list (mean of the middle two for even lengths). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const hi = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? hi : ((sorted[mid - 1] ?? hi) + hi) / 2;
}

/**
 * Silence (µs) after the last edge that ends the frame, given the inter-bit intervals seen so far.
 * With no interval yet (a single bit) we know nothing about the reader's rate, so we wait the
 * ceiling: any shorter wait could cut a SIA-legal slow reader after its first bit, and a fast
 * reader's second bit arrives within a few ms anyway, switching us to the adaptive wait. A 1-bit
 * frame is never a credential, so the long wait costs no real read any latency.
 * The median ignores a lost bit's doubled interval and a few jittery ones.
 */
export function silenceTimeoutUs(intervalsUs: readonly number[], p: SilenceTimeoutParams): number {
  const ceilingUs = p.ceilingMs * 1000;
  if (intervalsUs.length === 0) return ceilingUs;
  const wantUs = p.periodMultiple * median(intervalsUs);
  return Math.min(ceilingUs, Math.max(p.floorMs * 1000, wantUs));
}
