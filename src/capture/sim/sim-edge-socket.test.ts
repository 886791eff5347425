/** Server and client over a real Unix socket in a temp dir, with real-time pacing. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../../core/clock.ts';
import { bitsFromString, type EdgeEvent } from '../../wiegand/types.ts';
import { edgeTrain } from './edge-train.ts';
import { connectSimEdgeClient, paceEdges } from './sim-edge-client.ts';
import { createSimEdgeServer, type SimEdgeServer } from './sim-edge-server.ts';
import { SIM_EDGE_MAX_LINE } from './sim-edge-protocol.ts';

const until = async (cond: () => boolean, ms = 2000) => {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('paceEdges', () => {
  it('sends no edge before its time, and every edge once', async () => {
    const clock = new ManualClock();
    const train = edgeTrain(bitsFromString('1011'), { intervalUs: 2500, jitterUs: 400, seed: 3 });
    const sent: { atUs: number; edges: EdgeEvent[] }[] = [];
    let finished = false;
    const done = paceEdges(train, clock, (edges) => void sent.push({ atUs: clock.monotonicUs(), edges })).then((s) => {
      finished = true;
      return s;
    });
    for (let i = 0; i < 20 && !finished; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advanceMs(1);
    }
    const stamped = await done;
    expect(sent.flatMap((s) => s.edges)).toEqual(stamped);
    for (const s of sent) for (const e of s.edges) expect(e.timeUs).toBeLessThanOrEqual(s.atUs);
    expect(stamped.map((e) => e.timeUs - stamped[0]!.timeUs)).toEqual(train.map((e) => e.timeUs - train[0]!.timeUs));
  });
});

describe('sim edge socket', () => {
  let dir: string;
  let socketPath: string;
  let server: SimEdgeServer;
  let received: { reader: string; edges: EdgeEvent[]; arrivedUs: number }[];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'doorctl-sim-'));
    socketPath = join(dir, 'sim-reader.sock');
    received = [];
    server = await createSimEdgeServer({
      socketPath,
      onEdges: (reader, edges) => received.push({ reader, edges, arrivedUs: systemClock.monotonicUs() }),
    });
  });

  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a paced train in order, each edge arriving after its monotonic timestamp', async () => {
    const client = await connectSimEdgeClient(socketPath);
    const train = edgeTrain(bitsFromString('10111101100010001110101110'), { intervalUs: 1000 });
    const stamped = await paceEdges(train, systemClock, (edges) => client.send('front', edges));
    await until(() => received.flatMap((r) => r.edges).length === 26);
    await client.close();
    expect(received.flatMap((r) => r.edges)).toEqual(stamped);
    expect(new Set(received.map((r) => r.reader))).toEqual(new Set(['front']));
    for (const r of received) for (const e of r.edges) expect(e.timeUs).toBeLessThanOrEqual(r.arrivedUs);
    // Paced, not dumped: the batches are spread over the ~25 ms the train lasts.
    expect(received.length).toBeGreaterThan(1);
  });

  it('counts and ignores malformed lines and over-long lines, and keeps serving', async () => {
    const raw = connect(socketPath);
    await new Promise((r) => raw.once('connect', r));
    raw.write('not json\n{"reader":"r","edges":[]}\n');
    raw.write('x'.repeat(SIM_EDGE_MAX_LINE + 10));
    raw.write('yyy\n{"reader":"r","edges":[{"line":"D0","timeUs":5}]}\n{"reader":"r","edg');
    raw.end(); // hangs up mid-line: the torn line is malformed too
    await until(() => server.stats().malformed === 4 && server.stats().messages === 1);
    const client = await connectSimEdgeClient(socketPath);
    await client.send('back', [{ line: 'D1', timeUs: 9 }]);
    await until(() => received.length === 2);
    await client.close();
    expect(received.map((r) => r.reader)).toEqual(['r', 'back']);
    expect(server.stats()).toMatchObject({ connections: 2, messages: 2, edges: 2, malformed: 4 });
  });

  it('survives a consumer that throws', async () => {
    await server.close();
    server = await createSimEdgeServer({
      socketPath,
      onEdges: () => {
        throw new Error('consumer bug');
      },
    });
    const client = await connectSimEdgeClient(socketPath);
    await client.send('a', [{ line: 'D0', timeUs: 1 }]);
    await client.send('a', [{ line: 'D0', timeUs: 2 }]);
    await until(() => server.stats().messages === 2);
    await client.close();
  });

  it('replaces a stale socket but refuses to remove a regular file', async () => {
    await server.close(); // a socket file left behind, as after a crash
    server = await createSimEdgeServer({ socketPath, onEdges: () => undefined });
    const other = join(dir, 'not-a-socket');
    writeFileSync(other, 'keep me');
    await expect(createSimEdgeServer({ socketPath: other, onEdges: () => undefined })).rejects.toThrow(/not a socket/);
  });
});
