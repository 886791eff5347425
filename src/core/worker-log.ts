/**
 * Logging from a worker thread. The daemon's logger (its level, its destination, its redaction,
 * silent in tests) lives on the main thread: a worker logs through a LogSink that posts each
 * entry there, where it is written through that logger.
 */
import type { LogFn, LogSink } from './log-sink.ts';
import type { Logger } from './logger.ts';
import { errorFields } from './worker-errors.ts';

export type WorkerLogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A worker's log entry, as posted. */
export interface WorkerLogEntry {
  readonly kind: 'log';
  readonly level: WorkerLogLevel;
  readonly fields: Record<string, unknown>;
  readonly msg: string;
}

const RANK: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

/** Errors cross as their message, stack and code (a library's Error subclass would lose them in the clone). */
function cloneable(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Error ? errorFields(v) : v]));
}

/** In the worker: a sink that posts entries at `level` (pino's level names) and above to `post`. */
export function workerLogger(level: string, post: (m: WorkerLogEntry) => void, bindings: Record<string, unknown> = {}): LogSink {
  const at = (entryLevel: WorkerLogLevel): LogFn =>
    ((fieldsOrMsg: object | string, msg?: string) => {
      if (RANK[entryLevel]! < (RANK[level] ?? RANK.info!)) return;
      const own = typeof fieldsOrMsg === 'string' ? {} : (fieldsOrMsg as Record<string, unknown>);
      const entry: WorkerLogEntry = {
        kind: 'log', level: entryLevel, fields: cloneable({ ...bindings, ...own }), msg: typeof fieldsOrMsg === 'string' ? fieldsOrMsg : (msg ?? ''),
      };
      try {
        post(entry);
      } catch {
        // A field that cannot be cloned (a function, say) must not lose the line.
        post({ ...entry, fields: { ...bindings, unloggableFields: Object.keys(own) } });
      }
    }) as LogFn;
  return {
    debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'),
    child: (more) => workerLogger(level, post, { ...bindings, ...more }),
  };
}

/** On the main thread: writes a worker's entry through `logger` (its level, redaction and destination). */
export function relayWorkerLog(logger: Logger, m: WorkerLogEntry): void {
  logger[m.level](m.fields, m.msg);
}
