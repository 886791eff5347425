/**
 * What the capture modules need of a logger. The daemon's pino Logger is one; the capture thread
 * logs through a lighter one that posts entries to the main thread (worker-log.ts), so that pino
 * is not loaded a second time in it (resident memory: docs/benchmarks.md, session 14).
 */
export interface LogFn {
  (fields: object, msg?: string): void;
  (msg: string): void;
}

export interface LogSink {
  readonly debug: LogFn;
  readonly info: LogFn;
  readonly warn: LogFn;
  readonly error: LogFn;
  child(bindings: Record<string, unknown>): LogSink;
}

const nothing = (): void => undefined;

/** A sink that writes nothing, for tests and callers that do not log. */
export const silentSink: LogSink = { debug: nothing, info: nothing, warn: nothing, error: nothing, child: () => silentSink };
