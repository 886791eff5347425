/**
 * Sending end of the simulation edge socket, used by `doorctl sim`: connects to a controller's
 * socket and plays edge trains in real time, so the receiver sees each edge when it happens and
 * its frame-gap timers behave as with a real reader.
 */
import { connect, type Socket } from 'node:net';
import type { Clock } from '../../core/clock.ts';
import type { EdgeEvent, ReaderId } from '../../wiegand/types.ts';
import { encodeSimEdgeMessage } from './sim-edge-protocol.ts';

export interface SimEdgeClient {
  send(reader: ReaderId, edges: EdgeEvent[]): Promise<void>;
  close(): Promise<void>;
}

export async function connectSimEdgeClient(socketPath: string): Promise<SimEdgeClient> {
  const socket: Socket = await new Promise((resolve, reject) => {
    const s = connect(socketPath, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
  // The controller can vanish at any moment (a crash test kills it): a reset is then reported by
  // the sends that fail, never as an uncaught 'error' event in the sender.
  socket.on('error', () => undefined);
  return {
    send: (reader, edges) =>
      new Promise<void>((resolve, reject) => {
        socket.write(encodeSimEdgeMessage({ reader, edges }), (err) => (err ? reject(err) : resolve()));
      }),
    close: () =>
      new Promise<void>((resolve) => {
        socket.end(() => resolve());
      }),
  };
}

/**
 * Plays `train` (times relative to its first edge) starting `leadUs` from now on `clock`: each edge
 * is stamped with its absolute monotonic time and sent once that time has come, edges that fall
 * due together going in one batch. Returns the stamped edges.
 */
export async function paceEdges(
  train: readonly EdgeEvent[],
  clock: Clock,
  send: (edges: EdgeEvent[]) => Promise<void> | void,
  leadUs = 1000,
): Promise<EdgeEvent[]> {
  if (train.length === 0) return [];
  const offset = clock.monotonicUs() + leadUs - train[0]!.timeUs;
  const stamped = train.map((e) => ({ ...e, timeUs: e.timeUs + offset }));
  let next = 0;
  while (next < stamped.length) {
    const waitUs = stamped[next]!.timeUs - clock.monotonicUs();
    if (waitUs > 0) await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.ceil(waitUs / 1000)));
    const now = clock.monotonicUs();
    const batch: EdgeEvent[] = [];
    while (next < stamped.length && stamped[next]!.timeUs <= now) batch.push(stamped[next++]!);
    if (batch.length > 0) await send(batch);
  }
  return stamped;
}
