import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFields } from '../../src/wiegand/format/codec.ts';
import { findFormat } from '../../src/wiegand/format/formats.ts';
import { encodeKey } from '../../src/wiegand/keypad/keypad-modes.ts';
import type { KeypadKey } from '../../src/wiegand/types.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { startDaemon, type Daemon } from '../../src/daemon/start-daemon.ts';
import type { DecisionRecord } from '../../src/daemon/access-executor.ts';
import { readSimGpioState } from '../../src/io/gpio/sim-port.ts';
import { connectSimEdgeClient, presentFrame, tempDir, writeConfig } from '../support/daemon-harness.ts';

const card = (fc: number, cn: number) => encodeFields(findFormat('H10301')!, { facility_code: fc, card_number: cn });

describe('daemon in simulation (in-process)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(extra: Record<string, unknown> = {}) {
    const dir = tempDir('daemon-');
    cleanups.push(dir.remove);
    const configPath = writeConfig(dir.path, { doors: [{ id: 1, pulseMs: 150 }, { id: 2, pulseMs: 150 }], ...extra });
    const daemon = await startDaemon({ config: loadConfig(configPath, {}), logger: silentLogger, env: {} });
    cleanups.push(() => daemon.stop());
    const client = await connectSimEdgeClient(daemon.simSocketPath!);
    cleanups.push(() => client.close());
    const decisions: DecisionRecord[] = [];
    daemon.events.on('decision', (d: DecisionRecord) => decisions.push(d));
    const nextDecision = () => new Promise<DecisionRecord>((resolve) => daemon.events.once('decision', resolve));
    return { dir: dir.path, daemon, client, decisions, nextDecision };
  }

  function relayLevel(dir: string, pin: number) {
    return readSimGpioState(join(dir, 'data', 'sim-gpio.json')).pins[String(pin)]?.level;
  }

  it('starts with relays in their safe state and the API on loopback', async () => {
    const { dir, daemon } = await start();
    expect(daemon.gpioBackend).toBe('sim');
    expect(daemon.address?.address).toBe('127.0.0.1');
    // Board pi4: door 1 relay on BCM 17, active-low module, fail-secure on NO: locked = coil off = high.
    expect(daemon.doors.relayState(1)).toBe('locked');
    expect(relayLevel(dir, 17)).toBe(1);
  });

  it('grants a known card: pass committed, relay pulsed, decision journalled; unknown and parity-failed frames denied', async () => {
    const t = await start();
    const created = t.daemon.services.identifiers.create({
      identifier_type: 'card', identifier_number: String((123n << 16n) | 4567n) as never,
      identifier_owner: { type: 'owner', name: 'Alice' }, lock: 'first',
      valid: { time: { is_permanent: true }, passes: { is_permanent: false, max_passes: 5 } },
    } as never);
    expect(created.ok).toBe(true);

    let next = t.nextDecision();
    await presentFrame(t.client, 'door1', card(123, 4567));
    const grant = await next;
    expect(grant).toMatchObject({ reader: 'door1', outcome: 'grant', doors: [1] });
    expect(t.daemon.doors.relayState(1)).toBe('unlocked');
    expect(relayLevel(t.dir, 17)).toBe(0);
    const passes = t.daemon.db.sqlite.prepare('SELECT passes_used FROM identifiers').get() as { passes_used: number };
    expect(passes.passes_used).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(t.daemon.doors.relayState(1)).toBe('locked');

    next = t.nextDecision();
    await presentFrame(t.client, 'door1', card(1, 2));
    expect(await next).toMatchObject({ outcome: 'deny', reason: 'unknown' });

    const bad = card(123, 4567);
    bad[3] = bad[3]! ^ 1;
    await presentFrame(t.client, 'door2', bad);
    await new Promise((r) => setTimeout(r, 150));
    expect(t.daemon.executor.counters.rejectedFrames).toBe(1);
    expect(t.decisions.length).toBe(2);

    await new Promise((r) => setTimeout(r, 100)); // journal writer flush
    const rows = t.daemon.services.journal.query({ order: 'asc', limit: 1000 }).entries
      .filter((e) => ['access_granted', 'access_denied', 'frame_rejected'].includes(e.type));
    expect(rows.map((r) => [r.type, r.reader, r.reason])).toEqual([
      ['access_granted', 'door1', 'granted'],
      ['access_denied', 'door1', 'unknown'],
      ['frame_rejected', 'door2', 'parity_error'],
    ]);
    expect(rows[2]!.details).toMatchObject({ bit_length: 26, raw_bits: expect.stringMatching(/^[01]{26}$/) });
  });

  it('opens once for a one-time access code typed on the keypad, then refuses it (code_used)', async () => {
    const t = await start({
      readers: [{ id: 'door1', door: 1, keypad: { mode: '8bit_complement_high' } }],
      doors: [{ id: 1, pulseMs: 100 }],
    });
    const created = t.daemon.services.accessCodes.create({ code: '4711', device_id: 'first', is_one_time_use: true });
    expect(created.ok).toBe(true);
    const type = async (keys: string) => {
      const next = t.nextDecision();
      for (const k of keys) {
        await presentFrame(t.client, 'door1', encodeKey('8bit_complement_high', k as KeypadKey), 500);
        await new Promise((r) => setTimeout(r, 15));
      }
      return next;
    };
    expect(await type('4711#')).toMatchObject({ outcome: 'grant', doors: [1] });
    expect(await type('4711#')).toMatchObject({ outcome: 'deny', reason: 'code_used' });
    const row = t.daemon.db.sqlite.prepare('SELECT used_at FROM access_codes').get() as { used_at: number | null };
    expect(row.used_at).not.toBeNull();
  });

  it('applies reader format changes from the settings service to the running reader', async () => {
    const t = await start();
    t.daemon.services.settings.update({ readers: [{ id: 'door1', formats: ['H10306', 'raw'] }] });
    await presentFrame(t.client, 'door1', card(1, 2));
    await new Promise((r) => setTimeout(r, 150));
    // 26 bits is no longer a configured format length, so it reads as raw (payload = all 26 bits).
    expect(t.decisions).toHaveLength(1);
    t.daemon.services.settings.update({ readers: [{ id: 'door1', formats: ['H10306'] }] });
    await presentFrame(t.client, 'door1', card(1, 2));
    await new Promise((r) => setTimeout(r, 150));
    expect(t.daemon.executor.counters.rejectedFrames).toBe(1);
  });

  it('starts the batch worker with the daemon only when configured resident', async () => {
    const onDemand = await start();
    expect(onDemand.daemon.services.identifierBatches!.running()).toBe(false);
    const resident = await start({ api: { port: 0, batchWorker: 'resident' } });
    expect(resident.daemon.services.identifierBatches!.running()).toBe(true);
  });

  it('puts every relay in its safe state on stop', async () => {
    const t = await start({ doors: [{ id: 1, pulseMs: 60_000 }, { id: 2 }] });
    t.daemon.doors.grant([1]);
    expect(relayLevel(t.dir, 17)).toBe(0);
    await t.daemon.stop();
    expect(relayLevel(t.dir, 17)).toBe(1);
  });
});
