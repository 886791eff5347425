/**
 * Starts the capture backend of every configured reader and routes what it yields into that
 * reader's pipeline: simulated edges over a local socket, Wiegand edges from gpiomon, and serial
 * packets (one serial port may carry several bridge channels, i.e. several readers).
 *
 * With `thread`, the simulated reader's socket and gpiomon are read on the capture thread
 * (capture/thread), which stamps each edge with when it arrived; the edges come back to the
 * pipelines here. A clock a test drives cannot be read from another thread, so without it they
 * are read on the event loop. onoff (a native addon watching sysfs) and serial ports stay on the
 * loop either way: a bridge's frames arrive whole and onoff stamps edges as it reads them.
 */
import { join } from 'node:path';
import { OnoffBackend } from '../capture/gpio/onoff-backend.ts';
import { createSerialReader, type SerialReader } from '../capture/serial/serial-reader.ts';
import { startEdgeSources, type GpiomonReader } from '../capture/edge-sources.ts';
import { startCaptureThread, type CaptureThread } from '../capture/thread/capture-thread.ts';
import type { Config } from '../config/config-schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { BoardProfile } from '../io/board-profile.ts';
import type { EdgeEvent } from '../wiegand/types.ts';
import type { ReaderPipeline } from './reader-pipeline.ts';

/** What the daemon sees of its capture, whether a capture thread runs or not: the thread's own face. */
export type CaptureSources = CaptureThread;

export async function startCaptureSources(opts: {
  config: Config;
  board: BoardProfile;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  readers: ReadonlyMap<string, ReaderPipeline>;
  /** Read the sim socket and gpiomon on the capture thread (needs the system clock). */
  thread: boolean;
}): Promise<CaptureSources> {
  const { config, clock, logger, readers } = opts;
  const stops: Array<() => Promise<void>> = [];
  const health: Record<string, () => unknown> = {};
  let captureThread: CaptureThread | null = null;
  let edgeHealth: () => Record<string, unknown> | Promise<Record<string, unknown>> = () => ({});
  let simSocketPath: string | null = null;

  try {
    const simReaders = config.readers.filter((r) => r.capture.type === 'sim').map((r) => r.id);
    const sim = simReaders.length > 0 ? { socketPath: join(opts.dataDir, config.simulation.socket), readers: simReaders } : null;
    // GPIO readers: D0/D1 pins come from the board profile's reader entry.
    const gpiomon: GpiomonReader[] = [];
    const onoff: Array<{ reader: string; d0: number; d1: number }> = [];
    const { board } = opts;
    for (const r of config.readers) {
      if (r.capture.type !== 'gpiomon' && r.capture.type !== 'onoff') continue;
      const pins = board.readers[(r.boardReader ?? r.door) - 1];
      if (!pins) throw new Error(`reader ${r.id}: board ${board.name} has no reader ${r.boardReader ?? r.door}`);
      if (r.capture.type === 'gpiomon') gpiomon.push({ reader: r.id, chip: r.capture.chip, d0Line: pins.d0, d1Line: pins.d1 });
      else onoff.push({ reader: r.id, d0: pins.d0, d1: pins.d1 });
    }
    const deliver = (reader: string, edges: readonly EdgeEvent[]): void => {
      const pipeline = readers.get(reader);
      if (!pipeline) return void logger.warn({ reader }, 'edges for an unknown reader');
      for (const e of edges) pipeline.edge(e);
    };

    if (sim !== null || gpiomon.length > 0) {
      if (opts.thread) {
        const t = await startCaptureThread({ data: { sim, gpiomon }, clock, logger, onEdges: deliver });
        captureThread = t;
        stops.push(() => t.stop());
        edgeHealth = () => t.health();
        simSocketPath = t.simSocketPath;
      } else {
        const sources = await startEdgeSources({ sim, gpiomon }, { clock, logger, onEdges: deliver });
        stops.push(() => sources.stop());
        edgeHealth = () => sources.health();
        simSocketPath = sources.simSocketPath;
      }
    }
    for (const r of onoff) {
      const backend = new OnoffBackend({ d0Pin: r.d0, d1Pin: r.d1, chipLabel: board.pinctrlLabel, clock, logger, onEdge: (e) => deliver(r.reader, [e]) });
      await backend.start();
      stops.push(() => backend.stop());
      health[r.reader] = () => backend.stats();
    }

    // Serial: group the readers by device so each port is opened once.
    const byPath = new Map<string, { kind: 'wiegand-bridge' | 'em4100-ascii'; channels: Record<number, string> }>();
    for (const r of config.readers) {
      if (r.capture.type !== 'serial') continue;
      const entry = byPath.get(r.capture.path) ?? { kind: r.capture.kind, channels: {} };
      if (entry.kind !== r.capture.kind) throw new Error(`serial port ${r.capture.path} configured as two kinds`);
      if (entry.channels[r.capture.channel] !== undefined) throw new Error(`serial port ${r.capture.path} channel ${r.capture.channel} used twice`);
      entry.channels[r.capture.channel] = r.id;
      byPath.set(r.capture.path, entry);
    }
    for (const [path, entry] of byPath) {
      const sink = {
        frame: (f: Parameters<ReaderPipeline['frame']>[0]) => readers.get(f.reader)?.frame(f),
        fault: (f: Parameters<ReaderPipeline['fault']>[0]) => readers.get(f.reader)?.fault(f),
        card: (c: Parameters<ReaderPipeline['card']>[0]) => readers.get(c.reader)?.card(c),
      };
      const holdOff = config.readers.find((r) => r.id === entry.channels[0])?.holdOffMs;
      const reader: SerialReader =
        entry.kind === 'wiegand-bridge'
          ? createSerialReader({ kind: 'wiegand-bridge', path, channels: entry.channels }, { clock, sink, logger })
          : createSerialReader({ kind: 'em4100-ascii', path, reader: entry.channels[0] ?? Object.values(entry.channels)[0]!, holdOffMs: holdOff }, { clock, sink, logger });
      reader.start();
      stops.push(() => reader.stop());
      health[path] = () => reader.health();
    }

    return {
      simSocketPath,
      onThread(apply) {
        captureThread?.onThread(apply);
      },
      deliveryPending: () => captureThread?.deliveryPending() ?? false,
      async health() {
        return { ...(await edgeHealth()), ...Object.fromEntries(Object.entries(health).map(([k, f]) => [k, f()])) };
      },
      async stop() {
        for (const s of stops.splice(0).reverse()) await s().catch((err: unknown) => logger.warn({ err }, 'capture stop failed'));
      },
    };
  } catch (err) {
    for (const s of stops.reverse()) await s().catch(() => {});
    throw err;
  }
}
