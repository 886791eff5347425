import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { currentThreadId } from './thread-priority.ts';

/** The calling thread's nice value, from the kernel (field 19 of /proc/thread-self/stat). */
const threadNice = (): number => Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1]!.split(' ')[16]);

describe('lowerThreadPriority', () => {
  it.runIf(process.platform === 'linux')('lowers the calling worker thread only, not the thread that runs the event loop', async () => {
    const before = threadNice();
    const worker = new Worker(
      `require('tsx/cjs');
       const { parentPort } = require('node:worker_threads');
       const { readFileSync } = require('node:fs');
       const { lowerThreadPriority } = require(${JSON.stringify(new URL('./thread-priority.ts', import.meta.url).pathname)});
       const ok = lowerThreadPriority(${before + 5});
       parentPort.postMessage({ ok, nice: Number(readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[16]) });`,
      { eval: true },
    );
    try {
      const m = await new Promise<{ ok: boolean; nice: number }>((resolve) => worker.once('message', resolve));
      expect(m).toEqual({ ok: true, nice: before + 5 });
      expect(threadNice()).toBe(before);
    } finally {
      await worker.terminate();
    }
  });
});

describe('currentThreadId', () => {
  it.runIf(process.platform === 'linux')("is the process id on the main thread and a thread of the process's own in a worker", async () => {
    expect(currentThreadId()).toBe(process.pid);
    const worker = new Worker(
      `require('tsx/cjs');
       const { currentThreadId } = require(${JSON.stringify(new URL('./thread-priority.ts', import.meta.url).pathname)});
       require('node:worker_threads').parentPort.postMessage(currentThreadId());`,
      { eval: true },
    );
    try {
      const tid = await new Promise<number>((resolve) => worker.once('message', resolve));
      expect(tid).not.toBe(process.pid);
      expect(readdirSync('/proc/self/task').map(Number)).toContain(tid);
    } finally {
      await worker.terminate();
    }
  });
});

describe('boostLoopOnly', () => {
  // Raising a priority needs root (or CAP_SYS_NICE), as systemd has when it applies the unit's Nice=.
  const canRaise = process.platform === 'linux' && process.getuid?.() === 0;

  it.runIf(canRaise)('leaves the raised priority to the event loop and the threads it keeps, and puts every other thread back to normal', () => {
    const dir = mkdtempSync(join(tmpdir(), 'thread-priority-'));
    try {
      const script = join(dir, 'boost.mts');
      writeFileSync(script, `
        import { readdirSync, readFileSync } from 'node:fs';
        import { readFile } from 'node:fs/promises';
        import { setPriority } from 'node:os';
        import { Worker } from 'node:worker_threads';
        import { boostLoopOnly } from ${JSON.stringify(new URL('./thread-priority.ts', import.meta.url).pathname)};
        const niceOf = (tid: number) => Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1]!.split(' ')[16]);
        setPriority(0, -5);
        // Started after the raise, so they inherit it: a worker thread and libuv's pool.
        const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
        await new Promise((resolve) => worker.once('online', resolve));
        // One more, kept at the loop's priority (as the capture thread is): it reports its thread id.
        const kept = new Worker("require('node:worker_threads').parentPort.postMessage(Number(require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0])); setInterval(() => {}, 1000)", { eval: true });
        const keptTid = await new Promise<number>((resolve) => kept.once('message', resolve));
        await readFile(${JSON.stringify(script)});
        const others = () => readdirSync('/proc/self/task').map(Number).filter((t) => t !== process.pid && t !== keptTid);
        const before = others().map(niceOf);
        const loop = boostLoopOnly([keptTid]);
        const after = others().map(niceOf);
        console.log(JSON.stringify({ loop, main: niceOf(process.pid), kept: niceOf(keptTid), before, after }));
        await worker.terminate();
        await kept.terminate();
      `);
      const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
      const r = JSON.parse(out.trim().split('\n').at(-1)!) as { loop: number; main: number; kept: number; before: number[]; after: number[] };
      expect(r.loop).toBe(-5);
      expect(r.main).toBe(-5);
      expect(r.kept).toBe(-5);
      expect(r.before).toContain(-5);
      expect(r.after.length).toBeGreaterThan(0);
      expect(r.after.every((n) => n === 0)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('realtimeLoop', () => {
  const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
  const module = JSON.stringify(new URL('./thread-priority.ts', import.meta.url).pathname);

  /** Runs `body` (a module's code, with realtimeLoop and stat helpers in scope) in a node process of its own; its last line, parsed. */
  function runScript<T>(body: string, wrap: string[] = []): T {
    const dir = mkdtempSync(join(tmpdir(), 'realtime-loop-'));
    chmodSync(dir, 0o755); // readable by the unprivileged user of the refusal test
    try {
      const script = join(dir, 'rt.mts');
      writeFileSync(script, `
        import { readdirSync } from 'node:fs';
        import { Worker } from 'node:worker_threads';
        import { realtimeLoop, schedulingOf } from ${module};
        const sched = (tid: number) => schedulingOf('self/task/' + tid);
        const others = () => readdirSync('/proc/self/task').map(Number).filter((t) => t !== process.pid).map(sched);
        ${body}
      `);
      const [cmd, ...args] = [...wrap, process.execPath, '--import', 'tsx', script];
      const out = execFileSync(cmd!, args, { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname });
      return JSON.parse(out.trim().split('\n').at(-1)!) as T;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it.runIf(isRoot)('makes the main thread SCHED_RR at the priority; threads running before and started after stay normal', () => {
    const r = runScript<{ refused: string | null; main: { policy: number; priority: number }; before: unknown[]; after: unknown[] }>(`
      const before = others();
      const refused = realtimeLoop(7) ?? null;
      const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
      await new Promise((resolve) => worker.once('online', resolve));
      console.log(JSON.stringify({ refused, main: sched(process.pid), before, after: others() }));
      await worker.terminate();
    `);
    expect(r.refused).toBeNull();
    expect(r.main).toEqual({ policy: 2, priority: 7 });
    const normal = { policy: 0, priority: 0 };
    expect(r.before.length).toBeGreaterThan(0);
    expect(r.before.every((t) => JSON.stringify(t) === JSON.stringify(normal))).toBe(true);
    // The worker's own thread and V8's helpers started with it: more threads than before, all normal.
    expect(r.after.length).toBeGreaterThan(r.before.length);
    expect(r.after.every((t) => JSON.stringify(t) === JSON.stringify(normal))).toBe(true);
  });

  it.runIf(isRoot)('says why when the kernel refuses (an unprivileged user without RLIMIT_RTPRIO) and leaves scheduling as it was', () => {
    const r = runScript<{ refused: string | null; main: { policy: number; priority: number } }>(
      `console.log(JSON.stringify({ refused: realtimeLoop(7) ?? null, main: sched(process.pid) }));`,
      ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
    );
    expect(r.refused).toMatch(/not permitted/i);
    expect(r.main).toEqual({ policy: 0, priority: 0 });
  });
});
