/**
 * Responsiveness under import: the child daemon takes 100,000 identifier updates through the API
 * (seed 000 PUT batches of 10,000, one after another) while a card is presented every 100 ms on
 * the simulated reader socket. Measured from outside as card latency: last edge sent → relay
 * 'unlocked' seen on the events stream, first with no import (baseline), then during the import.
 * The import is made again, pass after pass, until it has lasted IMPORT_MIN_MS: on a machine that
 * imports 100,000 items in 5 s, one pass holds ~46 cards, whose nearest-rank p99 is simply the
 * worst card, while the baseline's 101 cards give their second worst; ~150 cards give a p99 of the
 * same kind as the baseline's.
 * The longest event-loop block is measured inside the daemon (loop-monitor.cjs, preloaded: the
 * longest gap between ticks of a 1 ms timer, less the 1 ms), and split into the time the loop's
 * thread ran, waited for a CPU and slept; the worst latency during the import
 * minus the baseline median is given beside it as the view from outside (it also holds scheduling
 * delays of the reader and this process).
 *
 * Beside it, the machine's floor: an idle event loop in a process of its own at the daemon's
 * priority, watched the same way (idle-loop.ts): the part of the daemon's gaps that is this
 * machine's scheduling, whatever the daemon does.
 *
 * Three processes besides the daemon, so the measurement cannot stall itself: the importer
 * (import-client.ts: 2.2 MB bodies built, sent and parsed; behind the daemon at nice +10, as the
 * load campaign's clients: it stands for a console on another machine), the reader
 * (card-presenter.ts: edges paced by an otherwise idle event loop, ahead at nice -10 and, where allowed, in
 * real-time scheduling above the daemon's loop, as a hardware reader's edges wait for no CPU) and this one, which watches the events stream and
 * exchanges one short line per card (its main thread real-time as well while it measures: it stands
 * for the relay, and its own late wake-ups would count as the daemon's). A lost card is attributed: frames the daemon saw in pieces
 * (frame_rejected or access_denied on the stream), and lost cards whose sender went quiet
 * mid-frame long enough to split them itself.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { seedIdentifiers, tempDir } from '../../test/support/daemon-harness.ts';
import { fillIdentifiers } from './capacity.ts';
import { SPLITTING_SILENCE_MS } from './card-presenter.ts';
import { CLIENT_NICE, deprioritizeClient, prioritizeReader, READER_NICE, READER_REALTIME_PRIORITY, standInForHardware } from './process-priority.ts';
import { monotonicMs, startChildDaemon, watchRelay } from './child-daemon.ts';
import type { Figure } from './figure.ts';
import { startIdleLoop } from './idle-loop.ts';
import type { ImportReport } from './import-client.ts';
import { READY, spawnLineChild } from './line-child.ts';
import { describePhase, phaseData, presentEvery, presented } from './present-cards.ts';
import { BENCH_CARD, writeSimDoorConfig } from './serial-relay.ts';
import { formatSummary, summarize } from './stats.ts';

const TARGET_BLOCK_MS = 10;
const TARGET_P99_DELTA_MS = 2;
/** Cards come every 100 ms: 15 s of import holds ~150 of them (see above). */
const IMPORT_MIN_MS = 15_000;
const script = (name: string) => join(import.meta.dirname, name);
/** The monitor's timer interval: a gap of one interval is an idle loop. */
const MONITOR_INTERVAL_MS = 1;
/** A loop gap as a block: the monitor's own interval taken off. */
const blockOf = (gapMs: number): number => Math.max(0, gapMs - MONITOR_INTERVAL_MS);

/** One loop gap as the monitor split it: ms the thread ran, and ms it waited for a CPU (NaN if unknown). */
interface Gap {
  readonly ms: number;
  readonly ranMs: number;
  readonly waitedMs: number;
}

interface LoopWindow {
  /** The longest gap. */
  readonly longest: Gap;
  /** The longest gap less its wait for a CPU: the loop's own running and sleeping (NaN if unknown). */
  readonly longestOwnMs: number;
  readonly gcMs: number;
}

/** What the daemon's loop monitor recorded between two instants (CLOCK_MONOTONIC ms); gaps and GC pauses under its 2 ms floor count as 0. */
function loopWindow(file: string, fromMs: number, toMs: number): LoopWindow {
  let longest: Gap = { ms: 0, ranMs: 0, waitedMs: 0 };
  let longestOwnMs = 0;
  let gcMs = 0;
  if (!existsSync(file)) return { longest, longestOwnMs, gcMs };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [kind, end, ms, ran, waited] = line.split(' ');
    const endMs = Number(end) / 1000;
    const durationMs = Number(ms);
    if (!Number.isFinite(endMs) || !Number.isFinite(durationMs) || endMs - durationMs < fromMs || endMs > toMs) continue;
    if (kind === 'gc') gcMs = Math.max(gcMs, durationMs);
    if (kind !== 'gap') continue;
    const gap = { ms: durationMs, ranMs: Number(ran), waitedMs: Number(waited) };
    if (gap.ms > longest.ms) longest = gap;
    longestOwnMs = Math.max(longestOwnMs, gap.ms - gap.waitedMs);
  }
  return { longest, longestOwnMs, gcMs };
}

