/**
 * Receiving end of the simulation edge socket, for the daemon in simulation mode: lets
 * `doorctl sim` feed edges with real timing into a running controller. Bad input (malformed lines,
 * clients vanishing mid-line, a throwing consumer) is counted and logged, never fatal.
 */
import { lstat, unlink } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { silentSink, type LogSink } from '../../core/log-sink.ts';
import type { EdgeEvent, ReaderId } from '../../wiegand/types.ts';
import { parseSimEdgeMessage, SIM_EDGE_MAX_LINE } from './sim-edge-protocol.ts';

export interface SimEdgeServerOptions {
  socketPath: string;
  onEdges: (reader: ReaderId, edges: EdgeEvent[]) => void;
  logger?: LogSink;
}

export interface SimEdgeServerStats {
  connections: number;
  messages: number;
  edges: number;
  malformed: number;
}

export interface SimEdgeServer {
  readonly socketPath: string;
  stats(): SimEdgeServerStats;
  close(): Promise<void>;
}

/** Removes a socket left by a previous run; refuses to remove anything that is not a socket. */
async function removeStaleSocket(path: string): Promise<void> {
  const st = await lstat(path).catch(() => undefined);
  if (st === undefined) return;
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket`);
  await unlink(path);
}

export async function createSimEdgeServer(options: SimEdgeServerOptions): Promise<SimEdgeServer> {
  const log = (options.logger ?? silentSink).child({ simSocket: options.socketPath });
  const stats: SimEdgeServerStats = { connections: 0, messages: 0, edges: 0, malformed: 0 };
  const sockets = new Set<Socket>();

  const handleLine = (line: string) => {
    if (line.trim() === '') return;
    const r = parseSimEdgeMessage(line);
    if (!r.ok) {
      stats.malformed += 1;
      log.warn({ reason: r.reason }, 'malformed sim edge message ignored');
      return;
    }
    stats.messages += 1;
    stats.edges += r.message.edges.length;
    try {
      options.onEdges(r.message.reader, r.message.edges);
    } catch (err) {
      log.error({ err }, 'sim edge consumer threw');
    }
  };

  const server = createServer((socket) => {
    stats.connections += 1;
    sockets.add(socket);
    socket.setEncoding('utf8');
    let pending = '';
    let discarding = false; // inside an over-long line: drop until its newline
    socket.on('data', (chunk: string) => {
      const parts = (pending + chunk).split('\n');
      pending = parts.pop()!;
      for (const line of parts) {
        if (discarding) discarding = false;
        else handleLine(line);
      }
      if (pending.length > SIM_EDGE_MAX_LINE) {
        if (!discarding) {
          stats.malformed += 1;
          log.warn('over-long sim edge line ignored');
        }
        discarding = true;
        pending = '';
      }
    });
    socket.on('end', () => {
      if (pending !== '' && !discarding) handleLine(pending);
      pending = '';
    });
    socket.on('error', (err) => log.warn({ err: err.message }, 'sim edge client error'));
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('error', (err) => log.error({ err: err.message }, 'sim edge server error'));

  await removeStaleSocket(options.socketPath);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
  log.info('sim edge socket listening');

  return {
    socketPath: options.socketPath,
    stats: () => ({ ...stats }),
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
