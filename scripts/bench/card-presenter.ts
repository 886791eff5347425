/**
 * The import figure's simulated reader, run as its own process (spawnLineChild, argument: the
 * daemon's sim reader socket): a real reader never stalls, so the card's edges are paced by an
 * event loop with nothing else to do. Each `present` line on stdin plays BENCH_CARD once in real
 * time (26 bits, 2 ms apart) and answers one JSON line (`PresentedFrame`); stdin's end closes it.
 * It writes `ready` once connected.
 *
 * Timing is reported so that a lost card can be blamed on the sender or on the daemon: the
 * daemon ends a frame after a silence of DEFAULT_SILENCE_TIMEOUT.periodMultiple bit periods, so a
 * sender that goes quiet that long mid-frame splits the frame itself.
 */
import { createInterface } from 'node:readline';
import { edgeTrain } from '../../src/capture/sim/edge-train.ts';
import { connectSimEdgeClient, paceEdges, type SimEdgeClient } from '../../src/capture/sim/sim-edge-client.ts';
import { systemClock } from '../../src/core/clock.ts';
import { DEFAULT_SILENCE_TIMEOUT } from '../../src/wiegand/frame/silence-timeout.ts';
import { READY } from './line-child.ts';
import { BENCH_CARD } from './serial-relay.ts';

const INTERVAL_US = 2000;
const TRAIN = edgeTrain(BENCH_CARD.bits, { pulseUs: 50, intervalUs: INTERVAL_US });

/** A silence this long between two sends of one frame ends the frame in the daemon. */
export const SPLITTING_SILENCE_MS = (DEFAULT_SILENCE_TIMEOUT.periodMultiple * INTERVAL_US) / 1000;

export interface PresentedFrame {
  /** When the last edge was actually sent, monotonicMs() (system monotonic clock, shared by processes). */
  readonly lastSentMs: number;
  /** Largest (actual − planned) send time over the frame's edges. */
  readonly maxLateMs: number;
  /** Longest time between two consecutive sends of the frame (planned: one bit interval minus a pulse). */
  readonly longestSilenceMs: number;
}

export const PRESENT = 'present';

/** Plays the card once in real time on `client`, timing every send. */
export async function presentCard(client: SimEdgeClient): Promise<PresentedFrame> {
  let maxLateUs = 0;
  let longestSilenceUs = 0;
  let lastSentUs = 0;
  await paceEdges(TRAIN, systemClock, (edges) => {
    const now = systemClock.monotonicUs();
    for (const e of edges) maxLateUs = Math.max(maxLateUs, now - e.timeUs);
    if (lastSentUs > 0) longestSilenceUs = Math.max(longestSilenceUs, now - lastSentUs);
    lastSentUs = now;
    return client.send('door1', edges);
  });
  return { lastSentMs: lastSentUs / 1000, maxLateMs: maxLateUs / 1000, longestSilenceMs: longestSilenceUs / 1000 };
}

/** Connects once the daemon's socket is up: the capacity figure starts this process before its other starts and that daemon. */
async function connectWhenListening(socketPath: string, timeoutMs = 600_000): Promise<SimEdgeClient> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return await connectSimEdgeClient(socketPath);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || performance.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const client = await connectWhenListening(process.argv[2]!);
  const gc = (globalThis as { gc?: (o?: { type: 'minor' | 'major' }) => void }).gc;
  gc?.();
  process.stdout.write(`${READY}\n`);
  for await (const line of createInterface({ input: process.stdin })) {
    if (line !== PRESENT) continue;
    process.stdout.write(JSON.stringify(await presentCard(client)) + '\n');
    // Collect between cards, so no collection pauses the pacing of a frame (its parallel phases
    // wait for helper threads that run at normal priority).
    gc?.({ type: 'minor' });
  }
  await client.close();
}
