/**
 * Cards presented by the simulated reader process (card-presenter.ts) every PERIOD_MS while
 * something else goes on in the daemon, timed from the last edge sent to the relay's "unlocked"
 * on the events stream: the import figure (an import) and the capacity figure (a start-up's
 * background index load).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PRESENT, SPLITTING_SILENCE_MS, type PresentedFrame } from './card-presenter.ts';
import { monotonicMs, type RelayWatch } from './child-daemon.ts';
import type { LineChild } from './line-child.ts';
import { summarize, type Summary } from './stats.ts';

const PERIOD_MS = 100;
/** A card whose relay has not moved after this long was not granted (split or rejected frame). */
const LOST_AFTER_MS = 2000;

export interface Phase {
  readonly latencies: number[];
  lost: number;
  /** Frames after which the stream showed frame_rejected or access_denied (the daemon saw pieces, not the card). */
  splitSeen: number;
  /** Frames with a send-to-send silence ≥ SPLITTING_SILENCE_MS: the sender could split them itself. */
  senderStalls: number;
  /** Lost cards whose sender stalled (blame the measurement), and whose sender did not (blame the daemon). */
  lostSenderStalled: number;
  lostSenderSteady: number;
  /** Per frame: largest lateness of an edge's send vs its plan (ms). */
  readonly maxLateMs: number[];
}

/**
 * The daemon's verdicts that a presented card can only get when it arrived in pieces: pieces that
 * fit no format are rejected, pieces that do (the raw format takes any length) are unknown cards.
 */
const PIECE_EVENTS = ['frame_rejected', 'access_denied'];
const piecesSoFar = (relay: RelayWatch): number =>
  Object.entries(relay.counts()).reduce((n, [k, v]) => (PIECE_EVENTS.some((t) => k.startsWith(t)) ? n + v : n), 0);

/**
 * Has the reader process present the card every PERIOD_MS until `stop()` is true; collects last
 * edge → relay unlocked latencies (ms) and, per frame, what the sender and the daemon did.
 */
export async function presentEvery(reader: LineChild, relay: RelayWatch, stop: () => boolean): Promise<Phase> {
  const phase: Phase = { latencies: [], lost: 0, splitSeen: 0, senderStalls: 0, lostSenderStalled: 0, lostSenderSteady: 0, maxLateMs: [] };
  let next = monotonicMs();
  while (!stop()) {
    const piecesBefore = piecesSoFar(relay);
    const unlocked = relay.next('unlocked', LOST_AFTER_MS);
    const locked = relay.next('locked', LOST_AFTER_MS);
    reader.send(PRESENT);
    const frame = JSON.parse(await reader.nextLine()) as PresentedFrame;
    const stalled = frame.longestSilenceMs >= SPLITTING_SILENCE_MS;
    phase.maxLateMs.push(frame.maxLateMs);
    if (stalled) phase.senderStalls++;
    try {
      phase.latencies.push((await unlocked) - frame.lastSentMs);
    } catch {
      phase.lost++;
      if (stalled) phase.lostSenderStalled++;
      else phase.lostSenderSteady++;
    }
    await locked.catch(() => {});
    // A split frame's pieces are decided within one silence timeout of their last edge, long
    // before the lost card's LOST_AFTER_MS (or a granted card's relock) has passed.
    if (piecesSoFar(relay) > piecesBefore) phase.splitSeen++;
    next = Math.max(next + PERIOD_MS, monotonicMs());
    await sleep(Math.max(0, next - monotonicMs()));
  }
  return phase;
}

export const presented = (p: Phase) => p.latencies.length + p.lost;

/** Several phases of the same kind (rounds of one figure) as one: their cards and counts together. */
export function mergePhases(phases: readonly Phase[]): Phase {
  const sum = (k: 'lost' | 'splitSeen' | 'senderStalls' | 'lostSenderStalled' | 'lostSenderSteady') => phases.reduce((n, p) => n + p[k], 0);
  return {
    latencies: phases.flatMap((p) => p.latencies),
    lost: sum('lost'), splitSeen: sum('splitSeen'), senderStalls: sum('senderStalls'),
    lostSenderStalled: sum('lostSenderStalled'), lostSenderSteady: sum('lostSenderSteady'),
    maxLateMs: phases.flatMap((p) => p.maxLateMs),
  };
}

/** "3 of 250 lost (1 after a sender stall, 2 with a steady sender); …; sender lateness per frame median … ms" */
export function describePhase(p: Phase): string {
  const late = summarize(p.maxLateMs);
  return `${p.lost} of ${presented(p)} lost (${p.lostSenderStalled} after a sender stall, ${p.lostSenderSteady} with a steady sender); ` +
    `${p.splitSeen} frames seen split by the daemon (frame_rejected/access_denied), ${p.senderStalls} sender silences ≥ ${SPLITTING_SILENCE_MS} ms; ` +
    `sender lateness per frame median ${late.median.toFixed(2)} / p99 ${late.p99.toFixed(2)} / max ${late.max.toFixed(2)} ms`;
}

export function phaseData(p: Phase, latency: Summary) {
  return {
    latency, lost: p.lost, splitSeen: p.splitSeen, senderStalls: p.senderStalls,
    lostSenderStalled: p.lostSenderStalled, lostSenderSteady: p.lostSenderSteady, senderLateMs: summarize(p.maxLateMs),
  };
}
