/**
 * Turns timestamped falling edges on D0/D1 into raw Wiegand frames. Pure: time comes from the
 * injected Clock; no GPIO here. One assembler per reader.
 *
 * Rules:
 * - A pulse on D0 is a 0, on D1 a 1 (index 0 = first bit sent).
 * - An edge whose measured width is below `glitchUs` is noise: ignored and counted.
 * - Pulse window: a pulse occupies its line for its measured `widthUs`, or, when the backend cannot
 *   measure widths, for `pulseWindowUs` (default 100 µs, SIA's maximum pulse width). SIA's minimum
 *   bit interval is 200 µs, so no legal reader ever starts a bit inside that window.
 *   - Another edge on the SAME line inside the window is contact bounce: ignored, counted as glitch.
 *   - An edge on the OTHER line inside the window means both lines were low at once. A reader never
 *     does that (crosstalk, a short, two readers on one bus, or a backend that merged edges after a
 *     stall), and the bit order is then unknowable: line fault `overlap`, the frame is discarded.
 * - More than `maxBits` bits: line fault `too_long`, the frame is discarded.
 * - End of frame by silence: see silence-timeout.ts. The deadline is computed from the edges' own
 *   timestamps, so where a frame ends does not depend on when edges were delivered. The timer that
 *   notices the silence waits, on top of the deadline, as long as the frame's recent edges took to
 *   reach us (capped at the ceiling): a backend that delivers through a pipe from a busy process (a
 *   Pi under load) hands us the next edge about that late, and closing before it arrives would
 *   split the frame. "Recent" is the edges inside the silence window before the last one: a stall
 *   that ended and was followed by prompt deliveries says nothing about the next edge, and counting
 *   it would add one mid-frame hiccup's length to the end of every frame it touched. With prompt
 *   delivery (ManualClock tests, an idle Pi) this costs nothing. "Reach us"
 *   is the edge's `arrivedUs` where the capture layer stamps it (the capture thread): edges that
 *   arrived but still wait for our loop are let in by the settle turn (onTimer), so the loop's own
 *   lateness is not waited for on top. Nor does the frame close while `deliveryPending` says edges
 *   are still on their way (the capture thread woken but not yet run).
 * A discarded frame keeps absorbing edges until the line goes silent, so its tail never starts a
 * bogus new frame. Likewise, if edges reach us so late that their frame was already closed (their
 * timestamps fall inside its silence window), they are a cut-off tail, not a new frame: they are
 * absorbed and counted as `lateTails` (a 26-bit card cut into 22 + 4 bits must not become a
 * keypad key).
 */
import type { Clock, TimerHandle } from '../../core/clock.ts';
import type { EdgeEvent, LineFault, RawFrame, ReaderId } from '../types.ts';
import {
  DEFAULT_SILENCE_TIMEOUT,
  median,
  silenceTimeoutUs,
  validateSilenceTimeoutParams,
  type SilenceTimeoutParams,
} from './silence-timeout.ts';

export interface FrameAssemblerOptions extends Partial<SilenceTimeoutParams> {
  readonly reader: ReaderId;
  readonly clock: Clock;
  /** Longest frame accepted (default 128). */
  readonly maxBits?: number;
  /** Pulses narrower than this (µs) are noise (default 10). Only applies when the backend measures widths. */
  readonly glitchUs?: number;
  /** How long a pulse holds its line when its width is unknown (µs, default 100 = SIA max width). */
  readonly pulseWindowUs?: number;
  readonly source?: RawFrame['source'];
  readonly onFrame: (frame: RawFrame) => void;
  readonly onFault: (fault: LineFault) => void;
  /**
   * True while edges may be on their way to us: taken in by the capture layer (or woken it) but
   * not handed over yet. A frame whose silence has passed then waits (re-checked every ms, for at
   * most the ceiling past its deadline) instead of closing without them.
   */
  readonly deliveryPending?: () => boolean;
}

