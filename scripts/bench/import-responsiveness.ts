/**
 * Responsiveness under import: the child daemon takes 100,000 identifier updates through the API
 * (seed 000 PUT batches of 10,000, one after another) while a card is presented every 100 ms on
 * the simulated reader socket. Measured from outside as card latency: last edge → relay
 * 'unlocked' seen, first with no import (baseline), then during the import. The longest
 * event-loop block is estimated as the worst latency during the import minus the baseline median
 * (a card waiting behind a block is delayed by at most the block).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { edgeTrain } from '../../src/capture/sim/edge-train.ts';
import { paceEdges, type SimEdgeClient } from '../../src/capture/sim/sim-edge-client.ts';
import { systemClock } from '../../src/core/clock.ts';
import { connectSimEdgeClient, seedIdentifiers, tempDir, writeConfig } from '../../test/support/daemon-harness.ts';
import { batchBody, putBatch } from './batch-admin.ts';
import { fillIdentifiers } from './capacity.ts';
import { monotonicMs, startChildDaemon, watchRelay, type RelayWatch } from './child-daemon.ts';
import type { Figure } from './figure.ts';
import { BENCH_CARD, BENCH_DOOR } from './serial-relay.ts';
import { formatSummary, summarize } from './stats.ts';

const TARGET_BLOCK_MS = 10;
const TARGET_P99_DELTA_MS = 2;
const PERIOD_MS = 100;
/** A card whose relay has not moved after this long was not granted (split or rejected frame). */
const LOST_AFTER_MS = 2000;

/** 26 bits, 50 µs pulses, 2 ms apart: what a typical reader sends. */
const TRAIN = edgeTrain(BENCH_CARD.bits, { pulseUs: 50, intervalUs: 2000 });

/**
 * Presents the card every PERIOD_MS until `stop()` is true, its edges sent in real time (as
 * `doorctl sim` does); returns last edge → relay unlocked latencies (ms).
 */
async function presentEvery(client: SimEdgeClient, relay: RelayWatch, stop: () => boolean): Promise<{ latencies: number[]; lost: number }> {
  const latencies: number[] = [];
  let lost = 0;
  let next = monotonicMs();
  while (!stop()) {
    const unlocked = relay.next('unlocked', LOST_AFTER_MS);
    const locked = relay.next('locked', LOST_AFTER_MS);
    const sent = await paceEdges(TRAIN, systemClock, (edges) => client.send('door1', edges));
    try {
      latencies.push((await unlocked) - sent[sent.length - 1]!.timeUs / 1000);
    } catch {
      lost++;
    }
    await locked.catch(() => {});
    next = Math.max(next + PERIOD_MS, monotonicMs());
    await sleep(Math.max(0, next - monotonicMs()));
  }
  return { latencies, lost };
}

export const importResponsiveness: Figure = {
  name: 'import',
  description: 'card latency every 100 ms while 100,000 identifiers are imported through the API',
  async run(ctx) {
    const total = ctx.smoke ? 4000 : 100_000;
    const BATCH = ctx.smoke ? 2000 : 10_000;
    const dir = tempDir('doorctl-bench-import-');
    try {
      const configPath = writeConfig(dir.path, { gpio: { backend: 'sim' }, doors: [BENCH_DOOR], readers: [{ id: 'door1', door: 1, holdOffMs: 0 }] });
      fillIdentifiers(join(dir.path, 'data'), total);
      seedIdentifiers(configPath, [BENCH_CARD.identifier as never]);
      const daemon = await startChildDaemon(configPath);
      const relay = await watchRelay(daemon);
      const client = await connectSimEdgeClient(join(dir.path, 'data', 'sim-reader.sock'));
      try {
        const bodies = Array.from({ length: total / BATCH }, (_, b) => batchBody(b * BATCH, BATCH, 1));
        const baselineUntil = monotonicMs() + (ctx.smoke ? 1000 : 10_000);
        const before = await presentEvery(client, relay, () => monotonicMs() > baselineUntil);
        const baseline = summarize(before.latencies);
        const countsBefore = relay.counts();
        ctx.log(`import: baseline ${formatSummary(baseline, 'ms')}`);

        let importing = true;
        const cards = presentEvery(client, relay, () => !importing);
        const t0 = performance.now();
        const batches: number[] = [];
        try {
          for (const body of bodies) {
            const r = await putBatch(daemon, body);
            if (r.ok !== BATCH) throw new Error(`${r.ok}/${BATCH} items succeeded`);
            batches.push(r.ms);
          }
        } finally {
          importing = false;
        }
        const importS = (performance.now() - t0) / 1000;
        const after = await cards;
        const during = summarize(after.latencies);
        const countsDuring = Object.fromEntries(Object.entries(relay.counts()).map(([k, v]) => [k, v - (countsBefore[k] ?? 0)]));
        const blockMs = during.max - baseline.median;
        const p99Delta = during.p99 - baseline.p99;
        return {
          rows: [
            {
              figure: `under import: longest event-loop block (estimated from card latency)`,
              measured: `${blockMs.toFixed(1)} ms (worst card ${during.max.toFixed(1)} ms − baseline median ${baseline.median.toFixed(1)} ms)`,
              target: `≤ ${TARGET_BLOCK_MS} ms`,
              met: blockMs <= TARGET_BLOCK_MS,
            },
            {
              figure: 'under import: cards presented with no relay movement (lost)',
              measured: `${after.lost} of ${after.lost + after.latencies.length} during import (${before.lost} of ${before.lost + before.latencies.length} before)`,
              target: '0',
              met: after.lost === 0 && before.lost === 0,
            },
            {
              figure: 'under import: card latency p99 vs no import',
              measured: `${during.p99.toFixed(1)} ms vs ${baseline.p99.toFixed(1)} ms (Δ ${p99Delta.toFixed(1)} ms)`,
              target: `Δ ≤ ${TARGET_P99_DELTA_MS} ms`,
              met: p99Delta <= TARGET_P99_DELTA_MS,
            },
          ],
          data: { identifiers: total, importS, batchMs: batches, baseline, during, lost: { before: before.lost, during: after.lost }, eventsDuringImport: countsDuring },
          notes: [
            `${total.toLocaleString('en')} updates in ${bodies.length} PUTs of ${BATCH.toLocaleString('en')} took ${importS.toFixed(1)} s; card latency (last edge → relay seen via ${relay.source === 'sse' ? 'SSE' : 'stdout log line'}) includes the end-of-frame wait. Baseline ${formatSummary(baseline, 'ms')}; during import ${formatSummary(during, 'ms')}; events on the stream during the import: ${JSON.stringify(countsDuring)}.`,
          ],
        };
      } finally {
        await client.close();
        relay.close();
        await daemon.stop();
      }
    } finally {
      dir.remove();
    }
  },
};
