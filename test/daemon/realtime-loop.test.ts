/**
 * `eventLoop.realtimePriority`: the real daemon as a child process puts its event loop and its
 * capture thread (the simulated reader's socket), and only them, in real-time scheduling; the
 * batch worker it starts afterwards (resident) runs at normal priority. Needs root here (as systemd's LimitRTPRIO= gives the installed service).
 */
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { schedulingOf } from '../../src/core/thread-priority.ts';
import { isLog, spawnDaemon, tempDir, writeConfig } from '../support/daemon-harness.ts';

const schedOf = (pid: number, tid: number) => schedulingOf(`${pid}/task/${tid}`);

describe('event loop in real-time scheduling', () => {
  const dir = tempDir('realtime-');
  afterAll(() => dir.remove());
  const isRoot = process.platform === 'linux' && process.getuid?.() === 0;

  it.runIf(isRoot)('runs the loop and the capture thread at SCHED_RR and every other thread, the batch worker included, at normal priority', async () => {
    const configPath = writeConfig(dir.path, { eventLoop: { realtimePriority: 3 }, api: { port: 0, batchWorker: 'resident' } });
    const child = spawnDaemon(configPath);
    try {
      await child.waitForLine(isLog('controller running'), 20_000);
      const pid = child.proc.pid!;
      expect(child.lines.some((l) => isLog('event loop in real-time scheduling (SCHED_RR); threads started from now on at normal priority')(l))).toBe(true);
      expect(schedOf(pid, pid)).toEqual({ policy: 2, priority: 3 });
      const captureLine = child.lines.find(isLog('capture thread in real-time scheduling (SCHED_RR)'));
      expect(captureLine).toBeDefined();
      const captureTid = (JSON.parse(captureLine!) as { tid: number }).tid;
      expect(schedOf(pid, captureTid)).toEqual({ policy: 2, priority: 3 });
      const others = readdirSync(`/proc/${pid}/task`).map(Number).filter((t) => t !== pid && t !== captureTid);
      // V8's helpers, libuv's pool and the resident batch worker (started after the switch).
      expect(others.length).toBeGreaterThan(4);
      for (const tid of others) expect(schedOf(pid, tid)).toEqual({ policy: 0, priority: 0 });
    } finally {
      child.proc.kill('SIGTERM');
      await child.exited();
    }
  }, 30_000);
});
