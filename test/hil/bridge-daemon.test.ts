/**
 * End-to-end hardware-in-the-loop: a simulated reader drives Wiegand pulses onto an emulated
 * ATmega328P running the real serial-bridge firmware (hardware/bridge/build/bridge-sim), whose
 * UART is a pty read by the real daemon's serial reader; the decision moves a relay in the
 * simulated GPIO backend and lands in the journal. Two readers share the pty on channels 0 and 1.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CredentialIndex } from '../../src/access/credential-index.ts';
import type { Config } from '../../src/config/config-schema.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { systemClock } from '../../src/core/clock.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { DecisionRecord } from '../../src/daemon/access-executor.ts';
import { startDaemon, type Daemon } from '../../src/daemon/start-daemon.ts';
import { readSimGpioState } from '../../src/io/gpio/sim-port.ts';
import { createServices } from '../../src/service/services.ts';
import { openDatabase } from '../../src/storage/database.ts';
import type { JournalEntry, JournalEvent } from '../../src/storage/journal.ts';
import { encodeFields } from '../../src/wiegand/format/codec.ts';
import { findFormat } from '../../src/wiegand/format/formats.ts';
import { encodeKey } from '../../src/wiegand/keypad/keypad-modes.ts';
import { bitsToString, type Fields, type KeypadKey } from '../../src/wiegand/types.ts';
import { tempDir, writeConfig } from '../support/daemon-harness.ts';
import { BridgeRun, buildBridgeSim } from './bridge-sim-support.ts';
import { sleep, waitFor } from './serial-hil-support.ts';

/** Board pi4 relay lines (active-low, fail-secure on NO: locked = 1). */
const RELAY_PIN = { 1: 17, 2: 27 } as const;
const PULSE_MS = 60;

const frame = (format: string, fields: Fields) => bitsToString(encodeFields(findFormat(format)!, fields));
const h10301 = (fc: number, cn: number) => frame('H10301', { facility_code: fc, card_number: cn });
/** A stimulus line: 50 µs pulses every 2 ms, a common reader's timing. */
const present = (channel: number, bits: string) => `frame ${channel} ${bits} 50 2000`;

interface RelayChange {
  door: string;
  state: string;
  atUs: number;
}

beforeAll(buildBridgeSim, 130_000);

