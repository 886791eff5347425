/**
 * Campaign 7 — safe state, observed through the simulated GPIO state file (`sim-gpio.json`) of the
 * real daemon process. Door 1 is opened remotely with a long pulse (relay energised, BCM 17 low on
 * the default active-low module), then the process ends by SIGTERM, SIGINT, an uncaught exception,
 * an unhandled rejection, SIGABRT (what systemd sends on watchdog expiry) or SIGKILL.
 *
 * An orderly or fatal-error exit must leave the relay de-energised (level 1). After SIGKILL/SIGABRT
 * nothing runs, so the file keeps the last commanded level; what must hold then is that the NEXT
 * start claims every relay in its safe state before the admin API listens.
 * The faults are injected by a preload module (fixtures/inject-fault.mjs), not by production code.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSimGpioState } from '../../src/io/gpio/sim-port.ts';
import {
  http,
  login,
  logRecords,
  OPERATOR_PASSWORD,
  operationPath,
  prepareSite,
  SecretRegistry,
  sleep,
  startDaemon,
  stopDaemon,
  type RunningDaemon,
} from './support.ts';

const RELAY_PINS = { 1: 17, 2: 27 } as const;
const LOCKED = 1;
const ENERGISED = 0;
const INJECT = join(new URL('.', import.meta.url).pathname, 'fixtures/inject-fault.mjs');

describe('relays in their safe state', () => {
  const secrets = new SecretRegistry();
  const site = prepareSite('rel-safe-', { doors: [{ id: 1, pulseMs: 600_000 }, { id: 2, pulseMs: 600_000 }] }, secrets);
  const stateFile = join(site.dataDir, 'sim-gpio.json');
  const allLines: string[] = [];
  afterAll(() => {
    site.remove();
  });

  const level = (pin: number) => readSimGpioState(stateFile).pins[String(pin)];

  /** Starts the daemon and checks both relays were claimed locked, by this process, before the API listened. */
  async function startChecked(env: NodeJS.ProcessEnv = {}): Promise<RunningDaemon> {
    const spawnedAt = Date.now();
    const d = await startDaemon(site.configPath, env);
    for (const pin of Object.values(RELAY_PINS)) {
      const p = level(pin)!;
      expect(p, `relay BCM ${pin}`).toMatchObject({ direction: 'out', claimed: true, level: LOCKED });
      expect(p.changedAtMs, `relay BCM ${pin} claimed by this start`).toBeGreaterThanOrEqual(spawnedAt - 5);
      expect(p.changedAtMs, `relay BCM ${pin} claimed before the API listened`).toBeLessThanOrEqual(d.listeningAtMs);
    }
    return d;
  }

  async function energise(d: RunningDaemon): Promise<void> {
    const token = await login(d.baseUrl, 'operator', OPERATOR_PASSWORD);
    secrets.add(token);
    const path = (await operationPath(d.baseUrl, '/{lock}')).replace('{lock}', 'first');
    const r = await http(d.baseUrl, 'post', path, { token });
    expect(r.status, r.text).toBe(200);
    expect(level(RELAY_PINS[1])!.level).toBe(ENERGISED);
  }

  const orderly: Array<{ name: string; end: (d: RunningDaemon) => void; env?: NodeJS.ProcessEnv; exitCode: number; logMsg: string }> = [
    { name: 'SIGTERM', end: (d) => d.child.proc.kill('SIGTERM'), exitCode: 0, logMsg: 'stopping' },
    { name: 'SIGINT', end: (d) => d.child.proc.kill('SIGINT'), exitCode: 0, logMsg: 'stopping' },
    { name: 'an uncaught exception', env: { NODE_OPTIONS: `--import ${INJECT}`, INJECT_FAULT: 'exception' }, end: (d) => d.child.proc.kill('SIGUSR2'), exitCode: 1, logMsg: 'fatal error: relays in safe state, exiting' },
    { name: 'an unhandled rejection', env: { NODE_OPTIONS: `--import ${INJECT}`, INJECT_FAULT: 'rejection' }, end: (d) => d.child.proc.kill('SIGUSR2'), exitCode: 1, logMsg: 'fatal error: relays in safe state, exiting' },
  ];

  for (const c of orderly) {
    it(`de-energises an open relay on ${c.name}`, async () => {
      const d = await startChecked(c.env);
      await energise(d);
      c.end(d);
      const code = await d.child.exited();
      await d.closed;
      allLines.push(...d.child.lines);
      expect(code).toBe(c.exitCode);
      expect(level(RELAY_PINS[1])!.level, 'relay after exit').toBe(LOCKED);
      expect(level(RELAY_PINS[2])!.level).toBe(LOCKED);
      expect(logRecords(d.child.lines, c.logMsg).length, `"${c.logMsg}" logged`).toBeGreaterThan(0);
    });
  }

  for (const signal of ['SIGKILL', 'SIGABRT'] as const) {
    it(`after ${signal} (nothing runs) the next start claims the relay locked before the API listens`, async () => {
      const d = await startChecked();
      await energise(d);
      d.child.proc.kill(signal);
      await d.child.exited();
      await d.closed;
      allLines.push(...d.child.lines);
      expect(level(RELAY_PINS[1])!.level, 'the file keeps the last commanded level').toBe(ENERGISED);
      const next = await startChecked();
      await sleep(50);
      expect(level(RELAY_PINS[1])!.level).toBe(LOCKED);
      expect(await stopDaemon(next)).toBe(0);
      allLines.push(...next.child.lines);
    });
  }

  it('logged no secret', () => {
    expect(allLines.length).toBeGreaterThan(0);
    expect(secrets.leaks(allLines)).toEqual([]);
  });
});
