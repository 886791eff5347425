import { readFileSync } from 'node:fs';
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
