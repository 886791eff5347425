/**
 * The capture thread as the daemon runs it: a real worker thread, a real Unix socket fed by the
 * simulated reader's client, a fake gpiomon as a real child process.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { waitFor } from '../../../test/support/wait.ts';
import { systemClock } from '../../core/clock.ts';
import { createLogger, silentLogger, type Logger } from '../../core/logger.ts';
import type { EdgeEvent } from '../../wiegand/types.ts';
import { connectSimEdgeClient } from '../sim/sim-edge-client.ts';
import { startCaptureThread, type CaptureThread, type CaptureThreadOptions } from './capture-thread.ts';

const FAKE = fileURLToPath(new URL('../../../test/fixtures/gpio/fake-gpiomon.mjs', import.meta.url));

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  vi.unstubAllEnvs();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'doorctl-capture-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Running, not ended (a zombie nobody reaped has ended: no thread waits for it once its own has gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2) !== 'Z';
  } catch {
    return false;
  }
}

function logLines(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination }), lines };
}

async function start(
  data: CaptureThreadOptions['data'],
  more: Partial<CaptureThreadOptions> = {},
): Promise<{ thread: CaptureThread; received: Array<{ reader: string; edges: EdgeEvent[]; atUs: number }> }> {
  const received: Array<{ reader: string; edges: EdgeEvent[]; atUs: number }> = [];
  const thread = await startCaptureThread({
    data,
    clock: systemClock,
    logger: silentLogger,
    onEdges: (reader, edges) => received.push({ reader, edges, atUs: systemClock.monotonicUs() }),
    ...more,
  });
  cleanups.push(() => thread.stop());
  return { thread, received };
}

describe('capture thread', () => {
  it("hands the simulated reader's edges over, each stamped with when the thread took it in", async () => {
    const socketPath = join(tempDir(), 'sim.sock');
    const { thread, received } = await start({ sim: { socketPath, readers: ['door1'] }, gpiomon: [] });
    expect(thread.simSocketPath).toBe(socketPath);
    const client = await connectSimEdgeClient(socketPath);
    cleanups.push(() => client.close());
    const sentUs = systemClock.monotonicUs();
    const edges: EdgeEvent[] = [
      { line: 'D1', timeUs: sentUs - 2_000, widthUs: 50 },
      { line: 'D0', timeUs: sentUs, widthUs: 50 },
    ];
    await client.send('door1', edges);
    await waitFor('edges handed over', () => received.length > 0);
    const [batch] = received;
    expect(batch!.reader).toBe('door1');
    expect(batch!.edges.map(({ line, timeUs, widthUs }) => ({ line, timeUs, widthUs }))).toEqual(edges);
    for (const e of batch!.edges) {
      expect(e.arrivedUs).toBeGreaterThanOrEqual(sentUs);
      expect(e.arrivedUs).toBeLessThanOrEqual(batch!.atUs);
    }
    const health = await thread.health();
    expect(health.sim).toMatchObject({ connections: 1, messages: 1, edges: 2, malformed: 0 });
  });

  it("logs through the main thread's logger, e.g. edges for a reader the socket does not feed", async () => {
    const socketPath = join(tempDir(), 'sim.sock');
    const { logger, lines } = logLines();
    const { received } = await start({ sim: { socketPath, readers: ['door1'] }, gpiomon: [] }, { logger });
    const client = await connectSimEdgeClient(socketPath);
    cleanups.push(() => client.close());
    await client.send('door9', [{ line: 'D0', timeUs: systemClock.monotonicUs() }]);
    await waitFor('the warning', () => lines.some((l) => l.msg === 'simulated edges for an unknown reader'));
    const warning = lines.find((l) => l.msg === 'simulated edges for an unknown reader')!;
    expect(warning).toMatchObject({ level: 40, thread: 'capture', reader: 'door9' });
    expect(received).toEqual([]);
  });

  it("reads gpiomon on the thread: a fake gpiomon's frame arrives stamped, in order", async () => {
    vi.stubEnv('FAKE_GPIOMON_FRAME', '1011@2000');
    vi.stubEnv('FAKE_GPIOMON_STAY', '1');
    const { thread, received } = await start({
      sim: null,
      gpiomon: [{ reader: 'door2', chip: 'gpiochip0', d0Line: 17, d1Line: 27, command: [process.execPath, FAKE] }],
    });
    await waitFor('four edges', () => received.flatMap((b) => b.edges).length >= 4, 5_000);
    const edges = received.flatMap((b) => b.edges);
    expect(received.every((b) => b.reader === 'door2')).toBe(true);
    expect(edges.map((e) => e.line)).toEqual(['D1', 'D0', 'D1', 'D1']);
    for (const e of edges) expect(e.arrivedUs).toBeGreaterThanOrEqual(e.timeUs);
    expect(await thread.health()).toMatchObject({ door2: { running: true, edges: 4 } });
    // Both gpiomon and the thread wait for the next edge now: nothing is on its way.
    await waitFor('delivery idle', () => !thread.deliveryPending());
  });

  it('says delivery is pending while a gpiomon is runnable (woken by an edge, not yet done)', async () => {
    // A gpiomon that never sleeps stands for one woken by an edge and waiting for a CPU.
    const spinning = "if (process.argv.includes('--version')) console.log('gpiomon (libgpiod) v1.6.3'); else for (;;) {}";
    const { thread } = await start({
      sim: null,
      gpiomon: [{ reader: 'door2', chip: 'gpiochip0', d0Line: 17, d1Line: 27, command: [process.execPath, '-e', spinning, '--'] }],
    });
    await waitFor('gpiomon running', () => thread.deliveryPending(), 5_000);
    for (let i = 0; i < 20; i++) expect(thread.deliveryPending()).toBe(true);
  });

  it('starts the thread again when it dies, ends the gpiomon it left, and the socket and a new gpiomon work again', async () => {
    const dir = tempDir();
    const socketPath = join(dir, 'sim.sock');
    const startsLog = join(dir, 'gpiomon-starts.log');
    vi.stubEnv('CAPTURE_CRASH_MARKER', join(dir, 'crashed'));
    vi.stubEnv('FAKE_GPIOMON_STAY', '1');
    vi.stubEnv('FAKE_GPIOMON_LOG', startsLog);
    const gpiomonPids = (): number[] =>
      existsSync(startsLog) ? readFileSync(startsLog, 'utf8').trim().split('\n').map((l) => Number(l.split(' ')[1])) : [];
    const { logger, lines } = logLines();
    const { thread, received } = await start(
      {
        sim: { socketPath, readers: ['door1'] },
        gpiomon: [{ reader: 'door2', chip: 'gpiochip0', d0Line: 17, d1Line: 27, command: [process.execPath, FAKE] }],
      },
      { logger, workerPath: 'capture/thread/capture-crash.test-helper' },
    );
    const tids: number[] = [];
    thread.onThread((tid) => tids.push(tid));
    expect(tids).toHaveLength(1);
    await waitFor('a second thread', () => tids.length === 2, 5_000);
    expect(tids[1]).not.toBe(tids[0]);
    expect(lines.some((l) => l.msg === 'capture thread ended; starting it again' && l.level === 50)).toBe(true);
    await waitFor('a second gpiomon', () => gpiomonPids().length === 2, 5_000);
    const [first, second] = gpiomonPids();
    await waitFor('the first gpiomon ended', () => !alive(first!), 5_000);
    expect(alive(second!)).toBe(true);
    expect(await thread.health()).toMatchObject({ door2: { running: true, starts: 1 } });
    const client = await connectSimEdgeClient(socketPath);
    cleanups.push(() => client.close());
    await client.send('door1', [{ line: 'D1', timeUs: systemClock.monotonicUs() }]);
    await waitFor('edges through the new thread', () => received.length > 0);
  });
});
