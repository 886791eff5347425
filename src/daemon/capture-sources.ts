/**
 * Starts the capture backend of every configured reader and routes what it yields into that
 * reader's pipeline: simulated edges over a local socket, Wiegand edges from gpiomon, and serial
 * packets (one serial port may carry several bridge channels, i.e. several readers).
 */
import { join } from 'node:path';
import { GpiomonBackend } from '../capture/gpio/gpiomon-backend.ts';
import { OnoffBackend } from '../capture/gpio/onoff-backend.ts';
import { createSerialReader, type SerialReader } from '../capture/serial/serial-reader.ts';
import { createSimEdgeServer, type SimEdgeServer } from '../capture/sim/sim-edge-server.ts';
import type { Config } from '../config/config-schema.ts';
import type { Clock } from '../core/clock.ts';
import type { Logger } from '../core/logger.ts';
import type { BoardProfile } from '../io/board-profile.ts';
import type { ReaderPipeline } from './reader-pipeline.ts';

export interface CaptureSources {
  readonly simSocketPath: string | null;
  health(): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startCaptureSources(opts: {
  config: Config;
  board: BoardProfile;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  readers: ReadonlyMap<string, ReaderPipeline>;
}): Promise<CaptureSources> {
  const { config, clock, logger, readers } = opts;
  const stops: Array<() => Promise<void>> = [];
  const health: Record<string, () => unknown> = {};

  try {
    let sim: SimEdgeServer | null = null;
    if (config.readers.some((r) => r.capture.type === 'sim')) {
      const simReaders = new Set(config.readers.filter((r) => r.capture.type === 'sim').map((r) => r.id));
      sim = await createSimEdgeServer({
        socketPath: join(opts.dataDir, config.simulation.socket),
        logger,
        onEdges: (reader, edges) => {
          const pipeline = simReaders.has(reader) ? readers.get(reader) : undefined;
          if (!pipeline) return logger.warn({ reader }, 'simulated edges for an unknown reader');
          for (const e of edges) pipeline.edge(e);
        },
      });
      const server = sim;
      stops.push(() => server.close());
      health.sim = () => server.stats();
      logger.info({ socket: sim.socketPath }, 'simulated reader socket ready (doorctl sim --socket ...)');
    }

    // GPIO readers: D0/D1 pins come from the board profile's reader entry.
    const gpioReaders = config.readers.filter((r) => r.capture.type === 'gpiomon' || r.capture.type === 'onoff');
    const { board } = opts;
    for (const r of gpioReaders) {
      const pins = board.readers[(r.boardReader ?? r.door) - 1];
      if (!pins) throw new Error(`reader ${r.id}: board ${board.name} has no reader ${r.boardReader ?? r.door}`);
      const pipeline = readers.get(r.id)!;
      const onEdge = (e: Parameters<ReaderPipeline['edge']>[0]) => pipeline.edge(e);
      const backend =
        r.capture.type === 'gpiomon'
          ? new GpiomonBackend({ chip: r.capture.chip, d0Line: pins.d0, d1Line: pins.d1, clock, logger, onEdge })
          : new OnoffBackend({ d0Pin: pins.d0, d1Pin: pins.d1, chipLabel: board.pinctrlLabel, clock, logger, onEdge });
      await backend.start();
      stops.push(() => backend.stop());
      health[r.id] = () => backend.stats();
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
      simSocketPath: sim?.socketPath ?? null,
      health: () => Object.fromEntries(Object.entries(health).map(([k, f]) => [k, f()])),
      async stop() {
        for (const s of stops.splice(0).reverse()) await s().catch((err: unknown) => logger.warn({ err }, 'capture stop failed'));
      },
    };
  } catch (err) {
    for (const s of stops.reverse()) await s().catch(() => {});
    throw err;
  }
}