export interface FrameAssemblerCounters {
  /** Frames emitted. */
  readonly frames: number;
  /** Edges ignored: too narrow, bounce inside the pulse window, or malformed. */
  readonly glitches: number;
  /** Frames discarded for overlapping D0/D1 activity. */
  readonly overlaps: number;
  /** Frames discarded for exceeding maxBits. */
  readonly tooLong: number;
  /** Tails of frames that were closed before their last edges were delivered (raise floorMs if > 0). */
  readonly lateTails: number;
}

export const FRAME_ASSEMBLER_DEFAULTS = {
  maxBits: 128,
  glitchUs: 10,
  pulseWindowUs: 100,
  ...DEFAULT_SILENCE_TIMEOUT,
} as const;

/** When an edge happened and how long after that it reached us. */
interface Delivery {
  readonly timeUs: number;
  readonly lagUs: number;
}

interface OpenFrame {
  readonly bits: Uint8Array;
  count: number;
  readonly firstEdgeUs: number;
  lastEdgeUs: number;
  lastLine: EdgeEvent['line'];
  lastWindowUs: number;
  readonly intervalsUs: number[];
  /** The last edge plus the silence that ends the frame after it (kept by arm). */
  deadlineUs: number;
  /** Edges' delivery lags, kept while they can still fall inside a silence window (the ceiling). */
  readonly deliveries: Delivery[];
  /** Largest delivery lag of the edges inside the silence window before the last edge (kept by arm). */
  lagUs: number;
  discarded: boolean;
}

/** Early wakes in a row with no time passed before the wait falls back to an exact timer (see onTimer). */
const STALLED_WAKES = 16;

export class FrameAssembler {
  private readonly reader: ReaderId;
  private readonly clock: Clock;
  private readonly maxBits: number;
  private readonly glitchUs: number;
  private readonly pulseWindowUs: number;
  private readonly silence: SilenceTimeoutParams;
  /** The silence ceiling in µs: also the cap on a delivery lag and on waiting for pending delivery. */
  private readonly ceilingUs: number;
  private readonly source: RawFrame['source'];
  private readonly onFrame: (frame: RawFrame) => void;
  private readonly onFault: (fault: LineFault) => void;
  private readonly deliveryPending: () => boolean;

  private frame: OpenFrame | null = null;
  private timer: TimerHandle | null = null;
  /** One callback for every timer and loop turn: the sub-ms wait takes hundreds of turns per frame. */
  private readonly fire = (): void => this.onTimer();
  /** What was left of the silence when a timer last woke early (-1: none yet). */
  private earlyRemainingUs = -1;
  /** Early wakes in a row that found the clock where the last one left it. */
  private stalledWakes = 0;
  /** Set when the deadline has passed and we gave pending I/O one loop turn to deliver late edges. */
  private settling = false;
  /** Deadline of the frame closed last: an edge stamped before it belongs to that frame. */
  private closedDeadlineUs = -Infinity;
  private readonly count = { frames: 0, glitches: 0, overlaps: 0, tooLong: 0, lateTails: 0 };

  constructor(opts: FrameAssemblerOptions) {
    this.reader = opts.reader;
    this.clock = opts.clock;
    this.maxBits = opts.maxBits ?? FRAME_ASSEMBLER_DEFAULTS.maxBits;
    this.glitchUs = opts.glitchUs ?? FRAME_ASSEMBLER_DEFAULTS.glitchUs;
    this.pulseWindowUs = opts.pulseWindowUs ?? FRAME_ASSEMBLER_DEFAULTS.pulseWindowUs;
    this.silence = {
      periodMultiple: opts.periodMultiple ?? FRAME_ASSEMBLER_DEFAULTS.periodMultiple,
      floorMs: opts.floorMs ?? FRAME_ASSEMBLER_DEFAULTS.floorMs,
      ceilingMs: opts.ceilingMs ?? FRAME_ASSEMBLER_DEFAULTS.ceilingMs,
    };
    validateSilenceTimeoutParams(this.silence);
    this.ceilingUs = this.silence.ceilingMs * 1000;
    if (!(Number.isInteger(this.maxBits) && this.maxBits >= 1)) {
      throw new RangeError(`maxBits must be a positive integer; got ${this.maxBits}`);
    }
    this.source = opts.source ?? 'gpio';
    this.onFrame = opts.onFrame;
    this.onFault = opts.onFault;
    this.deliveryPending = opts.deliveryPending ?? (() => false);
  }

