/**
 * Preloaded into a benchmarked daemon (`node --require loop-monitor.cjs dist/cli/bin.js run …`):
 * measures, inside the daemon, how long its event loop goes without running an interval timer
 * ($LOOP_MONITOR_INTERVAL_MS, default 1 ms). A gap longer than the interval is time the loop spent
 * on something else (a task, a GC pause, a blocking syscall, waiting for a core): a card arriving
 * then would have waited that long. Gaps over 2 ms
 * are appended to $LOOP_MONITOR_OUT as `gap <end, µs of CLOCK_MONOTONIC> <ms>` lines, and GC
 * pauses over 2 ms as `gc <end µs> <ms>` (to tell which gaps were the collector), written in
 * batches every 500 ms and at exit, so a bench can pick the lines of a time window (its own
 * process.hrtime reads the same clock). CommonJS so that `--require` loads it before the bundle.
 */
'use strict';
const { appendFileSync } = require('node:fs');
const { PerformanceObserver, performance } = require('node:perf_hooks');
const { isMainThread } = require('node:worker_threads');

const out = process.env.LOOP_MONITOR_OUT;
// Worker threads inherit --require; only the loop that reads the cards is of interest.
if (out && isMainThread) {
  // The bench says which interval it subtracts from the gaps.
  const INTERVAL_MS = Number(process.env.LOOP_MONITOR_INTERVAL_MS) || 1;
  const REPORT_OVER_MS = 2;
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  let last = nowUs();
  let pending = [];
  const flush = () => {
    if (pending.length === 0) return;
    appendFileSync(out, pending.join(''));
    pending = [];
  };
  setInterval(() => {
    const now = nowUs();
    const gapMs = (now - last) / 1000;
    if (gapMs > REPORT_OVER_MS) pending.push(`gap ${now} ${gapMs.toFixed(3)}\n`);
    last = now;
  }, INTERVAL_MS).unref();
  // performance.now() counts from timeOrigin; its offset to CLOCK_MONOTONIC, once.
  const originUs = nowUs() - performance.now() * 1000;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (e.duration > REPORT_OVER_MS) pending.push(`gc ${Math.round(originUs + (e.startTime + e.duration) * 1000)} ${e.duration.toFixed(3)}\n`);
    }
  }).observe({ entryTypes: ['gc'] });
  setInterval(flush, 500).unref();
  process.on('exit', flush);
}
