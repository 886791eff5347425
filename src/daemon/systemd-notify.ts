/**
 * sd_notify over the NOTIFY_SOCKET datagram socket, without libsystemd (see STACK.md: unix-dgram
 * builds without extra system packages). Outside systemd every call is a no-op.
 */
import { createRequire } from 'node:module';

interface DgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb?: (err?: Error) => void): void;
  close(): void;
  on(event: 'error', cb: (err: Error) => void): void;
}

const require = createRequire(import.meta.url);

export interface SystemdNotifier {
  ready(status?: string): void;
  stopping(): void;
  status(text: string): void;
  /** Starts watchdog pings from the event loop, so a blocked loop stops pinging and systemd restarts us. */
  startWatchdog(): void;
  close(): void;
}

export function createSystemdNotifier(env: NodeJS.ProcessEnv = process.env): SystemdNotifier {
  const rawPath = env.NOTIFY_SOCKET;
  let socket: DgramSocket | null = null;
  let timer: NodeJS.Timeout | null = null;
  // Abstract-namespace sockets are written with a leading '@'; the kernel wants a NUL byte.
  const path = rawPath?.startsWith('@') ? '\0' + rawPath.slice(1) : rawPath;

  const send = (message: string) => {
    if (!path) return;
    if (!socket) {
      const dgram = require('unix-dgram') as { createSocket(type: 'unix_dgram'): DgramSocket };
      socket = dgram.createSocket('unix_dgram');
      // A lost notification must never take the daemon down; systemd's watchdog covers real stalls.
      socket.on('error', () => {});
    }
    const buf = Buffer.from(message);
    socket.send(buf, 0, buf.length, path, () => {});
  };

  const watchdogUs = Number(env.WATCHDOG_USEC ?? 0);
  const watchdogPid = env.WATCHDOG_PID ? Number(env.WATCHDOG_PID) : process.pid;

  return {
    ready: (status) => send(status ? `READY=1\nSTATUS=${status}` : 'READY=1'),
    stopping: () => send('STOPPING=1'),
    status: (text) => send(`STATUS=${text}`),
    startWatchdog() {
      if (!path || !(watchdogUs > 0) || watchdogPid !== process.pid || timer) return;
      const everyMs = Math.max(50, Math.floor(watchdogUs / 2000));
      timer = setInterval(() => send('WATCHDOG=1'), everyMs);
      timer.unref();
    },
    close() {
      if (timer) clearInterval(timer);
      timer = null;
      socket?.close();
      socket = null;
    },
  };
}