  counters(): FrameAssemblerCounters {
    return { ...this.count };
  }

  /** Feeds one falling edge. Never throws on bad input. */
  edge(e: EdgeEvent): void {
    if ((e.line !== 'D0' && e.line !== 'D1') || !Number.isFinite(e.timeUs)) {
      this.count.glitches++;
      return;
    }
    const width = e.widthUs !== undefined && Number.isFinite(e.widthUs) ? e.widthUs : undefined;
    if (width !== undefined && width < this.glitchUs) {
      this.count.glitches++;
      return;
    }
    // A backend that delivers in batches may hand us the start of the next frame before our
    // timer ran: the edge's own timestamp says the previous frame is over.
    if (this.frame !== null && e.timeUs > this.frame.deadlineUs) this.close();

    const windowUs = width ?? this.pulseWindowUs;
    const lagUs = Math.min(this.ceilingUs, Math.max(0, (e.arrivedUs ?? this.clock.monotonicUs()) - e.timeUs));
    const f = this.frame;
    if (f === null) {
      this.frame = {
        bits: new Uint8Array(this.maxBits),
        count: 0,
        firstEdgeUs: e.timeUs,
        lastEdgeUs: e.timeUs,
        lastLine: e.line,
        lastWindowUs: windowUs,
        intervalsUs: [],
        deadlineUs: e.timeUs,
        deliveries: [{ timeUs: e.timeUs, lagUs }],
        lagUs: 0,
        discarded: e.timeUs <= this.closedDeadlineUs,
      };
      if (this.frame.discarded) this.count.lateTails++;
      this.appendBit(this.frame, e);
      return;
    }

    f.deliveries.push({ timeUs: e.timeUs, lagUs });
    const dt = e.timeUs - f.lastEdgeUs;
    if (dt < f.lastWindowUs) {
      if (e.line === f.lastLine) {
        this.count.glitches++;
        return;
      }
      if (!f.discarded) {
        f.discarded = true;
        this.count.overlaps++;
        this.onFault({
          reader: this.reader,
          kind: 'overlap',
          atUs: e.timeUs,
          detail: `${e.line} fell ${dt} µs after ${f.lastLine} (pulse window ${f.lastWindowUs} µs)`,
        });
      }
      f.lastEdgeUs = Math.max(f.lastEdgeUs, e.timeUs);
      this.arm(f);
      return;
    }
    // The interval list only feeds the period estimate; past maxBits it has all it needs.
    if (f.intervalsUs.length < this.maxBits) f.intervalsUs.push(dt);
    f.lastEdgeUs = e.timeUs;
    f.lastLine = e.line;
    f.lastWindowUs = windowUs;
    this.appendBit(f, e);
  }

  /** Drops any partial frame and its timer (on stop). */
  dispose(): void {
    this.cancelTimer();
    this.frame = null;
  }

  private appendBit(f: OpenFrame, e: EdgeEvent): void {
    if (f.count < this.maxBits) {
      f.bits[f.count] = e.line === 'D1' ? 1 : 0;
    } else if (!f.discarded) {
      f.discarded = true;
      this.count.tooLong++;
      this.onFault({ reader: this.reader, kind: 'too_long', atUs: e.timeUs, detail: `more than ${this.maxBits} bits` });
    }
    f.count++;
    this.arm(f);
  }

