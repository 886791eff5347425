/**
 * The node options the daemon ships with (systemd unit `ExecStart=`): `npm start` runs the bundle
 * with the same ones, and on this node they keep every scavenge on the collecting thread (V8's
 * own trace: no time on background threads), where the defaults hand part of it to helpers, and
 * leave sweeping to the background, which --single-threaded-gc does not.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DAEMON_NODE_ARGS } from '../../scripts/bench/process-priority.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };

/** Enough surviving young objects for V8 to scavenge with helpers when it may. */
const ALLOCATE = 'const keep=[];let x=[];for(let i=0;i<3e6;i++){x.push({a:i,b:[i]});if(x.length>20000){keep.push(x.slice(0,200));x=[]}}';

/** Milliseconds of background scavenging per scavenge, from --trace-gc-nvp. */
function backgroundScavengeMs(nodeArgs: readonly string[]): number[] {
  const r = spawnSync(process.execPath, [...nodeArgs, '--trace-gc-nvp', '-e', ALLOCATE], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => /\bgc=s\b/.test(l))
    .map((l) => Number(/\bbackground\.scavenge\.parallel=([\d.]+)/.exec(l)?.[1]));
}

describe('node options as installed', () => {
  it('npm start runs the bundle with the unit\'s node options', () => {
    expect(DAEMON_NODE_ARGS).toEqual(expect.arrayContaining(['--no-parallel-scavenge', '--no-concurrent-marking', '--no-memory-reducer']));
    expect(pkg.scripts.start).toContain(`node ${DAEMON_NODE_ARGS.join(' ')} dist/cli/bin.js run`);
  });

  it('are all options this node accepts (it refuses to start on one it does not know, and the unit would fail)', () => {
    const r = spawnSync(process.execPath, [...DAEMON_NODE_ARGS, '-e', '0'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('leave V8 no helper thread to wait for but the sweeper, in the flags V8 reports in force', () => {
    const flags = (nodeArgs: readonly string[]) => spawnSync(process.execPath, [...nodeArgs, '--print-flag-values', '-e', '0'], { encoding: 'utf8' }).stdout.split('\n');
    const installed = flags(DAEMON_NODE_ARGS);
    for (const off of ['parallel-scavenge', 'concurrent-marking', 'parallel-marking', 'parallel-compaction', 'parallel-pointer-update', 'memory-reducer']) {
      expect(installed).toContain(`--no-${off}`);
    }
    expect(installed).toContain('--concurrent-sweeping');
    expect(flags(['--single-threaded-gc'])).toContain('--no-concurrent-sweeping');
  });

  it('keeps every scavenge on the collecting thread, which node\'s defaults do not', () => {
    const installed = backgroundScavengeMs(DAEMON_NODE_ARGS);
    expect(installed.length).toBeGreaterThan(5);
    expect(installed.every((ms) => ms === 0)).toBe(true);
    const defaults = backgroundScavengeMs([]);
    expect(defaults.length).toBeGreaterThan(5);
    expect(defaults.some((ms) => ms > 0)).toBe(true);
  });
});
