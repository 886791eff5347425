/**
 * The admin API of the real daemon (in-process, simulated GPIO and reader): a code created with
 * Seam's own client opens the door when typed on the simulated keypad, and the live event stream
 * carries the relay transitions of both that grant and a remote open.
 */
import { SeamHttp } from '@seamapi/http/connect';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { DecisionRecord } from '../../src/daemon/access-executor.ts';
import { startDaemon, type Daemon } from '../../src/daemon/start-daemon.ts';
import { encodeKey } from '../../src/wiegand/keypad/keypad-modes.ts';
import type { KeypadKey } from '../../src/wiegand/types.ts';
import { connectSimEdgeClient, presentFrame, tempDir, writeConfig } from '../support/daemon-harness.ts';
import { openEventStream, type SseStream } from './sse-client.ts';

const KEYPAD = '8bit_complement_high';

describe('admin API on the running daemon', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start() {
    const dir = tempDir('daemon-api-');
    cleanups.push(dir.remove);
    const configPath = writeConfig(dir.path, {
      readers: [{ id: 'door1', door: 1, keypad: { mode: KEYPAD } }],
      // The simulated contact input rests pulled up (level 1): with open level 0 the door reads closed.
      doors: [{ id: 1, pulseMs: 150, contactOpenLevel: 0 }],
    });
    const daemon: Daemon = await startDaemon({ config: loadConfig(configPath, {}), logger: silentLogger, env: {} });
    cleanups.push(() => daemon.stop());
    const base = `http://127.0.0.1:${daemon.address!.port}`;
    const key = (role: 'admin' | 'operator') => {
      const r = daemon.services.auth.createApiKey(`test-${role}`, role);
      if (!r.ok) throw new Error('api key');
      return r.value.key;
    };
    const stream: SseStream = await openEventStream(`${base}/api/v1/events/stream`, key('operator'));
    cleanups.push(() => stream.close());
    await stream.comment('connected');
    return { daemon, base, key, stream };
  }

  const relay = (state: 'unlocked' | 'locked') => (m: { event: string; data: string }) =>
    m.event === 'relay' && (JSON.parse(m.data) as { details: { state: string } }).details.state === state;

  it('opens the door for a code created with the Seam client and typed on the keypad', async () => {
    const t = await start();
    const seam = SeamHttp.fromApiKey(t.key('admin'), { endpoint: `${t.base}/seam`, axiosRetryOptions: { retries: 0 } });
    const created = await seam.accessCodes.create({ device_id: 'first', code: '2580', name: 'Courier' });
    expect(created).toMatchObject({ code: '2580', status: 'set' });
    const journaled = await t.stream.next((m) => m.event === 'access_code_created');
    expect(journaled.data).not.toContain('2580');

    const client = await connectSimEdgeClient(t.daemon.simSocketPath!);
    cleanups.push(() => client.close());
    const decision = new Promise<DecisionRecord>((resolve) => t.daemon.events.once('decision', resolve));
    for (const k of '2580#') {
      await presentFrame(client, 'door1', encodeKey(KEYPAD, k as KeypadKey), 500);
      await new Promise((r) => setTimeout(r, 15));
    }
    expect(await decision).toMatchObject({ outcome: 'grant', doors: [1] });
    const unlocked = JSON.parse((await t.stream.next(relay('unlocked'))).data);
    expect(unlocked).toMatchObject({ type: 'relay', door: '1', details: { state: 'unlocked' } });
    await t.stream.next(relay('locked'));
  });

  it('streams the relay events of a remote open and reports the door state', async () => {
    const t = await start();
    const operator = { Authorization: `Bearer ${t.key('operator')}` };
    const doors = async () => (await (await fetch(`${t.base}/api/v1/doors`, { headers: operator })).json()) as { doors: Array<{ lock: string }> };
    expect((await doors()).doors).toEqual([{ door: 1, lock: 'locked', contact: 'closed', alarm: 'none', tamper: false }]);

    const res = await fetch(`${t.base}/api/v1/access/general/lock/open/remote/accepted/first`, { method: 'POST', headers: operator });
    expect([res.status, await res.json()]).toEqual([200, { success: true }]);
    const unlocked = await t.stream.next(relay('unlocked'));
    expect(JSON.parse(unlocked.data)).toMatchObject({ door: '1', reason: expect.any(String) });
    expect((await doors()).doors[0]!.lock).toBe('unlocked');
    const remote = JSON.parse((await t.stream.next((m) => m.event === 'remote_open')).data);
    expect(remote).toMatchObject({ door: 'first', reason: 'granted', details: { caller: 'test-operator', caller_kind: 'api_key' } });
    await t.stream.next(relay('locked'));
    expect((await doors()).doors[0]!.lock).toBe('locked');
  });
});