describe('reader → emulated bridge firmware → pty → daemon → relay and journal', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /**
   * One emulated bridge and one in-process daemon whose readers 'front' (door 1) and 'back'
   * (door 2) are channels 0 and 1 of the bridge's pty.
   */
  async function start(extra: { front?: Record<string, unknown>; back?: Record<string, unknown> } = {}) {
    const bridge = await BridgeRun.start({ openPort: false });
    cleanups.push(() => bridge.finish());
    const dir = tempDir('bridge-daemon-');
    cleanups.push(dir.remove);
    const serial = (channel: number) => ({ type: 'serial', path: bridge.ptyPath, kind: 'wiegand-bridge', channel });
    const configPath = writeConfig(dir.path, {
      gpio: { backend: 'sim' },
      readers: [
        { id: 'front', door: 1, capture: serial(0), ...extra.front },
        { id: 'back', door: 2, capture: serial(1), ...extra.back },
      ],
      doors: [{ id: 1, pulseMs: PULSE_MS }, { id: 2, pulseMs: PULSE_MS }],
    });
    const config = loadConfig(configPath, {});
    await setAdminPassword(config);
    const daemon = await startDaemon({ config, logger: silentLogger, env: {} });
    cleanups.push(() => daemon.stop());
    const decisions: DecisionRecord[] = [];
    const relays: RelayChange[] = [];
    const faults: JournalEvent[] = [];
    daemon.events.on('decision', (d: DecisionRecord) => decisions.push(d));
    daemon.events.on('journal', (e: JournalEvent) => {
      // Stamped first thing, on the clock of the harness's FRAME_END (CLOCK_MONOTONIC).
      const atUs = Number(process.hrtime.bigint() / 1000n);
      if (e.type === 'relay') relays.push({ door: e.door!, state: String(e.details?.state), atUs });
      else if (e.type === 'line_fault') faults.push(e);
    });
    // Frames sent before the port is open would be lost: wait until this process holds the pty.
    await waitFor('the daemon to open the bridge pty', () => holdsOpen(bridge.ptyPath), 3000);
    const relayLevel = (door: 1 | 2) => readSimGpioState(join(dir.path, 'data', 'sim-gpio.json')).pins[String(RELAY_PIN[door])]?.level;
    return { bridge, daemon, decisions, relays, faults, relayLevel };
  }

  function enrollCard(daemon: Daemon, number: bigint, lock: 'first' | 'second' | 'all' = 'first'): void {
    const created = daemon.services.identifiers.create({
      identifier_type: 'card', identifier_number: number.toString(), identifier_owner: { type: 'owner', name: `card ${number}` },
      lock, valid: { time: { is_permanent: true }, passes: { is_permanent: true } },
    } as never);
    expect(created.ok).toBe(true);
  }

  async function accessRows(daemon: Daemon): Promise<JournalEntry[]> {
    await sleep(60); // the journal writer flushes every 20 ms
    return daemon.services.journal
      .query({ order: 'asc', limit: 1000 })
      .entries.filter((e) => e.type === 'access_granted' || e.type === 'access_denied');
  }

  it('grants an enrolled 26-bit card on channel 0 and pulses door 1; the same card on channel 1 (door 2) is wrong_lock', async () => {
    const t = await start();
    const fc = 201;
    const cn = 40_321;
    enrollCard(t.daemon, BigInt(fc * 65536 + cn));

    t.bridge.script([present(0, h10301(fc, cn)), 'wait 200', present(1, h10301(fc, cn))]);
    await waitFor('two decisions', () => t.decisions.length >= 2, 3000);
    expect(t.decisions.map((d) => [d.reader, d.outcome, d.reason, d.doors])).toEqual([
      ['front', 'grant', 'granted', [1]],
      ['back', 'deny', 'wrong_lock', []],
    ]);
    await waitFor('door 1 to relock', () => t.relays.length >= 2, 1000);
    // Door 1 pulsed once (unlocked, then locked after its pulse), door 2 never moved.
    expect(t.relays.map((r) => [r.door, r.state])).toEqual([['1', 'unlocked'], ['1', 'locked']]);
    expect(t.relays[1]!.atUs - t.relays[0]!.atUs).toBeGreaterThanOrEqual((PULSE_MS - 5) * 1000);
    expect(t.relayLevel(1)).toBe(1);
    expect(t.relayLevel(2)).toBe(1);

    const rows = await accessRows(t.daemon);
    expect(rows.map((r) => [r.type, r.reader, r.door, r.credential, r.reason])).toEqual([
      ['access_granted', 'front', '1', String(fc * 65536 + cn), 'granted'],
      ['access_denied', 'back', '2', String(fc * 65536 + cn), 'wrong_lock'],
    ]);
  });

  it('holds the relay open for the pulse: sim GPIO line low while unlocked', async () => {
    const t = await start();
    enrollCard(t.daemon, BigInt(7 * 65536 + 77));
    t.bridge.script([present(0, h10301(7, 77))]);
    await waitFor('the relay to unlock', () => t.relays.length >= 1, 3000);
    expect(t.relayLevel(1)).toBe(0);
    await waitFor('the relay to lock again', () => t.relays.length >= 2, 1000);
    expect(t.relayLevel(1)).toBe(1);
  });

  it('decodes 34-bit H10306 and 37-bit H10302 frames through the bridge with the right numbers', async () => {
    const t = await start();
    const fc = 5000;
    const cn = 60_001;
    const h10306 = BigInt(fc) * 65536n + BigInt(cn);
    const h10302 = 9_876_543_210n; // 35-bit card number: the whole payload
    enrollCard(t.daemon, h10306);
    enrollCard(t.daemon, h10302);

    t.bridge.script([
      present(0, frame('H10306', { facility_code: fc, card_number: cn })),
      'wait 250',
      present(0, frame('H10302', { card_number: Number(h10302) })),
    ]);
    await waitFor('two decisions', () => t.decisions.length >= 2, 3000);
    expect(t.decisions.map((d) => [d.outcome, d.reason])).toEqual([['grant', 'granted'], ['grant', 'granted']]);
    const rows = await accessRows(t.daemon);
    expect(rows.map((r) => [r.type, r.credential])).toEqual([
      ['access_granted', h10306.toString()],
      ['access_granted', h10302.toString()],
    ]);
  });

  it('reads both channels at once: a 26-bit card on door 1 and a 35-bit card on door 2, bits interleaved', async () => {
    const t = await start({ back: { formats: ['C1k35s', 'H10301'] } });
    const c26 = [12, 3456] as const;
    const c35 = { facility_code: 4000, card_number: 999_999 };
    enrollCard(t.daemon, BigInt(c26[0] * 65536 + c26[1]));
    // C1k35s payload: everything but its three parity bits, i.e. FC (12 bits) then CN (20 bits).
    const n35 = (BigInt(c35.facility_code) << 20n) | BigInt(c35.card_number);
    enrollCard(t.daemon, n35, 'second');

    // Both frames start together; channel 1 bits fall 5 µs after channel 0's.
    t.bridge.script([present(0, h10301(...c26)), 'wait 0.005', present(1, frame('C1k35s', c35))]);
    await waitFor('two decisions', () => t.decisions.length >= 2, 3000);
    const byReader = Object.fromEntries(t.decisions.map((d) => [d.reader, [d.outcome, d.doors]]));
    expect(byReader).toEqual({ front: ['grant', [1]], back: ['grant', [2]] });
    await waitFor('both relays to pulse', () => t.relays.length >= 4, 1000);
    expect(t.relays.filter((r) => r.state === 'unlocked').map((r) => r.door).sort()).toEqual(['1', '2']);
    const rows = await accessRows(t.daemon);
    expect(rows.map((r) => [r.reader, r.credential]).sort()).toEqual([
      ['back', n35.toString()],
      ['front', String(c26[0] * 65536 + c26[1])],
    ]);
  });

  it('grants at the SIA timing extremes: 20 µs pulses 200 µs apart and 100 µs pulses 20 ms apart', async () => {
    const t = await start();
    // Two cards: the same card twice within the 2 s hold-off would be suppressed as a repeat.
    enrollCard(t.daemon, BigInt(90 * 65536 + 9090));
    enrollCard(t.daemon, BigInt(91 * 65536 + 9191));
    t.bridge.script([`frame 0 ${h10301(90, 9090)} 20 200`, 'wait 100', `frame 0 ${h10301(91, 9191)} 100 20000`]);
    await waitFor('two decisions', () => t.decisions.length >= 2, 3000);
    expect(t.decisions.map((d) => [d.outcome, d.reason])).toEqual([['grant', 'granted'], ['grant', 'granted']]);
    const rows = await accessRows(t.daemon);
    expect(rows.map((r) => r.credential)).toEqual([String(90 * 65536 + 9090), String(91 * 65536 + 9191)]);
  });

  it('forms a PIN from an 8-bit keypad burst (1234#) typed through the bridge and opens with a matching access code', async () => {
    const t = await start({ front: { keypad: { mode: '8bit_complement_high' } } });
    const created = t.daemon.services.accessCodes.create({ code: '1234', device_id: 'first' });
    expect(created.ok).toBe(true);

    // One 8-bit frame per key: 16 ms of bits, then 30 ms to the next key.
    t.bridge.script([...'1234#'].flatMap((k) => [present(0, bitsToString(encodeKey('8bit_complement_high', k as KeypadKey))), 'wait 46']));
    await waitFor('a decision', () => t.decisions.length >= 1, 3000);
    expect(t.decisions.map((d) => [d.reader, d.outcome, d.doors])).toEqual([['front', 'grant', [1]]]);
    await waitFor('the relay to unlock', () => t.relays.length >= 1, 1000);
    expect(t.relays[0]).toMatchObject({ door: '1', state: 'unlocked' });
    const rows = await accessRows(t.daemon);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ type: 'access_granted', reader: 'front', credential: null, details: { presented: 'pin' } });
  });

  it('ignores glitches in the middle of a frame and still grants the card', async () => {
    const t = await start();
    enrollCard(t.daemon, BigInt(33 * 65536 + 3333));
    // Bits every 2 ms: the glitches land between bits 5 and 6 and between 6 and 7.
    t.bridge.script([present(0, h10301(33, 3333)), 'wait 10.5', 'glitch 0 D1 3', 'wait 2', 'glitch 0 D0 0.1']);
    await waitFor('a decision', () => t.decisions.length >= 1, 3000);
    await sleep(100);
    expect(t.decisions.map((d) => [d.outcome, d.reason])).toEqual([['grant', 'granted']]);
    expect(t.daemon.executor.counters.rejectedFrames).toBe(0);
    expect(t.faults).toEqual([]);
  });

  it('journals a line_fault for a stuck D0 line, then reads cards again', async () => {
    const t = await start();
    enrollCard(t.daemon, BigInt(44 * 65536 + 4444));
    t.bridge.script(['stuck 0 D0 80', 'wait 120', present(0, h10301(44, 4444))]);
    await waitFor('a decision after the fault', () => t.decisions.length >= 1, 3000);
    expect(t.faults.map((f) => [f.type, f.reader, f.door, f.reason])).toEqual([['line_fault', 'front', '1', 'd0_stuck_low']]);
    expect(t.decisions.map((d) => d.outcome)).toEqual(['grant']);
    await sleep(60);
    const journalled = t.daemon.services.journal.query({ type: 'line_fault', limit: 10 }).entries;
    expect(journalled.map((e) => [e.reader, e.reason])).toEqual([['front', 'd0_stuck_low']]);
  });

  it('measures last bit driven → relay unlocked through the emulated bridge over 20 presentations', async () => {
    const t = await start();
    const n = 20;
    const cards = Array.from({ length: n }, (_, i) => [100 + i, 1000 + i] as const);
    for (const [fc, cn] of cards) enrollCard(t.daemon, BigInt(fc * 65536 + cn));

    // 52 ms of bits, ~6 ms to the packet, a 60 ms pulse: 180 ms apart the door has relocked each time.
    t.bridge.script(cards.flatMap(([fc, cn]) => [present(0, h10301(fc, cn)), 'wait 180']));
    await waitFor(`${n} decisions`, () => t.decisions.length >= n, n * 180 + 3000);
    await waitFor('the last relock', () => t.relays.length >= 2 * n, 1000);
    expect(t.decisions.every((d) => d.outcome === 'grant')).toBe(true);

    const unlocks = t.relays.filter((r) => r.state === 'unlocked');
    expect(unlocks).toHaveLength(n);
    expect(t.bridge.frameEnds).toHaveLength(n);
    const latenciesMs = unlocks.map((u, i) => (u.atUs - t.bridge.frameEnds[i]!.monoUs) / 1000).sort((a, b) => a - b);
    // Each relay follows its own frame, not the next one (which is 180 ms later).
    expect(latenciesMs[0]).toBeGreaterThan(0);
    expect(latenciesMs[n - 1]).toBeLessThan(180);
    const pick = (q: number) => latenciesMs[Math.min(n - 1, Math.ceil(q * n) - 1)]!.toFixed(2);
    console.info(`bridge HIL: last bit → relay unlocked, n=${n}: min ${latenciesMs[0]!.toFixed(2)} ms, median ${pick(0.5)} ms, p99 ${pick(0.99)} ms, max ${latenciesMs[n - 1]!.toFixed(2)} ms`);
  });
});

/**
 * Creates the admin account before the first start, as an installer would with `doorctl
 * set-password`, so the daemon has no initial password to print into the test output.
 */
async function setAdminPassword(config: Config): Promise<void> {
  const db = openDatabase({ dataDir: config.dataDir });
  try {
    const services = createServices({ db, index: new CredentialIndex(), clock: systemClock, logger: silentLogger, config });
    const r = await services.auth.setPassword('admin', randomBytes(18).toString('base64url'), 'admin');
    services.close();
    if (!r.ok) throw new Error(`set-password failed: ${r.code}`);
  } finally {
    db.close();
  }
}

/** Whether this process has `path` open (the in-process daemon's serial reader holds it). */
function holdsOpen(path: string): boolean {
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false; // closed between listing and reading
    }
  });
}
