import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { claim, HOLDER, holding, othersWaiting, workersLetGo, writeTurnOf } from './write-turn.ts';

describe('write turn', () => {
  it('one counter per database path; claim raises it for the duration of the write, also when the write throws', () => {
    const turn = writeTurnOf('/tmp/a.db');
    expect(writeTurnOf('/tmp/a.db')).toBe(turn);
    expect(writeTurnOf('/tmp/b.db')).not.toBe(turn);
    expect(othersWaiting(turn)).toBe(false);
    expect(claim(turn, () => othersWaiting(turn))).toBe(true);
    expect(() => claim(turn, () => { throw new Error('disk'); })).toThrow('disk');
    expect(othersWaiting(turn)).toBe(false);
  });

  it('another thread sees the claim (shared memory)', async () => {
    const turn = writeTurnOf('/tmp/shared.db');
    const worker = new Worker(
      `const { workerData, parentPort } = require('node:worker_threads');
       parentPort.on('message', () => parentPort.postMessage(Atomics.load(workerData, 0)));`,
      { eval: true, workerData: turn },
    );
    const ask = () => new Promise<number>((resolve) => { worker.once('message', resolve); worker.postMessage('?'); });
    try {
      expect(await ask()).toBe(0);
      Atomics.add(turn, 0, 1);
      expect(await ask()).toBe(1);
      Atomics.sub(turn, 0, 1);
    } finally {
      await worker.terminate();
    }
  });

  it.each(Object.entries(HOLDER))('a claim while the %s holds the lock sleeps until it lets go, not a busy-handler step', async (_name, flag) => {
    const turn = writeTurnOf(`/tmp/handover-${flag}.db`);
    // The worker holds the lock until it sees a writer waiting, then lets go 3 ms later.
    const worker = new Worker(
      `const { workerData: { turn, flag }, parentPort } = require('node:worker_threads');
       Atomics.store(turn, flag, 1);
       parentPort.postMessage('holding');
       while (Atomics.load(turn, 0) === 0) {}
       const until = performance.now() + 3;
       while (performance.now() < until) {}
       Atomics.store(turn, flag, 0);
       Atomics.notify(turn, flag);`,
      { eval: true, workerData: { turn, flag } },
    );
    try {
      await new Promise((resolve) => worker.once('message', resolve));
      const order: string[] = [];
      claim(turn, () => order.push(Atomics.load(turn, flag) === 0 ? 'wrote after release' : 'wrote while held'));
      expect(order).toEqual(['wrote after release']);
    } finally {
      await worker.terminate();
    }
  });

  it.each(Object.entries(HOLDER))('workersLetGo while the %s holds the lock resolves when it lets go, and the event loop runs meanwhile', async (_name, flag) => {
    const turn = writeTurnOf(`/tmp/let-go-${flag}.db`);
    // Holds the lock until told, then lets go as holding() does.
    const worker = new Worker(
      `const { workerData: { turn, flag }, parentPort } = require('node:worker_threads');
       Atomics.store(turn, flag, 1);
       parentPort.postMessage('holding');
       parentPort.once('message', () => { Atomics.store(turn, flag, 0); Atomics.notify(turn, flag); });`,
      { eval: true, workerData: { turn, flag } },
    );
    try {
      await new Promise((resolve) => worker.once('message', resolve));
      const order: string[] = [];
      const letGo = workersLetGo(turn).then(() => order.push(`resumed, flag ${Atomics.load(turn, flag)}`));
      // Several loop turns pass (timers, I/O) while the worker holds the lock.
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      order.push('loop ran');
      worker.postMessage('let go');
      await letGo;
      expect(order).toEqual(['loop ran', 'resumed, flag 0']);
      // Nobody holding: resolves without waiting; it never announced itself as a waiting writer.
      await workersLetGo(turn);
      expect(othersWaiting(turn)).toBe(false);
    } finally {
      await worker.terminate();
    }
  });

  it('holding as the batch worker waits until the checkpoint worker lets go, not a busy-handler step', async () => {
    const turn = writeTurnOf('/tmp/holding-after-checkpoint.db');
    // Holds the checkpointer's flag until told, then lets go as holding() does.
    const worker = new Worker(
      `const { workerData: { turn, flag }, parentPort } = require('node:worker_threads');
       Atomics.store(turn, flag, 1);
       parentPort.postMessage('holding');
       parentPort.once('message', () => setTimeout(() => { Atomics.store(turn, flag, 0); Atomics.notify(turn, flag); }, 20));`,
      { eval: true, workerData: { turn, flag: HOLDER.checkpointer } },
    );
    try {
      await new Promise((resolve) => worker.once('message', resolve));
      worker.postMessage('let go');
      expect(holding(turn, () => Atomics.load(turn, HOLDER.checkpointer))).toBe(0);
    } finally {
      await worker.terminate();
    }
  });

  it('holding marks the lock for the transaction only, also when it throws', () => {
    const turn = writeTurnOf('/tmp/holding.db');
    expect(holding(turn, () => Atomics.load(turn, 1))).toBe(1);
    expect(Atomics.load(turn, 1)).toBe(0);
    expect(() => holding(turn, () => { throw new Error('constraint'); })).toThrow('constraint');
    expect(Atomics.load(turn, 1)).toBe(0);
    expect(holding(turn, () => [Atomics.load(turn, HOLDER.batchWorker), Atomics.load(turn, HOLDER.checkpointer)], HOLDER.checkpointer)).toEqual([0, 1]);
    expect(Atomics.load(turn, HOLDER.checkpointer)).toBe(0);
  });
});
