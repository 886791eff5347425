/**
 * A capture backend: something that watches a reader's D0/D1 lines and pushes each falling edge,
 * timestamped on the monotonic clock, to the sink it was constructed with. The frame layer
 * (FrameAssembler) sits behind the sink and does not care which backend fed it.
 */
import type { EdgeEvent } from '../wiegand/types.ts';

export type EdgeSink = (edge: EdgeEvent) => void;

export interface EdgeSource {
  /** Starts capturing; rejects with a clear message when the backend cannot run on this machine. */
  start(): Promise<void>;
  /** Stops capturing and releases the lines; safe to call more than once. */
  stop(): Promise<void>;
}
