/** The sources on the calling thread: a real Unix socket fed by the simulated reader's client, a fake gpiomon as a real child process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../test/support/wait.ts';
import { systemClock } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import type { EdgeEvent } from '../wiegand/types.ts';
import { startEdgeSources } from './edge-sources.ts';
import { connectSimEdgeClient } from './sim/sim-edge-client.ts';

const FAKE = fileURLToPath(new URL('../../test/fixtures/gpio/fake-gpiomon.mjs', import.meta.url));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.unstubAllEnvs();
});

describe('edge sources', () => {
  it("hand the socket's edges over for the readers it feeds only, and count them", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doorctl-sources-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const received: Array<[string, EdgeEvent[]]> = [];
    const sources = await startEdgeSources(
      { sim: { socketPath: join(dir, 'sim.sock'), readers: ['door1'] }, gpiomon: [] },
      { clock: systemClock, logger: silentLogger, onEdges: (reader, edges) => received.push([reader, edges]) },
    );
    cleanups.push(() => sources.stop());
    const client = await connectSimEdgeClient(sources.simSocketPath!);
    cleanups.push(() => client.close());
    await client.send('door9', [{ line: 'D0', timeUs: 1 }]);
    await client.send('door1', [{ line: 'D1', timeUs: 2 }]);
    await waitFor('door1 edges', () => received.length > 0);
    expect(received).toEqual([['door1', [{ line: 'D1', timeUs: 2 }]]]);
    expect(sources.health()).toEqual({ sim: { connections: 1, messages: 2, edges: 2, malformed: 0 } });
  });

  it("tell each gpiomon's pid while it runs, and that it has gone once stopped", async () => {
    vi.stubEnv('FAKE_GPIOMON_FRAME', '10@2000');
    vi.stubEnv('FAKE_GPIOMON_STAY', '1');
    const pids: Array<[number, number | null]> = [];
    const received: EdgeEvent[] = [];
    const sources = await startEdgeSources(
      { sim: null, gpiomon: [{ reader: 'door2', chip: 'gpiochip0', d0Line: 17, d1Line: 27, command: [process.execPath, FAKE] }] },
      { clock: systemClock, logger: silentLogger, onEdges: (_r, edges) => received.push(...edges), onGpiomonChild: (i, pid) => pids.push([i, pid]) },
    );
    await waitFor('two edges', () => received.length === 2, 5_000);
    expect(received.map((e) => e.line)).toEqual(['D1', 'D0']);
    expect(pids).toHaveLength(1);
    expect(pids[0]![0]).toBe(0);
    expect(pids[0]![1]).toBeGreaterThan(0);
    await sources.stop();
    expect(pids.at(-1)).toEqual([0, null]);
  });
});
