/**
 * Preloaded into a benchmarked daemon (`node --require loop-monitor.cjs dist/cli/bin.js run …`):
 * measures, inside the daemon, how long its event loop goes without running an interval timer
 * ($LOOP_MONITOR_INTERVAL_MS, default 1 ms). A gap longer than the interval is time the loop spent
 * on something else (a task, a GC pause, a blocking syscall, waiting for a core): a card arriving
 * then would have waited that long. Gaps over 2 ms are appended to $LOOP_MONITOR_OUT as
 * `gap <end, µs of CLOCK_MONOTONIC> <ms> <ran ms> <waited ms> <polled ms>` lines: of the gap, the
 * time the thread ran on a CPU and the time it was runnable but waiting for one (Linux schedstat
 * of the thread; `-` where the kernel does not provide it); the rest it slept (a syscall such as
 * fsync, a lock, or the poll itself). `polled`: the time the loop waited for events in its poll
 * (libuv's idle time, as performance.eventLoopUtilization() gives it), so a late wake-up from an
 * idle wait can be told from a block. GC pauses over 2 ms are written as `gc <end µs> <ms>` (to tell which gaps were the
 * collector). Lines are written in batches every 500 ms and at exit, so a bench can pick the lines
 * of a time window (its own process.hrtime reads the same clock). CommonJS so that `--require`
 * loads it before the bundle.
 */
'use strict';
const { appendFileSync, openSync, readSync } = require('node:fs');
const { PerformanceObserver, performance } = require('node:perf_hooks');
const { isMainThread } = require('node:worker_threads');

const out = process.env.LOOP_MONITOR_OUT;
// Worker threads inherit --require; only the loop that reads the cards is of interest.
if (out && isMainThread) {
  // The bench says which interval it subtracts from the gaps.
  const INTERVAL_MS = Number(process.env.LOOP_MONITOR_INTERVAL_MS) || 1;
  const REPORT_OVER_MS = 2;
  const nowUs = () => Number(process.hrtime.bigint() / 1000n);
  // This thread's CPU time and run-queue wait (ns), read each tick so a gap can be split into
  // time the thread ran, time it waited for a core, and the rest (asleep in a syscall or a lock).
  let schedstat = -1;
  try {
    schedstat = openSync('/proc/thread-self/schedstat', 'r');
  } catch {
    // Not Linux, or no schedstat: gaps are written without the split.
  }
  const buf = Buffer.alloc(64);
  const sched = () => {
    if (schedstat < 0) return [NaN, NaN];
    const [run, wait] = buf.toString('latin1', 0, readSync(schedstat, buf, 0, 64, 0)).split(' ');
    return [Number(run) / 1e6, Number(wait) / 1e6];
  };
  const ms = (x) => (Number.isFinite(x) ? x.toFixed(3) : '-');
  // Of a gap, the time the loop spent waiting for events in its poll (epoll_wait), libuv's own count.
  const idleMs = () => performance.eventLoopUtilization().idle;
  let last = nowUs();
  let [lastRun, lastWait] = sched();
  let lastIdle = idleMs();
  let pending = [];
  const flush = () => {
    if (pending.length === 0) return;
    appendFileSync(out, pending.join(''));
    pending = [];
  };
  setInterval(() => {
    const now = nowUs();
    const gapMs = (now - last) / 1000;
    const [run, wait] = sched();
    const idle = idleMs();
    if (gapMs > REPORT_OVER_MS) pending.push(`gap ${now} ${gapMs.toFixed(3)} ${ms(run - lastRun)} ${ms(wait - lastWait)} ${ms(idle - lastIdle)}\n`);
    last = now;
    lastRun = run;
    lastWait = wait;
    lastIdle = idle;
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
