/**
 * A linked pseudo-terminal pair from socat, for tests that run real serialport instances on both
 * ends. With `links`, socat also makes symlinks at fixed paths, so a pair can be closed and made
 * again on the same paths (what a USB adapter does when unplugged and plugged back).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';

export interface PtyPair {
  /** The paths to open: the links when given, else the /dev/pts/N devices. */
  readonly a: string;
  readonly b: string;
  /** The /dev/pts/N devices behind them. */
  readonly devices: readonly [string, string];
  /** socat's process, which carries every byte between the two ends. */
  readonly pid: number;
  close(): Promise<void>;
}

export interface PtyPairOptions {
  links?: { a: string; b: string };
  timeoutMs?: number;
}

export async function openPtyPair(options: PtyPairOptions = {}): Promise<PtyPair> {
  const end = (link?: string) => `pty,raw,echo=0${link ? `,link=${link}` : ''}`;
  const child = spawn('socat', ['-d', '-d', end(options.links?.a), end(options.links?.b)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // once() rejects on 'error' (socat missing): the promise below reports that, so not this one.
  const exited = once(child, 'exit').catch(() => undefined);
  const devices = await new Promise<string[]>((resolve, reject) => {
    let text = '';
    const found: string[] = [];
    const timer = setTimeout(() => fail(new Error(`socat gave no pty pair in time: ${text}`)), options.timeoutMs ?? 5000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill();
      reject(err);
    };
    const onExit = (code: number | null) => fail(new Error(`socat exited (${code}): ${text}`));
    child.once('error', fail);
    child.once('exit', onExit);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      text += chunk;
      for (const m of chunk.matchAll(/PTY is (\/dev\/pts\/\d+)/g)) found.push(m[1]!);
      // socat reports both ptys before "starting data transfer loop"; only then are links made.
      if (found.length >= 2 && text.includes('starting data transfer loop')) {
        clearTimeout(timer);
        child.off('exit', onExit);
        child.off('error', fail);
        resolve(found);
      }
    });
  });
  const [devA, devB] = devices as [string, string];
  return {
    a: options.links?.a ?? devA,
    b: options.links?.b ?? devB,
    devices: [devA, devB],
    pid: child.pid!,
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
