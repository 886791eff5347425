import { describe, expect, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { claim, othersWaiting, writeTurnOf } from './write-turn.ts';

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
});
