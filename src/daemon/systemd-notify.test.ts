import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystemdNotifier } from './systemd-notify.ts';

const require = createRequire(import.meta.url);
const dgram = require('unix-dgram') as {
  createSocket(type: 'unix_dgram', cb: (msg: Buffer) => void): { bind(p: string): void; close(): void };
};

describe('systemd notifier', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((f) => f()));

  it('sends READY=1 and periodic WATCHDOG=1 to a real NOTIFY_SOCKET', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'notify-'));
    const path = join(dir, 'notify.sock');
    const messages: string[] = [];
    const server = dgram.createSocket('unix_dgram', (msg) => messages.push(msg.toString()));
    server.bind(path);
    cleanups.push(() => { server.close(); rmSync(dir, { recursive: true, force: true }); });

    const n = createSystemdNotifier({ NOTIFY_SOCKET: path, WATCHDOG_USEC: '200000' });
    cleanups.push(() => n.close());
    n.ready('simulation');
    n.startWatchdog();
    await new Promise((r) => setTimeout(r, 350));
    expect(messages[0]).toBe('READY=1\nSTATUS=simulation');
    expect(messages.filter((m) => m === 'WATCHDOG=1').length).toBeGreaterThanOrEqual(2);
  });

  it('does nothing outside systemd', () => {
    const n = createSystemdNotifier({});
    expect(() => { n.ready(); n.startWatchdog(); n.stopping(); n.close(); }).not.toThrow();
  });
});
