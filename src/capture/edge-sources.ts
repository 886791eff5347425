/**
 * The edge sources read as bytes: the simulated reader's socket and gpiomon's pipe, one per
 * reader. Started on the capture thread (capture/thread), or on the event loop when the daemon
 * runs on a clock a test drives. Each batch of edges goes to `onEdges` with its reader.
 */
import type { Clock } from '../core/clock.ts';
import type { LogSink } from '../core/log-sink.ts';
import type { EdgeEvent, ReaderId } from '../wiegand/types.ts';
import { GpiomonBackend } from './gpio/gpiomon-backend.ts';
import type { GpiomonWatch } from './gpio/gpiomon-syntax.ts';
import { createSimEdgeServer } from './sim/sim-edge-server.ts';

export interface GpiomonReader extends GpiomonWatch {
  readonly reader: ReaderId;
  /** Program and leading arguments in place of `gpiomon` (tests run a fake through node). */
  readonly command?: readonly [string, ...string[]];
}

export interface EdgeSourcesConfig {
  /** The simulated reader socket and the readers it may feed; null: no simulated reader. */
  readonly sim: { readonly socketPath: string; readonly readers: readonly ReaderId[] } | null;
  readonly gpiomon: readonly GpiomonReader[];
}

export interface EdgeSources {
  readonly simSocketPath: string | null;
  /** Each source's own figures, by `sim` or reader id. */
  health(): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startEdgeSources(
  config: EdgeSourcesConfig,
  opts: {
    readonly clock: Clock;
    readonly logger: LogSink;
    readonly onEdges: (reader: ReaderId, edges: EdgeEvent[]) => void;
    /** Told the pid of the i-th gpiomon each time one starts, and null when it has exited. */
    readonly onGpiomonChild?: (i: number, pid: number | null) => void;
  },
): Promise<EdgeSources> {
  const { clock, logger } = opts;
  const stops: Array<() => Promise<void>> = [];
  const health: Record<string, () => unknown> = {};
  const stop = async (): Promise<void> => {
    for (const s of stops.splice(0).reverse()) await s().catch((err: unknown) => logger.warn({ err }, 'capture stop failed'));
  };
  try {
    let simSocketPath: string | null = null;
    const { sim } = config;
    if (sim !== null) {
      const server = await createSimEdgeServer({
        socketPath: sim.socketPath,
        logger,
        onEdges: (reader, edges) => {
          if (!sim.readers.includes(reader)) return logger.warn({ reader }, 'simulated edges for an unknown reader');
          opts.onEdges(reader, edges);
        },
      });
      stops.push(() => server.close());
      health.sim = () => server.stats();
      simSocketPath = server.socketPath;
      logger.info({ socket: server.socketPath }, 'simulated reader socket ready (doorctl sim --socket ...)');
    }
    for (const [i, r] of config.gpiomon.entries()) {
      const backend = new GpiomonBackend({
        chip: r.chip, d0Line: r.d0Line, d1Line: r.d1Line, clock, logger,
        ...(r.command ? { command: r.command } : {}),
        onEdge: (e) => opts.onEdges(r.reader, [e]),
        ...(opts.onGpiomonChild ? { onChild: (pid: number | null) => opts.onGpiomonChild!(i, pid) } : {}),
      });
      await backend.start();
      stops.push(() => backend.stop());
      health[r.reader] = () => backend.stats();
    }
    return {
      simSocketPath,
      health: () => Object.fromEntries(Object.entries(health).map(([k, f]) => [k, f()])),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
