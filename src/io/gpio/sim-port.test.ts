import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.ts';
import type { Level } from './gpio-port.ts';
import { readSimGpioState, SIM_TRANSITION_HISTORY, SimGpioPort, type SimTransition } from './sim-port.ts';

const dirs: string[] = [];
function tempStateFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'doorctl-sim-'));
  dirs.push(dir);
  return join(dir, 'data', 'sim-gpio.json');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SimGpioPort outputs', () => {
  it('starts at the initial level and persists every change', () => {
    const clock = new ManualClock();
    const stateFile = tempStateFile();
    const port = new SimGpioPort({ clock, stateFile });
    const relay = port.output(17, 1);
    expect(readSimGpioState(stateFile).pins['17']).toMatchObject({ direction: 'out', level: 1, claimed: true });
    clock.advanceMs(5);
    relay.write(0);
    const state = readSimGpioState(stateFile);
    expect(state.pins['17']).toMatchObject({ level: 0, changedAtMs: clock.now() });
    expect(relay.read()).toBe(0);
    expect(port.level(17)).toBe(0);
  });

  it('rewrites the file in place in whole 4 KiB pages, growing with the pin table', async () => {
    const stateFile = tempStateFile();
    const port = new SimGpioPort({ clock: new ManualClock(), stateFile });
    port.output(17, 1);
    expect(statSync(stateFile).size).toBe(4096);
    const lines = Array.from({ length: 60 }, (_, i) => port.output(100 + i, 0));
    const grown = statSync(stateFile).size;
    expect(grown % 4096).toBe(0);
    expect(grown).toBeGreaterThan(4096);
    for (const l of lines) l.write(1);
    await port.close();
    const state = readSimGpioState(stateFile);
    expect(Object.keys(state.pins)).toHaveLength(61);
    expect(state.pins['159']).toMatchObject({ level: 1, claimed: false });
    expect(state.seq).toBe(port.transitions().length);
  });

  it('logs and emits only real changes', () => {
    const port = new SimGpioPort({ clock: new ManualClock() });
    const emitted: SimTransition[] = [];
    port.events.on('transition', (t: SimTransition) => emitted.push(t));
    const led = port.output(22, 0);
    led.write(0);
    led.write(1);
    led.write(1);
    led.write(0);
    expect(port.transitions(22).map((t) => [t.kind, t.level])).toEqual([
      ['claim', 0],
      ['write', 1],
      ['write', 0],
    ]);
    expect(emitted).toEqual(port.transitions());
  });

  it('marks lines released on close but keeps their last level', async () => {
    const stateFile = tempStateFile();
    const port = new SimGpioPort({ clock: new ManualClock(), stateFile });
    port.output(17, 0).write(1);
    await port.close();
    expect(readSimGpioState(stateFile).pins['17']).toMatchObject({ level: 1, claimed: false });
  });

  it('keeps the last state on disk after the owning process is SIGKILLed', async () => {
    const stateFile = tempStateFile();
    const script = fileURLToPath(new URL('./fixtures/sim-writer.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script, stateFile, '17=1', '27=1', '27=0'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => b.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early (${code})`)));
    });
    const exited = new Promise((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const state = readSimGpioState(stateFile);
    expect(state.pins['17']).toMatchObject({ level: 1, claimed: true });
    expect(state.pins['27']).toMatchObject({ level: 0, claimed: true });
    expect(state.seq).toBe(5);
  });
});

describe('SimGpioPort transition history', () => {
  it('keeps a bounded window of the most recent transitions over a long run', () => {
    const port = new SimGpioPort({ clock: new ManualClock() });
    const line = port.output(17, 1);
    for (let i = 0; i < SIM_TRANSITION_HISTORY * 3; i++) line.write((i % 2) as Level);
    const kept = port.transitions();
    expect(kept.length).toBeLessThanOrEqual(SIM_TRANSITION_HISTORY);
    expect(kept.length).toBeGreaterThanOrEqual(SIM_TRANSITION_HISTORY / 2);
    expect(kept.at(-1)!.seq).toBe(SIM_TRANSITION_HISTORY * 3 + 1);
    expect(kept.every((t, i) => i === 0 || t.seq === kept[i - 1]!.seq + 1)).toBe(true);
  });
});

describe('SimGpioPort inputs', () => {
  function withInput(edge: 'rising' | 'falling' | 'both', debounceMs: number) {
    const clock = new ManualClock();
    const port = new SimGpioPort({ clock });
    const seen: Level[] = [];
    const line = port.input(5, { edge, debounceMs }, (l) => seen.push(l));
    return { clock, port, seen, line };
  }

  it('reports driven levels after the debounce period', () => {
    const { clock, port, seen, line } = withInput('both', 30);
    expect(line.read()).toBe(1);
    port.drive(5, 0);
    port.drive(5, 1);
    port.drive(5, 0);
    clock.advanceMs(29);
    expect(seen).toEqual([]);
    clock.advanceMs(1);
    expect(seen).toEqual([0]);
    expect(line.read()).toBe(0);
    expect(port.transitions(5).filter((t) => t.kind === 'drive').map((t) => t.level)).toEqual([0, 1, 0]);
  });

  it('filters by edge', () => {
    const { port, seen } = withInput('falling', 0);
    port.drive(5, 0);
    port.drive(5, 1);
    port.drive(5, 0);
    expect(seen).toEqual([0, 0]);
  });

  it('ignores drive() on pins that are not inputs', () => {
    const { port, seen } = withInput('both', 0);
    port.output(6, 0);
    port.drive(6, 1);
    expect(port.level(6)).toBe(0);
    expect(seen).toEqual([]);
  });
});
