import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.ts';
import { isRunnable } from './task-state.ts';

describe.runIf(process.platform === 'linux')('isRunnable', () => {
  it('is true for the calling thread, which is running', () => {
    expect(isRunnable('thread-self')).toBe(true);
  });

  it('tells a process that never sleeps from one asleep, and is false for one that is gone', async () => {
    const spinning = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    const sleeping = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await waitFor('the sleeper asleep', () => !isRunnable(String(sleeping.pid)), 5_000);
      await waitFor('the spinner up', () => isRunnable(String(spinning.pid)), 5_000);
      for (let i = 0; i < 20; i++) expect(isRunnable(String(spinning.pid))).toBe(true);
      expect(isRunnable(String(sleeping.pid))).toBe(false);
    } finally {
      spinning.kill('SIGKILL');
      sleeping.kill('SIGKILL');
    }
    await new Promise((resolve) => spinning.once('exit', resolve));
    await waitFor('the spinner gone', () => !isRunnable(String(spinning.pid)), 5_000);
    expect(isRunnable('999999999')).toBe(false);
  });
});