/** "13.7 ms (ran 1.2, waited for a CPU 10.4, asleep 2.1)" — the monitor's interval taken off. */
function describeGap(g: Gap): string {
  const block = blockOf(g.ms);
  if (!Number.isFinite(g.waitedMs)) return `${block.toFixed(1)} ms`;
  const asleep = Math.max(0, g.ms - g.ranMs - g.waitedMs);
  return `${block.toFixed(1)} ms (ran ${g.ranMs.toFixed(1)}, waited for a CPU ${g.waitedMs.toFixed(1)}, asleep ${asleep.toFixed(1)})`;
}

export const importResponsiveness: Figure = {
  name: 'import',
  description: 'card latency every 100 ms while 100,000 identifiers are imported through the API',
  async run(ctx) {
    const total = ctx.smoke ? 4000 : 100_000;
    const BATCH = ctx.smoke ? 2000 : 10_000;
    const dir = tempDir('doorctl-bench-import-');
    try {
      const configPath = writeSimDoorConfig(dir.path, {}, { holdOffMs: 0 });
      fillIdentifiers(join(dir.path, 'data'), total);
      seedIdentifiers(configPath, [BENCH_CARD.identifier as never]);
      const monitorFile = join(dir.path, 'loop-gaps.txt');
      const daemon = await startChildDaemon(configPath, {
        env: { LOOP_MONITOR_OUT: monitorFile, LOOP_MONITOR_INTERVAL_MS: String(MONITOR_INTERVAL_MS) },
        nodeArgs: ['--require', script('loop-monitor.cjs')],
      });
      const relay = await watchRelay(daemon);
      const idleLoopFile = join(dir.path, 'idle-loop-gaps.txt');
      const idleLoop = startIdleLoop(idleLoopFile, MONITOR_INTERVAL_MS);
      const reader = spawnLineChild(script('card-presenter.ts'), [join(dir.path, 'data', 'sim-reader.sock')]);
      const readerFirst = prioritizeReader([reader.pid]);
      const readerRealtime = standInForHardware(reader.pid) !== undefined;
      // This process timestamps the relay events: a late wake-up here would count as the daemon's.
      const observerNormal = standInForHardware(process.pid);
      try {
        if ((await reader.nextLine()) !== READY) throw new Error('card presenter did not start');
        const baselineFrom = monotonicMs();
        const baselineUntil = baselineFrom + (ctx.smoke ? 1000 : 10_000);
        const before = await presentEvery(reader, relay, () => monotonicMs() > baselineUntil);
        const baseline = summarize(before.latencies);
        const countsBefore = relay.counts();
        ctx.log(`import: baseline ${formatSummary(baseline, 'ms')}; ${describePhase(before)}`);

        const importer = spawnLineChild(script('import-client.ts'), [], {
          IMPORT_BASE_URL: daemon.base, IMPORT_TOKEN: daemon.token, IMPORT_TOTAL: String(total), IMPORT_BATCH: String(BATCH),
          IMPORT_MIN_MS: String(ctx.smoke ? 0 : IMPORT_MIN_MS),
        });
        deprioritizeClient(importer.pid);
        if ((await importer.nextLine()) !== READY) throw new Error('importer did not start');
        const importFrom = monotonicMs();
        let importing = true;
        const imported = (async () => {
          try {
            const r = JSON.parse(await importer.nextLine()) as ImportReport;
            await importer.close();
            return r;
          } finally {
            importing = false;
          }
        })();
        const [report, after] = await Promise.all([imported, presentEvery(reader, relay, () => !importing)]);
        const importUntil = monotonicMs();
        // The monitor writes its gaps every 500 ms.
        await sleep(600);
        const loopBefore = loopWindow(monitorFile, baselineFrom, baselineUntil);
        const loopDuring = loopWindow(monitorFile, importFrom, importUntil);
        const floorBefore = loopWindow(idleLoopFile, baselineFrom, baselineUntil);
        const floorDuring = loopWindow(idleLoopFile, importFrom, importUntil);
        const blockMeasuredMs = blockOf(loopDuring.longest.ms);
        const failed = report.okItems.findIndex((ok) => ok !== BATCH);
        if (failed >= 0) throw new Error(`PUT ${failed + 1}: ${report.okItems[failed]}/${BATCH} items succeeded`);
        const importS = (report.endMs - report.startMs) / 1000;
        const during = summarize(after.latencies);
        const countsDuring = Object.fromEntries(Object.entries(relay.counts()).map(([k, v]) => [k, v - (countsBefore[k] ?? 0)]));
        const blockMs = during.max - baseline.median;
        const p99Delta = during.p99 - baseline.p99;
        ctx.log(`import: during ${formatSummary(during, 'ms')}; ${describePhase(after)}`);
        return {
          rows: [
            {
              figure: 'under import: longest event-loop block (measured in the daemon)',
              measured: `${describeGap(loopDuring.longest)} (before the import: ${describeGap(loopBefore.longest)}); longest GC pause ${loopDuring.gcMs.toFixed(1)} ms (before: ${loopBefore.gcMs.toFixed(1)} ms)`,
              target: `≤ ${TARGET_BLOCK_MS} ms`,
              met: blockMeasuredMs <= TARGET_BLOCK_MS,
            },
            {
              figure: 'under import: longest block of the loop\'s own (running or asleep, its waits for a CPU taken out)',
              measured: Number.isFinite(loopDuring.longestOwnMs)
                ? `${blockOf(loopDuring.longestOwnMs).toFixed(1)} ms (before the import: ${blockOf(loopBefore.longestOwnMs).toFixed(1)} ms)`
                : 'no schedstat on this kernel',
              target: 'context',
              met: null,
            },
            {
              figure: `under import: the machine's floor — the longest gap of an idle event loop in its own process${idleLoop.asDaemon ? ' at the daemon\'s priority' : ''}`,
              measured: `${describeGap(floorDuring.longest)} (before the import: ${describeGap(floorBefore.longest)})`,
              target: 'context',
              met: null,
            },
            {
              figure: 'under import: the same seen from outside (worst card − baseline median)',
              measured: `${blockMs.toFixed(1)} ms (worst card ${during.max.toFixed(1)} ms − baseline median ${baseline.median.toFixed(1)} ms)`,
              target: 'context',
              met: null,
            },
            {
              figure: 'under import: cards presented with no relay movement (lost)',
              measured: `${after.lost} of ${presented(after)} during import (${before.lost} of ${presented(before)} before); ` +
                `split in the daemon ${after.splitSeen} (${before.splitSeen}), of the lost after a sender stall ${after.lostSenderStalled} (${before.lostSenderStalled})`,
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
          data: {
            identifiers: total, passes: report.passes, importS, batchMs: report.batchMs, readerNice: readerFirst ? READER_NICE : null, readerRealtimePriority: readerRealtime ? READER_REALTIME_PRIORITY : null, observerRealtime: observerNormal !== undefined, daemonScheduling: daemon.scheduling,
            daemonLoop: { before: loopBefore, during: loopDuring }, idleLoop: { before: floorBefore, during: floorDuring },
            baseline: phaseData(before, baseline), during: phaseData(after, during), eventsDuringImport: countsDuring,
          },
          notes: [
            `${total.toLocaleString('en')} updates ${report.passes === 1 ? 'once' : `${report.passes} times over (passes until ${IMPORT_MIN_MS / 1000} s had passed)`}, in ${report.batchMs.length} PUTs of ${BATCH.toLocaleString('en')} in all, took ${importS.toFixed(1)} s (PUTs from their own process, at nice ${CLIENT_NICE}; the daemon at ${daemon.scheduling}); card latency (last edge sent → relay seen via ${relay.source === 'sse' ? 'SSE' : 'stdout log line'}) includes the end-of-frame wait; edges paced by their own process${readerFirst ? ` at nice ${READER_NICE}` : ' (its priority could not be raised)'}${readerRealtime ? `, pacing thread SCHED_FIFO ${READER_REALTIME_PRIORITY}` : ''}; relay events timestamped by a thread ${observerNormal ? `at SCHED_FIFO ${READER_REALTIME_PRIORITY}` : 'at normal priority'}. Baseline ${formatSummary(baseline, 'ms')}; during import ${formatSummary(during, 'ms')}; events on the stream during the import: ${JSON.stringify(countsDuring)}.`,
            `sender vs daemon: before — ${describePhase(before)}; during — ${describePhase(after)}. A silence ≥ ${SPLITTING_SILENCE_MS} ms between two sends ends the frame in the daemon, so a card lost after one is the sender's fault, not the daemon's.`,
          ],
        };
      } finally {
        observerNormal?.();
        idleLoop.stop();
        await reader.close();
        relay.close();
        await daemon.stop();
      }
    } finally {
      dir.remove();
    }
  },
};
