import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

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

describe('boostLoopOnly', () => {
  // Raising a priority needs root (or CAP_SYS_NICE), as systemd has when it applies the unit's Nice=.
  const canRaise = process.platform === 'linux' && process.getuid?.() === 0;

  it.runIf(canRaise)('leaves the raised priority to the event loop and puts every other thread back to normal', () => {
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
        await readFile(${JSON.stringify(script)});
        const before = readdirSync('/proc/self/task').map(Number).filter((t) => t !== process.pid).map(niceOf);
        const loop = boostLoopOnly();
        const after = readdirSync('/proc/self/task').map(Number).filter((t) => t !== process.pid).map(niceOf);
        console.log(JSON.stringify({ loop, main: niceOf(process.pid), before, after }));
        await worker.terminate();
      `);
      const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' });
      const r = JSON.parse(out.trim().split('\n').at(-1)!) as { loop: number; main: number; before: number[]; after: number[] };
      expect(r.loop).toBe(-5);
      expect(r.main).toBe(-5);
      expect(r.before).toContain(-5);
      expect(r.after.length).toBeGreaterThan(0);
      expect(r.after.every((n) => n === 0)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
