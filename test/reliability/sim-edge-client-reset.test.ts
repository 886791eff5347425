/**
 * Found by the crash campaign: when the controller dies (SIGKILL) while `doorctl sim` or a test is
 * connected to its sim edge socket, the client's socket gets ECONNRESET. With no error listener on
 * the connected socket that was an uncaught exception in the SENDER; it must instead make the
 * pending and later sends reject.
 */
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectSimEdgeClient } from '../../src/capture/sim/sim-edge-client.ts';
import { tempDir } from '../support/daemon-harness.ts';

describe('sim edge client when the controller vanishes', () => {
  const dir = tempDir('rel-simclient-');
  afterAll(() => dir.remove());

  it('rejects sends after a connection reset instead of throwing an uncaught error', async () => {
    const path = join(dir.path, 'sim.sock');
    const peers: Socket[] = [];
    const server = createServer((s) => {
      s.pause(); // the peer leaves what it is sent unread, as a busy controller would
      peers.push(s);
    });
    await new Promise<void>((ok) => server.listen(path, ok));
    const client = await connectSimEdgeClient(path);
    while (peers.length === 0) await new Promise((r) => setTimeout(r, 5));
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      // Closing with unread data is an abortive close: the client's next read is ECONNRESET.
      await client.send('door1', [{ line: 'D0', timeUs: 1 }]);
      peers[0]!.destroy();
      await new Promise((r) => setTimeout(r, 100));
      await expect(client.send('door1', [{ line: 'D1', timeUs: 2 }])).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 50));
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await client.close().catch(() => undefined);
      await new Promise<void>((ok) => server.close(() => ok()));
    }
  });
});
