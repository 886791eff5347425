import { pbkdf2 } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { SerialPort } from 'serialport';
import { afterEach, describe, expect, it } from 'vitest';
import { openPtyPair, type PtyPair } from '../../../test/support/pty.ts';
import { DirectReadLinuxBinding } from './direct-read-binding.ts';

function openPort(path: string, binding?: typeof DirectReadLinuxBinding): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false, ...(binding ? { binding } : {}) });
  return new Promise((resolve, reject) => port.open((err) => (err ? reject(err) : resolve(port))));
}

const closePort = (port: SerialPort) => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));

/** Keeps every libuv thread-pool thread busy (default pool: 4 threads); resolves when the first is free again. */
function occupyThreadPool(): Promise<void> {
  const one = () => new Promise<void>((resolve) => pbkdf2('p', 's', 400_000, 32, 'sha512', () => resolve()));
  return Promise.race(Array.from({ length: Number(process.env.UV_THREADPOOL_SIZE ?? 4) }, one));
}

describe.runIf(process.platform === 'linux')('DirectReadLinuxBinding', () => {
  let pty: PtyPair | undefined;
  const ports: SerialPort[] = [];
  afterEach(async () => {
    for (const p of ports.splice(0)) await closePort(p);
    await pty?.close();
  });

  it('delivers every byte, in order, across many writes', async () => {
    pty = await openPtyPair();
    const reader = await openPort(pty.a, DirectReadLinuxBinding);
    const writer = await openPort(pty.b);
    ports.push(reader, writer);
    const received: Buffer[] = [];
    reader.on('data', (b: Buffer) => received.push(b));
    const sent = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
    for (let at = 0; at < sent.length; at += 100) {
      await new Promise<void>((resolve, reject) => writer.write(sent.subarray(at, at + 100), (err) => (err ? reject(err) : writer.drain(() => resolve()))));
    }
    await expect.poll(() => Buffer.concat(received).length, { timeout: 5000 }).toBe(sent.length);
    expect(Buffer.concat(received).equals(sent)).toBe(true);
  });

  // The reason it exists: bytes reach the reader without a thread-pool round trip, so they are
  // not queued behind whatever else uses the pool. The stock binding (checked too) has to wait.
  it('delivers bytes while the thread pool is busy; the stock binding waits for the pool', async () => {
    pty = await openPtyPair();
    // Written synchronously: the stock binding's write would itself wait for the busy pool.
    const writer = openSync(pty.b, 'w');
    const firstData = async (binding?: typeof DirectReadLinuxBinding) => {
      const reader = await openPort(pty!.a, binding);
      ports.push(reader);
      const order: string[] = [];
      const data = new Promise<void>((resolve) => reader.once('data', () => resolve()));
      // Let the reader start waiting for bytes before the pool fills.
      await new Promise((r) => setTimeout(r, 50));
      const pool = occupyThreadPool();
      writeSync(writer, Buffer.from([1, 2, 3]));
      await Promise.all([data.then(() => order.push('data')), pool.then(() => order.push('pool thread free'))]);
      await closePort(reader);
      return order[0];
    };
    try {
      expect(await firstData(DirectReadLinuxBinding)).toBe('data');
      expect(await firstData()).toBe('pool thread free');
    } finally {
      closeSync(writer);
    }
  });

  it('closes cleanly while waiting for bytes', async () => {
    pty = await openPtyPair();
    const reader = await openPort(pty.a, DirectReadLinuxBinding);
    const errors: Error[] = [];
    reader.on('error', (e: Error) => errors.push(e));
    reader.on('data', () => undefined);
    await new Promise((r) => setTimeout(r, 20));
    await closePort(reader);
    expect(reader.isOpen).toBe(false);
    expect(errors).toEqual([]);
  });
});
