/** Messages between the main thread and the capture thread (structured-clone data only). */
import type { ErrorFields } from '../../core/worker-errors.ts';
import type { WorkerLogEntry } from '../../core/worker-log.ts';
import type { EdgeEvent, ReaderId } from '../../wiegand/types.ts';
import type { EdgeSourcesConfig } from '../edge-sources.ts';

export interface CaptureThreadData extends EdgeSourcesConfig {
  /** The pid of each gpiomon running (0: none), in the order of `gpiomon`, kept by the thread. */
  readonly gpiomonPids: Int32Array;
  readonly logLevel: string;
}

export type ToCaptureThread =
  | { readonly kind: 'health'; readonly id: number }
  | { readonly kind: 'stop' };

export type FromCaptureThread =
  /** Every source runs. `tid`: the thread's Linux thread id, for its scheduling. */
  | { readonly kind: 'ready'; readonly tid: number; readonly simSocketPath: string | null }
  | { readonly kind: 'failed'; readonly error: ErrorFields }
  /** Edges of one reader, each stamped with `arrivedUs` when this thread took it in. */
  | { readonly kind: 'edges'; readonly reader: ReaderId; readonly edges: EdgeEvent[] }
  | { readonly kind: 'health'; readonly id: number; readonly health: Record<string, unknown> }
  | WorkerLogEntry;