  private arm(f: OpenFrame): void {
    const timeoutUs = silenceTimeoutUs(f.intervalsUs, this.silence);
    f.deadlineUs = f.lastEdgeUs + timeoutUs;
    while ((f.deliveries[0]?.timeUs ?? Infinity) < f.lastEdgeUs - this.ceilingUs) f.deliveries.shift();
    f.lagUs = 0;
    for (const d of f.deliveries) if (d.timeUs >= f.lastEdgeUs - timeoutUs) f.lagUs = Math.max(f.lagUs, d.lagUs);
    this.schedule(f);
  }

  /**
   * Sets the timer for the rest of the silence. Node's timers count whole ms of the loop's cached
   * clock and wait a fractional delay out to the next whole ms, up to 1 ms late: so the timer is
   * set for the whole ms only, and the rest is waited in loop turns (onTimer), which keep reading
   * I/O. `exact` sets it for all of it, for a clock on which loop turns take no time (a test's).
   */
  private schedule(f: OpenFrame, exact = false): void {
    this.cancelTimer();
    // remaining = deadline − now: with late delivery part of the silence has already elapsed.
    // An edge clock ahead of ours is clamped to a full wait so the frame still ends.
    const waitUs = f.deadlineUs - f.lastEdgeUs + f.lagUs;
    const remainingUs = Math.min(waitUs, Math.max(0, f.deadlineUs + f.lagUs - this.clock.monotonicUs()));
    if (exact) this.timer = this.clock.setTimeout(this.fire, remainingUs / 1000);
    else if (remainingUs < 1000) this.timer = this.clock.defer(this.fire);
    else this.timer = this.clock.setTimeout(this.fire, Math.floor(remainingUs / 1000));
  }

  private onTimer(): void {
    this.timer = null;
    const f = this.frame;
    if (f === null) return;
    const remainingUs = f.deadlineUs + f.lagUs - this.clock.monotonicUs();
    if (remainingUs > 0 && remainingUs <= f.deadlineUs - f.lastEdgeUs + f.lagUs) {
      // Woken early: by design (schedule), or by a timer set while the loop's cached clock was
      // stale. Turns in which no time passes (a test clock) fall back to an exact timer; one turn
      // alone proves nothing: a real loop turn can take under the clock's 1 µs, and an exact
      // timer for the rest then fired up to 1 ms late (the end-of-frame median went from 5.03 to
      // 5.28 ms once a turn stopped allocating: bench --only eof).
      this.stalledWakes = remainingUs === this.earlyRemainingUs ? this.stalledWakes + 1 : 0;
      this.earlyRemainingUs = remainingUs;
      this.schedule(f, this.stalledWakes >= STALLED_WAKES);
      return;
    }
    if (!this.settling) {
      if (this.deliveryPending() && this.clock.monotonicUs() < f.deadlineUs + f.lagUs + this.ceilingUs) {
        this.timer = this.clock.setTimeout(this.fire, 1);
        return;
      }
      // The event loop runs due timers before reading I/O, so after a stall our timer can fire
      // while edges of this very frame sit unread in the backend's pipe. One loop turn lets them
      // in; an edge inside the deadline extends the frame, one past it closes it first.
      this.settling = true;
      this.timer = this.clock.defer(this.fire);
      return;
    }
    this.close();
  }

  private close(): void {
    const f = this.frame;
    this.cancelTimer();
    this.frame = null;
    if (f === null) return;
    this.closedDeadlineUs = f.deadlineUs;
    if (f.discarded) return;
    this.count.frames++;
    this.onFrame({
      reader: this.reader,
      bits: f.bits.slice(0, f.count),
      firstEdgeUs: f.firstEdgeUs,
      lastEdgeUs: f.lastEdgeUs,
      bitPeriodUs: f.intervalsUs.length > 0 ? median(f.intervalsUs) : 0,
      source: this.source,
    });
  }

  private cancelTimer(): void {
    if (this.timer !== null) {
      this.clock.clearTimeout(this.timer);
      this.timer = null;
    }
    this.settling = false;
  }
}
